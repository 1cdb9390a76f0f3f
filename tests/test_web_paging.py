"""Pages bounded in what they read and send: /queues paged, /workers summarised per
host above a threshold (as resque-web) and paged, live refresh answered 304 when
nothing changed; worker rows say Python or Ruby, heartbeat and paused; resque-web's
/overview URL; no caching of pages with data."""

from __future__ import annotations

import re
import time

import pytest
import redis
from flask.testing import FlaskClient

from resque_interop import Resque
from resque_interop.schema.timefmt import heartbeat_at
from resque_interop.web.app import LIST_PAGE, WORKERS_SUMMARY, create_app
from resque_interop.worker import Worker
from resque_interop.worker.prune import expired_workers


@pytest.fixture
def web(r: Resque) -> FlaskClient:
    return create_app(r).test_client()


def queue_links(page: str) -> list[str]:
    return re.findall(r'<td><a href="/queues/([^"]+)">', page)


def test_queues_are_paged_with_page_numbers(r: Resque, raw_redis: redis.Redis, web: FlaskClient) -> None:
    total = LIST_PAGE * 2 + 5
    for i in range(total):
        raw_redis.sadd("resque:queues", f"q{i:04}")
    raw_redis.rpush("resque:queue:q0150", "{}", "{}")
    first = web.get("/queues").get_data(as_text=True)
    assert queue_links(first) == [f"q{i:04}" for i in range(LIST_PAGE)]
    assert f"Showing 1 to {LIST_PAGE} of {total} queues" in first
    assert re.search(r'<a href="/queues\?start=200">3</a>', first) and '<b aria-current="page">1</b>' in first
    second = web.get(f"/queues?start={LIST_PAGE}").get_data(as_text=True)
    assert queue_links(second)[50] == "q0150" and re.search(r'q0150</a></td><td class="n">2<', second)
    last = web.get(f"/queues?start={LIST_PAGE * 2}").get_data(as_text=True)
    assert len(queue_links(last)) == 5
    # the overview shows the first page and links to the rest
    overview = web.get("/").get_data(as_text=True)
    assert len(queue_links(overview)) == LIST_PAGE and f"all {total} queues" in overview
    # the API still lists every queue
    assert len(web.get("/api/queues").get_json()) == total


def add_worker(raw_redis: redis.Redis, host: str, pid: int) -> str:
    wid = f"{host}:{pid}:file_serve"
    raw_redis.sadd("resque:workers", wid)
    raw_redis.set(f"resque:worker:{wid}:started", "2026-12-05 08:50:07 +0000")
    return wid


def test_many_workers_are_summarised_per_host_then_paged(raw_redis: redis.Redis, web: FlaskClient) -> None:
    for i in range(WORKERS_SUMMARY + 20):
        add_worker(raw_redis, f"host{i % 3}", 1000 + i)
    summary = web.get("/workers").get_data(as_text=True)
    assert f"{WORKERS_SUMMARY + 20} Workers on 3 hosts" in summary
    assert re.search(r'href="/workers\?host=host0">host0</a></td><td class="n">40<', summary)
    assert "/workers/host0:" not in summary  # no worker rows: one line per host
    one_host = web.get("/workers?host=host1").get_data(as_text=True)
    assert one_host.count('class="idle"') == 40 and "of 40 Workers Working on" in one_host
    everyone = web.get("/workers?host=*").get_data(as_text=True)
    assert everyone.count('class="idle"') == LIST_PAGE and f"Showing 1 to {LIST_PAGE} of {WORKERS_SUMMARY + 20}" in everyone
    rest = web.get(f"/workers?host=*&start={LIST_PAGE}").get_data(as_text=True)
    assert rest.count('class="idle"') == 20


def test_a_few_workers_on_several_hosts_are_listed(raw_redis: redis.Redis, web: FlaskClient) -> None:
    for i in range(4):
        add_worker(raw_redis, f"host{i}", 10 + i)
    page = web.get("/workers").get_data(as_text=True)
    assert page.count('class="idle"') == 4 and "Workers on" not in page


