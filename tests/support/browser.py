"""Headless Chromium over a live dashboard, for the browser tests: Debian's chromium driven by
Playwright, the dashboard served on a free port in a thread. Screenshots go to ``ARTIFACTS``."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from resque_interop import Resque

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parent.parent / "artifacts"


@contextmanager
def served_dashboard(client: Resque) -> Iterator[str]:
    """The dashboard over ``client`` on 127.0.0.1 (live refresh every 0.5 s), as its base URL."""
    from werkzeug.serving import make_server

    from resque_interop.web.app import create_app

    httpd = make_server("127.0.0.1", 0, create_app(client, poll_seconds=0.5), threaded=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()


@contextmanager
def chromium(playwright_api: Any) -> Iterator[Any]:
    """A headless Chromium with nothing of its own on the network (no sync, updates or QUIC)."""
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        try:
            yield browser
        finally:
            browser.close()
