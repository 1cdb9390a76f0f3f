"""The dashboard's accessibility in headless Chromium: live refresh off until turned on and
never moving focus, confirmations before single removes and Clear retried, pages
usable 390 px wide, and axe-core finding no serious violation on any page.
Screenshots go to tests/artifacts/."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from resque_interop import Resque
from resque_interop.failure import FailureInfo

from .support.browser import ARTIFACTS, CHROMIUM, chromium, served_dashboard
from .support.waiting import wait_for

AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed (pip install playwright)")
pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="no /usr/bin/chromium (apt-get install chromium)")


@pytest.fixture
def server(r: Resque) -> Iterator[str]:
    with served_dashboard(r) as url:
        yield url


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium(playwright_api) as b:
        yield b


def shot(page: Any, name: str, full_page: bool = True) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def fill(r: Resque, raw_redis: redis.Redis) -> None:
    """A bit of everything, with long names and arguments that stretch a phone's width."""
    for i in range(3):
        r.enqueue_ruby("Archive", i, "masterbrew", {"z": 1, "a": 2}, queue=f"file_serve_{i}")
    for i in range(25):
        r.save_failure(FailureInfo({"class": "Archive" if i % 2 else "Resize", "args": [i, "x" * 80]},
                                   "RuntimeError", "boom " * 20, ["app/jobs/archive.rb:1:in 'perform'"] * 3,
                                   f"host-{i}.example.internal:100:file_serve", "file_serve"))
    for i in range(4):
        wid = f"worker-host-{i}.example.internal:{1000 + i}:file_serve_0,file_serve_1,file_serve_2,*"
        raw_redis.sadd("resque:workers", wid)
        raw_redis.set(f"resque:worker:{wid}:started", "2026-12-05 08:50:07 +0000")
        raw_redis.hset("resque:workers:heartbeat", wid, "2026-12-05T08:50:07+00:00")
    r.delayed.enqueue_at_with_queue("file_serve", 2000000000, "Archive", 1, "masterbrew")
    r.schedules.set("nightly_archive_of_everything", {"cron": "0 3 * * *", "class": "Archive", "queue": "file_serve",
                                                      "args": [1, "masterbrew"], "description": "archive"},
                    persist=True)


def test_live_refresh_is_off_until_turned_on_and_never_moves_focus(r: Resque, server: str, browser: Any) -> None:
    r.enqueue_ruby("Archive", 1, queue="q")
    page = browser.new_page()
    partials: list[int] = []
    page.on("response", lambda resp: partials.append(resp.status)
            if resp.request.headers.get("x-resque-partial") == "1" else None)
    page.goto(server + "/queues")
    toggle = page.locator("#live-toggle")
    playwright_api.expect(toggle).to_have_attribute("aria-pressed", "false")
    r.enqueue_ruby("Archive", 2, queue="q")
    page.wait_for_timeout(1500)  # three poll intervals: nothing is fetched while it is off
    assert partials == [] and page.locator("td.n").first.inner_text() == "1"
    toggle.click()
    playwright_api.expect(toggle).to_have_attribute("aria-pressed", "true")
    link = page.get_by_role("link", name="q", exact=True)
    link.focus()
    r.enqueue_ruby("Archive", 3, queue="q")
    playwright_api.expect(page.locator("td.n").first).to_have_text("3", timeout=10000)
    # the new content replaced the old, and focus is on the same link in it, not on <body>
    focused = page.evaluate("() => [document.activeElement.tagName, document.activeElement.textContent]")
    assert focused == ["A", "q"]
    assert 200 in partials
    shot(page, "live_refresh_on")
    # paused again by the same control; remembered on the next page
    toggle.click()
    playwright_api.expect(toggle).to_have_attribute("aria-pressed", "false")
    page.goto(server + "/")
    playwright_api.expect(page.locator("#live-toggle")).to_have_attribute("aria-pressed", "false")


def test_single_remove_and_clear_retried_ask_first(r: Resque, server: str, browser: Any) -> None:
    for i in range(3):
        r.save_failure(FailureInfo({"class": "Archive", "args": [i]}, "RuntimeError", "boom", [], "h:1:q", "q"))
    r.failure.requeue(0)
    page = browser.new_page()
    page.goto(server + "/failed")
    asked: list[str] = []

    def dismiss(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.locator("li.failure[data-index='1'] button.remove").click()
    page.wait_for_timeout(300)
    assert r.failure.count() == 3 and asked and "Remove" in asked[0]
    page.once("dialog", dismiss)
    page.get_by_role("button", name="Clear retried").click()
    page.wait_for_timeout(300)
    assert r.failure.count() == 3 and len(asked) == 2
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Clear retried").click()
    wait_for(lambda: r.failure.count() == 2, what="retried cleared")
    page.wait_for_load_state()
    page.once("dialog", lambda d: d.accept())
    page.locator("li.failure button.remove").first.click()
    wait_for(lambda: r.failure.count() == 1, what="removed")


PAGES = ["/", "/working", "/queues", "/queues/file_serve_0", "/failed", "/failed?class=Archive", "/workers",
         "/stats", "/stats/keys", "/delayed", "/delayed/2000000000", "/schedule"]


def test_every_page_is_usable_390_px_wide(r: Resque, raw_redis: redis.Redis, server: str, browser: Any) -> None:
    fill(r, raw_redis)
    page = browser.new_page(viewport={"width": 390, "height": 844})
    worker = raw_redis.smembers("resque:workers").pop().decode()
    for path in [*PAGES, f"/workers/{worker}"]:
        response = page.goto(server + path)
        assert response is not None and response.status == 200, path
        # nothing wider than the screen: wide tables scroll inside their own box
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
        header = page.evaluate("() => document.querySelector('header').getBoundingClientRect().height")
        assert header <= 90, (path, header)
        name = path.strip("/").replace("/", "_").replace("?", "_").replace("=", "-").replace(":", "-") or "overview"
        shot(page, f"phone_{name[:60]}", full_page=False)  # what the phone shows first


@pytest.mark.skipif(not AXE.exists(), reason="axe-core not installed (cd tests/axe && npm ci)")
def test_axe_finds_no_serious_violation_on_any_page(r: Resque, raw_redis: redis.Redis, server: str,
                                                    browser: Any) -> None:
    fill(r, raw_redis)
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 800})  # axe: a script of its own
    page = context.new_page()
    worker = raw_redis.smembers("resque:workers").pop().decode()
    found: dict[str, list[str]] = {}
    for path in [*PAGES, f"/workers/{worker}", "/stats/redis", "/failed?order=asc"]:
        page.goto(server + path)
        page.add_script_tag(path=str(AXE))
        passes, violations = page.evaluate("""async () => {
            const result = await axe.run(document);
            return [result.passes.length, result.violations
              .filter(v => v.impact === 'serious' || v.impact === 'critical')
              .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))];
        }""")
        assert passes > 5, path  # axe ran: color-contrast, th-has-data-cells, ... were checked
        name = path.strip("/").replace("/", "_").replace("?", "_").replace("=", "-").replace(":", "-") or "overview"
        shot(page, f"desktop_{name[:60]}", full_page=False)
        if violations:
            found[path] = violations
    assert found == {}