def test_worker_rows_say_python_or_ruby_heartbeat_and_paused(r: Resque, raw_redis: redis.Redis,
                                                             web: FlaskClient) -> None:
    ruby = add_worker(raw_redis, "rubyhost", 4242)
    raw_redis.hset("resque:workers:heartbeat", ruby, "2020-01-02T08:50:07+00:00")
    python = Worker(r, ["file_serve"])
    python.register()  # names this process's connections (CLIENT SETNAME): no key is written for it
    assert not raw_redis.keys("*resque_interop*")
    try:
        page = web.get("/workers").get_data(as_text=True)
        rows = dict(re.findall(r'<a href="/workers/([^"]+)">.*?runtime-(\w+)', page, re.S))
        assert rows == {ruby: "ruby", python.id: "python"}, rows
        assert 'title="2020-01-02 08:50:07 UTC"' in page  # the heartbeat, as a time
        assert page.count(">stale</span>") == 1  # Ruby's, long past the prune interval; ours has none yet
        assert "paused" not in page
        r.pause_all()
        page = web.get("/workers").get_data(as_text=True)
        assert page.count('class="paused"') == 2 and "pause-all-workers" in page
        detail = web.get(f"/workers/{ruby}").get_data(as_text=True)
        assert "<td>paused</td>" in detail and ">Ruby<" in detail
        api = web.get("/api/workers").get_json()
        assert {w["id"]: w["runtime"] for w in api} == {ruby: "Ruby", python.id: "Python"}
    finally:
        python.unregister()


@pytest.mark.parametrize(("web_clock_off_by", "beat_age", "stale"), [
    (3600.0, 5.0, False),  # a web host an hour fast: a fresh heartbeat is not stale
    (-3600.0, 330.0, True),  # an hour slow: a heartbeat past the 300 s prune interval still is
])
def test_the_stale_badge_judges_heartbeat_age_by_redis_time_as_the_pruner_does(
        r: Resque, raw_redis: redis.Redis, web: FlaskClient, monkeypatch: pytest.MonkeyPatch,
        web_clock_off_by: float, beat_age: float, stale: bool) -> None:
    wid = add_worker(raw_redis, "skewed", 77)
    raw_redis.hset("resque:workers:heartbeat", wid, heartbeat_at(r.store.workers.server_time() - beat_age))
    assert expired_workers(r) == ([wid] if stale else [])  # what the pruner would do
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + web_clock_off_by)  # the web process's clock only
    page = web.get("/workers").get_data(as_text=True)
    assert (">stale</span>" in page) is stale, page
    assert ("just now" in page) is not stale  # the age shown is by Redis's clock too
    assert (">stale</span>" in web.get(f"/workers/{wid}").get_data(as_text=True)) is stale
    [row] = web.get("/api/workers").get_json()
    assert row["stale"] is stale and beat_age - 1 <= row["heartbeat_age"] < 1000


def test_a_star_queue_links_to_every_queue(raw_redis: redis.Redis, web: FlaskClient) -> None:
    wid = "h:1:*"
    raw_redis.sadd("resque:workers", wid)
    page = web.get("/workers").get_data(as_text=True)
    assert '<a class="queue-tag" href="/queues" title="every queue">*</a>' in page
    assert "/queues/%2A" not in page and "/queues/*" not in page


def test_live_refresh_gets_304_when_nothing_changed(r: Resque, web: FlaskClient) -> None:
    r.enqueue_ruby("Archive", 1, queue="q")
    first = web.get("/queues", headers={"X-Resque-Partial": "1"})
    assert first.status_code == 200 and first.headers["ETag"] and "<html" not in first.get_data(as_text=True)
    again = web.get("/queues", headers={"X-Resque-Partial": "1", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    r.enqueue_ruby("Archive", 2, queue="q")
    changed = web.get("/queues", headers={"X-Resque-Partial": "1", "If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]
    # the page says refresh is off until turned on: the control is there, no timer runs by itself
    page = web.get("/queues").get_data(as_text=True)
    assert 'id="live-toggle" aria-pressed="false"' in page and 'data-poll-info="/api/info"' in page


def test_overview_alias_and_no_caching_of_data(web: FlaskClient) -> None:
    response = web.get("/overview")
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    for path in ("/", "/queues", "/failed", "/api/info", "/workers", "/schedule"):
        assert web.get(path).headers["Cache-Control"] == "no-store", path
    assert web.get("/static/app.css").headers.get("Cache-Control") != "no-store"
