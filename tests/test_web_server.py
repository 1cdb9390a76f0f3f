"""``resque-interop web`` serves with waitress: concurrent requests on worker
threads, no development-server warning, the dashboard's headers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import urllib.request

from resque_interop import Resque
from resque_interop.dev.redis_server import free_port

from .support.waiting import wait_for
from .support.workers import ROOT


def _get(url: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, dict(response.headers), response.read().decode()
    except OSError:
        return 0, {}, ""


def test_the_web_command_serves_with_waitress(r: Resque, redis_url: str) -> None:
    r.enqueue_ruby("Archive", 1, queue="file_serve")
    port = free_port()
    env = {**os.environ, "REDIS_URL": redis_url, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "resque_interop", "web", "-p", str(port)], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: _get(base + "/")[0] == 200, timeout=20, what="the dashboard answering")
        status, headers, body = _get(base + "/queues/")
        assert status == 200 and "file_serve" in body
        assert headers["Server"] == "resque_interop" and "Content-Security-Policy" in headers
        # requests are served concurrently, on waitress's threads
        results: list[int] = []
        threads = [threading.Thread(target=lambda: results.append(_get(base + "/api/info")[0])) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results == [200] * 8
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    assert "development server" not in out + err and "Werkzeug" not in out + err
    assert f"http://127.0.0.1:{port}/" in out
