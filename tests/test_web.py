"""The dashboard: every route and action, safety, and Ruby-written data."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from resque_interop import Registry, Resque
from resque_interop.failure import FailureInfo
from resque_interop.web.app import create_app, mount

from .support.keyspace import load, step
from .support.web_client import fingerprint, post

XSS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "javascript:alert(1)"]


def load_keyspace(raw_redis: redis.Redis, keyspace: dict[str, Any]) -> None:
    for key, entry in keyspace.items():
        value = entry["value"]
        if entry["type"] == "string":
            raw_redis.set(key, value)
        elif entry["type"] == "list":
            raw_redis.rpush(key, *value)
        elif entry["type"] == "set":
            raw_redis.sadd(key, *value)
        elif entry["type"] == "hash":
            raw_redis.hset(key, mapping=value)


def test_pages_show_what_ruby_wrote(r: Resque, raw_redis: redis.Redis, web: FlaskClient) -> None:
    rec = load("worker_lifecycle.json")
    load_keyspace(raw_redis, step(rec, "working a job (snapshot while the job blocks on BLPOP go)")["keyspace"])
    raw_redis.rpush("resque:failed", *step(rec, "job failed")["keyspace"]["resque:failed"]["value"])
    home = web.get("/").get_data(as_text=True)
    assert "1 of 1 Workers Working" in home and "Blocking" in home and "high" in home
    working = web.get("/working").get_data(as_text=True)
    assert "vm:1160" in working and "&#34;go&#34;" in working
    workers = web.get("/workers").get_data(as_text=True)
    assert "<h2>vm" in workers and "working" in workers
    detail = web.get("/workers/vm:1160:high,low").get_data(as_text=True)
    # started and heartbeat, written in two formats, shown in one: relative, the exact UTC time on hover
    assert detail.count('<time datetime="2026-11-28T23:41:38+00:00" title="2026-11-28 23:41:38 UTC">') >= 2
    failed = web.get("/failed").get_data(as_text=True)
    assert "ArgumentError" in failed and "boom &lt;b&gt;" in failed and "record.rb:54" in failed
    api = web.get("/api/workers").get_json()
    assert api[0]["id"] == "vm:1160:high,low" and api[0]["state"] == "working"
    assert web.get("/api/failed").get_json()["failures"][0]["exception"] == "ArgumentError"


def test_node_resque_workers_show_too(r: Resque, raw_redis: redis.Redis, web: FlaskClient) -> None:
    from .support.keyspace import NODE_FIXTURES

    data = json.loads((NODE_FIXTURES / "node_resque.json").read_text())
    working = next(s for s in data["steps"] if s["step"].startswith("working"))
    load_keyspace(raw_redis, working["keyspace"])
    failed = next(s for s in data["steps"] if s["step"] == "job failed")["keyspace"]["resque:failed"]
    raw_redis.rpush("resque:failed", *failed["value"])
    assert "vm:28988" in web.get("/workers").get_data(as_text=True)
    assert "Archive" in web.get("/working").get_data(as_text=True)
    page = web.get("/failed").get_data(as_text=True)
    assert "Failing" in page and "boom" in page


def test_queue_pages_and_actions(r: Resque, web: FlaskClient) -> None:
    for i in range(25):
        r.enqueue_ruby("Archive", i, queue="file_serve")
    assert "file_serve" in web.get("/queues").get_data(as_text=True)
    page = web.get("/queues/file_serve").get_data(as_text=True)
    assert "Showing 1 to 20 of 25" in page and "more" in page
    assert "Showing 21 to 25" in web.get("/queues/file_serve?start=20").get_data(as_text=True)
    assert web.get("/api/queues/file_serve?start=24").get_json()["jobs"] == [{"payload": {"class": "Archive", "args": [24]}}]
    assert post(web, "/queues/file_serve/clear").status_code == 302
    assert r.size("file_serve") == 0 and "file_serve" in r.queues()
    assert post(web, "/queues/file_serve/remove").status_code == 302
    assert r.queues() == []


def fail(r: Resque, cls: str, arg: Any, queue: str = "low", error: str = "boom") -> None:
    r.save_failure(FailureInfo({"class": cls, "args": [arg]}, "RuntimeError", error, ["x.py:1:in 'y'"], "h:1:low", queue))


def test_failed_actions(r: Resque, raw_redis: redis.Redis, web: FlaskClient) -> None:
    for i in range(3):
        fail(r, "A", i)
    assert post(web, "/failed/failed/requeue/1", fingerprint=fingerprint(r, 1)).status_code == 302
    assert r.peek("low") == {"class": "A", "args": [1]}
    assert r.failure.all(1, 1)[0].retried_at
    assert post(web, "/failed/failed/remove/0", fingerprint=fingerprint(r, 0)).status_code == 302
    assert [x.args for x in r.failure.all(0, 5)] == [[1], [2]]
    # a stale fingerprint (the entry moved) is refused
    assert post(web, "/failed/failed/remove/0", fingerprint="0" * 16).status_code == 409
    assert post(web, "/failed-actions/clear-retried").status_code == 302
    assert [x.args for x in r.failure.all(0, 5)] == [[2]]
    assert post(web, "/failed-actions/requeue-all").status_code == 302
    assert r.size("low") == 2
    assert post(web, "/failed-actions/clear").status_code == 302
    assert r.failure.count() == 0


def test_failed_pages_for_multi_queue(redis_url: str, raw_redis: redis.Redis) -> None:
    r = Resque(redis_url, registry=Registry(), failure_backend="redis_multi_queue")
    web = create_app(r).test_client()
    fail(r, "A", 1, "low")
    fail(r, "B", 2, "high")
    lists = web.get("/failed").get_data(as_text=True)
    assert "low_failed" in lists and "high_failed" in lists
    assert "B" in web.get("/failed/high_failed").get_data(as_text=True)
    assert post(web, "/failed/low_failed/requeue/0", fingerprint=fingerprint(r, 0, "low_failed")).status_code == 302
    assert r.peek("low") == {"class": "A", "args": [1]}
    assert post(web, "/failed-actions/high_failed/requeue-all").status_code == 302
    assert r.peek("high") == {"class": "B", "args": [2]}
    assert post(web, "/failed-actions/high_failed/clear").status_code == 302
    assert r.failure.count("high_failed") == 0


def test_bad_failure_entries_are_shown_and_removable(r: Resque, raw_redis: redis.Redis, web: FlaskClient) -> None:
    raw_redis.rpush("resque:failed", b"not json <script>", b'{"payload":"x"}')
    page = web.get("/failed").get_data(as_text=True)
    assert "not JSON" in page and "not json &lt;script&gt;" in page
    assert post(web, "/failed/failed/remove/0", fingerprint=fingerprint(r, 0)).status_code == 302
    assert r.failure.count() == 1


def test_stats_pages(r: Resque, web: FlaskClient) -> None:
    r.enqueue_ruby("Archive", 1, queue="q")
    assert "pending" in web.get("/stats").get_data(as_text=True)
    assert "redis_version" in web.get("/stats/redis").get_data(as_text=True)
    assert "queue:q" in web.get("/stats/keys").get_data(as_text=True)
    assert {"key": "queue:q", "type": "list", "size": 1} in web.get("/api/stats/keys").get_json()
    assert web.get("/api/info").get_json()["pending"] == 1
    assert web.get("/api/queues").get_json() == [{"name": "q", "size": 1}]


def test_live_pages_poll_and_partials_are_fragments(web: FlaskClient) -> None:
    page = web.get("/").get_data(as_text=True)
    assert 'data-poll="2000"' in page and "app.js" in page
    fragment = web.get("/", headers={"X-Resque-Partial": "1"}).get_data(as_text=True)
    assert "<html" not in fragment and "Queues" in fragment


def test_state_changes_need_post_and_csrf(r: Resque, web: FlaskClient) -> None:
    fail(r, "A", 1)
    assert web.get("/failed-actions/clear").status_code == 405
    assert web.post("/failed-actions/clear").status_code == 403
    assert web.post("/failed-actions/clear", data={"csrf_token": "forged"}).status_code == 403
    assert r.failure.count() == 1


def test_security_headers(web: FlaskClient) -> None:
    headers = web.get("/").headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"


def test_no_inline_script_anywhere(r: Resque, web: FlaskClient) -> None:
    fail(r, "A", 1)
    for url in ("/", "/working", "/queues", "/failed", "/workers", "/stats", "/delayed"):
        page = web.get(url).get_data(as_text=True)
        assert re.findall(r"<script(?![^>]*\bsrc=)", page) == [], url
        assert " on" not in re.sub(r"\s+", " ", " ".join(re.findall(r"<[a-z][^>]*>", page))).replace(" one", ""), url


def test_hostile_text_is_inert_everywhere(r: Resque, raw_redis: redis.Redis, web: FlaskClient) -> None:
    for text in XSS:
        r.enqueue_ruby(text, text, queue=text)
        fail(r, text, text, queue=text, error=text)
        r.delayed.delayed_push(2000000000, {"class": text, "args": [text], "queue": text})
    hostile_worker = f"{XSS[1]}:1:{XSS[0]}"
    raw_redis.sadd("resque:workers", hostile_worker)
    raw_redis.set(f"resque:worker:{hostile_worker}", json.dumps({"queue": XSS[0], "run_at": XSS[2],
                                                                  "payload": {"class": XSS[0], "args": XSS}}))
    for url in ["/", "/working", "/queues", "/failed", "/workers", "/stats/keys",
                "/queues/%3Cscript%3Ealert(1)%3C%2Fscript%3E", "/workers/" + hostile_worker,
                "/delayed", "/delayed/2000000000"]:
        response = web.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        assert "<script>alert" not in page and "<img src=x" not in page, url
        assert 'href="javascript:' not in page and "href='javascript:" not in page, url


def test_basic_auth(r: Resque) -> None:
    web = create_app(r, auth=("admin", "s3cret")).test_client()
    assert web.get("/").status_code == 401
    import base64

    good = base64.b64encode(b"admin:s3cret").decode()
    bad = base64.b64encode(b"admin:nope").decode()
    assert web.get("/", headers={"Authorization": f"Basic {bad}"}).status_code == 401
    assert web.get("/", headers={"Authorization": f"Basic {good}"}).status_code == 200


def test_blueprint_mounts_under_a_prefix(r: Resque) -> None:
    app = Flask("host")

    @app.get("/")
    def home() -> str:
        return "host app"

    mount(app, r, url_prefix="/ops/resque")
    web = app.test_client()
    assert web.get("/").get_data(as_text=True) == "host app"
    page = web.get("/ops/resque/").get_data(as_text=True)
    assert 'href="/ops/resque/failed"' in page and "/ops/resque/static/app.css" in page
    assert web.get("/ops/resque/static/app.js").status_code == 200


def test_wsgi_app_reads_the_environment(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("RESQUE_NAMESPACE", "resque:GitHub")
    import resque_interop.web.wsgi as wsgi

    wsgi = importlib.reload(wsgi)
    assert "resque:GitHub" in wsgi.app.test_client().get("/").get_data(as_text=True)


def _indexes(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'class="failure" data-index="(\d+)"', page)]


def test_failed_filtered_by_class_and_ordered_as_resque_web(r: Resque, web: FlaskClient) -> None:
    for i, cls in enumerate(["A", "B", "A", "C", "A"]):
        fail(r, cls, i)
    page = web.get("/failed?class=A&order=asc").get_data(as_text=True)
    assert "with class" in page and _indexes(page) == [0, 2, 4]  # the real indexes: retry/remove act on them
    # newest first by default, as resque-web 3.0
    assert _indexes(web.get("/failed?class=A").get_data(as_text=True)) == [4, 2, 0]
    assert _indexes(web.get("/failed?order=asc").get_data(as_text=True)) == [0, 1, 2, 3, 4]
    everything = web.get("/failed").get_data(as_text=True)
    assert _indexes(everything) == [4, 3, 2, 1, 0]
    assert 'class="class-filter" href="/failed/failed?order=desc&amp;class=B"' in everything
    api = web.get("/api/failed?class=A&start=1").get_json()
    assert [f["index"] for f in api["failures"]] == [2, 4] and api["total"] == 5
    # retrying from the filtered page acts on the entry shown
    assert post(web, "/failed/failed/requeue/2", fingerprint=fingerprint(r, 2)).status_code == 302
    assert r.peek("low") == {"class": "A", "args": [2]}


def test_failed_lists_overview_counts_classes(redis_url: str) -> None:
    r = Resque(redis_url, registry=Registry(), failure_backend="redis_multi_queue")
    web = create_app(r).test_client()
    for i, cls in enumerate(["A", "B", "A"]):
        fail(r, cls, i, "low")
    fail(r, "C", 9, "high")
    assert r.failure.class_counts("low_failed") == {"A": 2, "B": 1}
    page = web.get("/failed").get_data(as_text=True)
    assert re.search(r'href="/failed/low_failed\?class=A">A</a></td><td class="n">2<', page)
    assert re.search(r'href="/failed/low_failed\?class=B">B</a></td><td class="n">1<', page)
    assert re.search(r'href="/failed/high_failed\?class=C">C</a></td><td class="n">1<', page)
    assert _indexes(web.get("/failed/low_failed?class=A").get_data(as_text=True)) == [2, 0]


def test_delayed_pages_and_actions(r: Resque, raw_redis: redis.Redis, web: FlaskClient) -> None:
    # resque-scheduler's Delayed tab: timestamps, their jobs, queue now, cancel, clear
    for i in range(25):
        r.delayed.enqueue_at_with_queue("file_serve", 2000000000 + i, "Archive", i)
    r.delayed.enqueue_at_with_queue("other", 2000000000, "Archive", "café")
    raw_redis.rpush("resque:delayed:2000000001", b"{not json")
    page = web.get("/delayed").get_data(as_text=True)
    assert "<b>27 jobs</b> at <b>25 timestamps</b>" in page and "2033-05-18 03:33:20 UTC" in page
    assert "Showing 1 to 20 of 25" in page
    api = web.get("/api/delayed?count=2").get_json()
    assert (api["jobs"], api["timestamps"]) == (27, 25)
    assert [{k: v for k, v in i.items() if k != "first"} for i in api["items"]] == [
        {"timestamp": 2000000000, "utc": "2033-05-18 03:33:20 UTC", "size": 2},
        {"timestamp": 2000000001, "utc": "2033-05-18 03:33:21 UTC", "size": 2}]
    assert api["items"][0]["first"]["queue"] == "file_serve"  # each timestamp's first job, as a preview
    page = web.get("/delayed/2000000000").get_data(as_text=True)
    assert "café" in page and "other" in page
    assert "not JSON" in web.get("/delayed/2000000001").get_data(as_text=True)
    # cancel one job by its exact bytes
    item = '{"class":"Archive","args":["café"],"queue":"other"}'
    assert post(web, "/delayed/2000000000/cancel", item=item).status_code == 302
    assert r.delayed.timestamp_peek(2000000000, 0, 5) == [{"class": "Archive", "args": [0], "queue": "file_serve"}]
    assert not raw_redis.exists("resque:timestamps:" + item)
    # queue a future timestamp now: the good job is queued, the bad one becomes a failure
    assert post(web, "/delayed/2000000001/queue-now").status_code == 302
    assert raw_redis.lrange("resque:queue:file_serve", 0, -1) == [b'{"class":"Archive","args":[1]}']
    assert r.failure.all(0, 1)[0].payload == "{not json"
    assert 2000000001 not in r.delayed.peek(0, 30)
    assert post(web, "/delayed-actions/clear").status_code == 302
    assert r.delayed.count_all() == 0 and not raw_redis.keys("resque:timestamps:*") and not raw_redis.keys("resque:delayed*")
    assert "There are no delayed jobs" in web.get("/delayed").get_data(as_text=True)



def test_schedule_tab_lists_and_queues_now(r: Resque, raw_redis: redis.Redis, web: FlaskClient) -> None:
    # resque-scheduler's Schedule tab: each schedule, the master, "Queue now" behind POST + CSRF
    r.schedules.set("nightly", {"cron": "0 3 * * * UTC", "class": "Archive", "args": [1], "description": "archive",
                                "persist": True})
    r.schedules.set("hourly", {"every": "1h", "class": "Report", "queue": "low", "persist": True})
    raw_redis.hset("resque:persistent_schedules", "broken", b"{not json")
    raw_redis.hset("resque:delayed:last_enqueued_at", "nightly", "2026-12-01 03:00:00 +0000")
    raw_redis.set("resque:resque:resque_scheduler_master_lock", "rubyhost:4242")
    page = web.get("/schedule").get_data(as_text=True)
    assert "rubyhost:4242" in page and "cron 0 3 * * * UTC" in page and "every 1h" in page
    assert 'title="2026-12-01 03:00:00 UTC"' in page and "Never" in page and "not usable" in page
    assert web.post("/schedule/requeue", data={"job_name": "hourly"}).status_code == 403  # no CSRF token
    assert not raw_redis.exists("resque:queue:low")
    assert post(web, "/schedule/requeue", job_name="hourly").status_code == 302
    assert raw_redis.lrange("resque:queue:low", 0, -1) == [b'{"class":"Report","args":[]}']
    assert post(web, "/schedule/requeue", job_name="nope").status_code == 404
    api = web.get("/api/schedule").get_json()
    assert api["master"] == "rubyhost:4242" and [s["name"] for s in api["schedules"]] == ["hourly", "nightly", "broken"]
