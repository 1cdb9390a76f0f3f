"""End to end in headless Chromium (Debian's, driven by Playwright): retry from the
failed page, watch a Python worker on the overview, and no hostile text runs."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import pytest
import redis

from resque_interop import Resque
from resque_interop.failure import FailureInfo
from resque_interop.schema.ruby_join import retry_key_name

from .support.browser import ARTIFACTS, CHROMIUM, chromium, served_dashboard
from .support.waiting import wait_for
from .support.workers import WorkerProcess

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed (pip install playwright)")
pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="no /usr/bin/chromium (apt-get install chromium)")


@pytest.fixture
def server(r: Resque) -> Iterator[str]:
    with served_dashboard(r) as url:
        yield url


@pytest.fixture
def browser() -> Iterator[object]:
    with chromium(playwright_api) as b:
        yield b


def test_retry_from_the_failed_page(r: Resque, server: str, browser: object) -> None:
    r.save_failure(FailureInfo({"class": "Archive", "args": [44, "masterbrew"]}, "RuntimeError", "boom",
                               ["x.py:1:in 'y'"], "h:1:file_serve", "file_serve"))
    page = browser.new_page()  # type: ignore[attr-defined]
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{server}/failed")
    assert page.locator("li.failure").count() == 1
    page.locator("button.retry").first.click()
    page.wait_for_load_state()
    wait_for(lambda: r.size("file_serve") == 1, what="job back on its queue")
    assert r.peek("file_serve") == {"class": "Archive", "args": [44, "masterbrew"]}
    assert page.locator(".retried").count() == 1
    # a destructive action asks first; dismissing it changes nothing
    page.once("dialog", lambda d: d.dismiss())
    page.get_by_role("button", name="Clear failed jobs").click()
    assert r.failure.count() == 1
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Clear failed jobs").click()
    wait_for(lambda: r.failure.count() == 0, what="cleared")
    assert errors == []


def test_overview_with_a_python_worker_working(redis_url: str, raw_redis: redis.Redis, r: Resque, server: str,
                                               browser: object) -> None:
    r.enqueue_ruby("Archive", 1, queue="file_serve")
    with WorkerProcess(redis_url, "high,file_serve", "-i", "0.05") as worker:
        worker_id = worker.worker_id()
        page = browser.new_page()  # type: ignore[attr-defined]
        page.goto(server + "/")
        assert "0 of 1 Workers Working" in page.inner_text("main")
        page.get_by_role("button", name="Live refresh: off").click()
        r.enqueue_ruby("Blocking", "go", queue="high")
        # once turned on, the live page refreshes by itself
        playwright_api.expect(page.locator("main")).to_contain_text("1 of 1 Workers Working", timeout=10000)
        assert "Blocking" in page.inner_text("main") and worker_id.split(":")[1] in page.inner_text("main")
        assert page.locator("span.runtime-python").count() == 1  # a resque_interop worker says so
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "overview.png"), full_page=True)
        raw_redis.rpush("go", 1)
        worker.stop()
    assert (ARTIFACTS / "overview.png").stat().st_size > 1000


def test_hostile_text_never_runs_in_the_browser(r: Resque, raw_redis: redis.Redis, server: str, browser: object) -> None:
    evil = ["<script>alert(1)</script>", '"><img src=x onerror=alert(2)>', "javascript:alert(3)"]
    for text in evil:
        r.enqueue_ruby(text, *evil, queue=text)
        r.save_failure(FailureInfo({"class": text, "args": evil}, text, text, evil, text, text))
    page = browser.new_page()  # type: ignore[attr-defined]
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for path in ("/", "/queues", "/failed", "/workers", "/queues/%3Cscript%3Ealert(1)%3C%2Fscript%3E"):
        page.goto(server + path)
        page.wait_for_timeout(300)
        assert page.locator("img[src='x']").count() == 0
    assert dialogs == []
    assert "<script>alert(1)</script>" in page.inner_text("main")  # shown as text


def test_delayed_tab_queue_now_and_cancel(r: Resque, raw_redis: redis.Redis, server: str, browser: object) -> None:
    r.delayed.enqueue_at_with_queue("file_serve", 2000000000, "Archive", 1)
    r.delayed.enqueue_at_with_queue("file_serve", 2000000060, "Archive", "<b>2</b>")
    page = browser.new_page()  # type: ignore[attr-defined]
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server + "/")
    page.get_by_role("link", name="Delayed").click()
    assert "2 jobs at 2 timestamps" in page.inner_text("main")
    page.get_by_role("button", name="Queue now").first.click()
    page.wait_for_load_state()
    wait_for(lambda: r.size("file_serve") == 1, what="queued now")
    assert r.peek("file_serve") == {"class": "Archive", "args": [1]}
    page.get_by_role("link", name="2033-05-18 03:34:20 UTC").click()
    assert "<b>2</b>" in page.inner_text("main")  # shown as text
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Cancel").click()
    wait_for(lambda: r.delayed.count_all() == 0, what="cancelled")
    assert errors == []


def test_retry_tab_queue_now(r: Resque, raw_redis: redis.Redis, server: str, browser: object) -> None:
    for ts, arg in ((2000000000, 2.5), (2000000060, 3.5)):  # retries Ruby's resque-retry scheduled
        item = b'{"class":"RubyOnly","args":[%s],"queue":"ruby_q"}' % str(arg).encode()
        raw_redis.rpush(f"resque:delayed:{ts}", item)
        raw_redis.sadd(b"resque:timestamps:" + item, f"delayed:{ts}")
        raw_redis.zadd("resque:delayed_queue_schedule", {str(ts): ts})
        raw_redis.set("resque:" + retry_key_name("RubyOnly", [arg]), 1)
    page = browser.new_page()  # type: ignore[attr-defined]
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server + "/")
    page.get_by_role("link", name="Retry", exact=True).click()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "retry_tab.png"), full_page=True)
    page.get_by_role("button", name="Queue now").first.click()  # one: no confirm, as the Delayed tab's
    page.wait_for_load_state()
    wait_for(lambda: r.size("ruby_q") == 1, what="the retry queued now")
    assert r.peek("ruby_q") == {"class": "RubyOnly", "args": [2.5]} and r.delayed.count_all() == 1
    playwright_api.expect(page.locator("p.note")).to_contain_text("Queued the retry due at 2033-05-18 03:33:20 UTC now")
    page.screenshot(path=str(ARTIFACTS / "retry_queued_now.png"), full_page=True)
    page.once("dialog", lambda d: d.accept())  # those shown: asks first, as the Delayed tab's selection
    page.get_by_role("button", name="Queue the 1 shown now").click()
    wait_for(lambda: r.size("ruby_q") == 2, what="the shown retries queued now")
    playwright_api.expect(page.locator("p.note")).to_contain_text("Queued 1 retry now")
    assert "No retries waiting" in page.inner_text("main") and r.delayed.count_all() == 0
    assert errors == []


PAGES = ["/", "/working", "/queues", "/queues/good", "/failed", "/failed?class=Archive", "/failed?order=desc",
         "/workers", "/workers/host:100:good", "/stats", "/stats/redis", "/stats/keys", "/stats/keys/queue:good",
         "/delayed", "/delayed/2000000000", "/retries", "/failed/nope", "/queues/"]


def test_every_page_renders_over_a_malformed_keyspace(raw_redis: redis.Redis, r: Resque, server: str,
                                                        browser: object) -> None:
    from .support.malformed_keyspace import load_space, wrong_values

    load_space(raw_redis, wrong_values())
    for i in range(30):
        r.save_failure(FailureInfo({"class": "Archive", "args": [i, {"z": 1, "a": 2}]}, "RuntimeError", "boom",
                                   ["x.py:1:in 'y'"], "host:100:good", "good"))
    page = browser.new_page()  # type: ignore[attr-defined]
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" and "404" not in msg.text else None)
    page.on("dialog", lambda d: (problems.append(d.message), d.dismiss()))
    ARTIFACTS.mkdir(exist_ok=True)
    for path in PAGES:
        response = page.goto(server + path)
        assert response is not None and response.status < 500, path
        if response.status == 200:
            assert page.locator("nav a.active").count() == 1, path
        name = path.strip("/").replace("/", "_").replace("?", "_").replace("=", "-").replace(":", "-") or "overview"
        page.screenshot(path=str(ARTIFACTS / f"page_{name}.png"), full_page=True)
    assert problems == []  # no script error, no CSP violation, no hostile text run
    # a key of the wrong type: a page that names it, and the Keys page marks it
    raw_redis.delete("resque:queue:good")
    raw_redis.hset("resque:queue:good", "a", "1")
    response = page.goto(server + "/queues/good")
    assert response is not None and response.status == 409 and "queue:good" in page.inner_text("main")
    page.screenshot(path=str(ARTIFACTS / "wrong_type.png"), full_page=True)
    page.goto(server + "/stats/keys")
    assert "hash (not a list)" in page.inner_text("main")
    # times: relative, the exact time on hover
    page.goto(server + "/delayed")
    stamp = page.locator("time[title='2033-05-18 03:33:20 UTC']")
    assert stamp.count() == 1 and stamp.inner_text().startswith("in ") and "years" in stamp.inner_text()
    # the filter pages on: "more" goes on past the first 20 matches
    page.goto(server + "/failed?class=Archive")
    first = page.locator("li.failure").count()
    page.locator("a.next").first.click()
    page.wait_for_load_state()
    assert first == 20 and page.locator("li.failure").count() == 12  # 2 of the fixture and 30 here


def test_an_action_on_page_two_returns_to_page_two_with_a_note(r: Resque, server: str, browser: object) -> None:
    for i in range(45):
        r.save_failure(FailureInfo({"class": "Archive", "args": [i]}, "RuntimeError", "boom", [], "h:1:q", "q"))
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(server + "/failed?start=20&order=asc")
    page.once("dialog", lambda d: d.accept())
    page.locator("li.failure[data-index='25'] button.remove").click()
    page.wait_for_load_state()
    assert "start=20" in page.url
    playwright_api.expect(page.locator("p.note")).to_contain_text("Removed failure 25 (Archive)")
    assert "Showing 21 to 40 of 44 failed jobs" in page.inner_text("main")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "action_note.png"), full_page=True)
    assert r.failure.count() == 44


def test_a_form_on_another_site_cannot_change_anything(r: Resque, server: str, browser: object) -> None:
    from werkzeug.serving import make_server

    r.enqueue_ruby("Archive", 1, queue="q")
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(server + "/queues/q")  # the victim has the dashboard open: its cookie is set
    token = page.locator("meta[name=csrf-token]").get_attribute("content")
    evil_html = (f'<!DOCTYPE html><form method="post" action="{server}/queues/q/clear">'
                 f'<input name="csrf_token" value="{token}"><button>win a prize</button></form>').encode()

    def evil(environ: dict, start_response: object) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/html")])  # type: ignore[operator]
        return [evil_html]

    httpd = make_server("127.0.0.1", 0, evil)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        # even holding the victim's real token, a post from another origin is refused
        page.goto(f"http://127.0.0.1:{httpd.server_port}/")
        with page.expect_navigation():
            page.get_by_role("button", name="win a prize").click()
        assert "cross-" in page.inner_text("body")
        assert r.size("q") == 1
    finally:
        httpd.shutdown()
