"""The Retry tab and ``resque-interop retries``: delayed retries (Python's and Ruby's) with their
attempt and last failure; queue now and cancel behind the dashboard's same-origin and CSRF checks."""

from __future__ import annotations

import html
import json
import re
import time
from typing import Any

import pytest
import redis
from click.testing import CliRunner
from flask.testing import FlaskClient

from resque_interop import Registry, Resque, Retry
from resque_interop.cli import main
from resque_interop.scheduler.delayed import master_lock_key
from resque_interop.schema.ruby_join import retry_key_name

from .support.retry_peer import python_run_one
from .support.web_client import csrf


def boom(*args: Any) -> None:
    raise RuntimeError("upstream <b>down</b>")


@pytest.fixture
def waiting(r: Resque, registry: Registry, raw_redis: redis.Redis) -> dict[str, Any]:
    """A Python job's retry (attempt 0 failed, 60 s delay) and one Ruby wrote for a class only Ruby has."""
    registry.register("Later", boom, "retry_q", retry=Retry(limit=3, delay=60))
    r.enqueue_ruby("Later", 1, "a", queue="retry_q")
    assert python_run_one(r)
    ts = int(time.time()) + 120
    item = b'{"class":"RubyOnly","args":[2.5],"queue":"ruby_q"}'
    raw_redis.rpush(f"resque:delayed:{ts}", item)
    raw_redis.sadd(b"resque:timestamps:" + item, f"delayed:{ts}")
    raw_redis.zadd("resque:delayed_queue_schedule", {str(ts): ts})
    raw_redis.set("resque:" + retry_key_name("RubyOnly", [2.5]), 2)
    r.delayed.enqueue_in_with_queue("other", 300, "NotARetry", 3)  # a delayed job, not a retry
    return {"ruby_ts": ts, "ruby_item": item}


def test_the_tab_lists_retries_with_attempt_and_last_failure(waiting: dict[str, Any], web: FlaskClient) -> None:
    page = web.get("/retries").get_data(as_text=True)
    assert "Later" in page and "RubyOnly" in page and "NotARetry" not in page
    assert "upstream &lt;b&gt;down&lt;/b&gt;" in page and "<b>down</b>" not in page  # escaped
    api = web.get("/api/retries").get_json()
    assert [(i["class"], i["attempt"]) for i in api["items"]] == [("Later", 0), ("RubyOnly", 2)]
    assert api["items"][0]["last_failure"]["error"] == "upstream <b>down</b>"
    assert api["items"][1]["last_failure"] is None
    assert 'href="/retries"' in web.get("/").get_data(as_text=True)


def test_cancel_needs_same_origin_and_the_token(
    waiting: dict[str, Any], web: FlaskClient, raw_redis: redis.Redis
) -> None:
    ts, item = waiting["ruby_ts"], waiting["ruby_item"].decode()
    url = f"/retries/{ts}/cancel"
    assert web.post(url, data={"item": item}).status_code == 403
    token = csrf(web, "/retries")
    assert web.post(url, data={"item": item, "csrf_token": token},
                    headers={"Origin": "http://evil.example"}).status_code == 403
    assert raw_redis.llen(f"resque:delayed:{ts}") == 1
    done = web.post(url, data={"item": item, "csrf_token": token})
    assert done.status_code == 302
    assert not raw_redis.exists(f"resque:delayed:{ts}")
    assert not raw_redis.exists("resque:" + retry_key_name("RubyOnly", [2.5]))
    again = web.post(url, data={"item": item, "csrf_token": token}, follow_redirects=True)
    assert "already gone" in again.get_data(as_text=True)


def test_the_cli_lists_and_cancels(waiting: dict[str, Any], redis_url: str, raw_redis: redis.Redis,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.delenv("RESQUE_NAMESPACE", raising=False)
    runner = CliRunner()
    listed = runner.invoke(main, ["retries"], catch_exceptions=False)
    assert listed.exit_code == 0 and "Later" in listed.output and "RubyOnly" in listed.output
    assert "RuntimeError: upstream <b>down</b>" in listed.output
    items = json.loads(runner.invoke(main, ["retries", "--json"], catch_exceptions=False).output)
    later = next(i for i in items if i["class"] == "Later")
    key = "resque:" + retry_key_name("Later", [1, "a"])
    assert later["attempt"] == 0 and later["retry_key"] == key
    done = runner.invoke(main, ["retries", "cancel", str(later["timestamp"]), later["item"]], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert not raw_redis.exists(key) and not raw_redis.exists("resque:failure-" + retry_key_name("Later", [1, "a"]))
    gone = runner.invoke(main, ["retries", "cancel", str(later["timestamp"]), later["item"]])
    assert gone.exit_code != 0 and "no such retry" in gone.output


def test_the_cli_queues_a_retry_now_exactly_once(waiting: dict[str, Any], redis_url: str, raw_redis: redis.Redis,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.delenv("RESQUE_NAMESPACE", raising=False)
    runner = CliRunner()
    ts, item = waiting["ruby_ts"], waiting["ruby_item"].decode()
    done = runner.invoke(main, ["retries", "queue-now", str(ts), item], catch_exceptions=False)
    assert done.exit_code == 0 and "queued the retry due at" in done.output, done.output
    assert raw_redis.lrange("resque:queue:ruby_q", 0, -1) == [b'{"class":"RubyOnly","args":[2.5]}']
    assert not raw_redis.exists(f"resque:delayed:{ts}") and raw_redis.zscore("resque:delayed_queue_schedule", ts) is None
    assert raw_redis.get("resque:" + retry_key_name("RubyOnly", [2.5])) == b"2"  # the attempt count stays
    again = runner.invoke(main, ["retries", "queue-now", str(ts), item])
    assert again.exit_code != 0 and "no such retry" in again.output
    assert raw_redis.llen("resque:queue:ruby_q") == 1


def test_the_tab_survives_a_malformed_keyspace(r: Resque, raw_redis: redis.Redis, web: FlaskClient) -> None:
    from .support.malformed_keyspace import load_space, wrong_values

    load_space(raw_redis, wrong_values())
    raw_redis.zadd("resque:delayed_queue_schedule", {"not-a-number": 1, "5": 5})
    raw_redis.rpush("resque:delayed:5", b"not json{", b'{"class":"X","args":{"a":1}}', b'[1]')
    raw_redis.set("resque:" + retry_key_name("X", []), "garbage")
    raw_redis.set("resque:failure-" + retry_key_name("X", []), "not json{")
    response = web.get("/retries")
    assert response.status_code < 500, response.get_data(as_text=True)[:2000]
    assert "Delayed jobs with retry information" in response.get_data(as_text=True)  # the page, not an error
    api = web.get("/api/retries")
    assert api.status_code < 500 and isinstance(api.get_json()["items"], list)


def test_queue_now_moves_one_retry_to_its_queue_exactly_once_and_keeps_its_attempt(
    r: Resque, waiting: dict[str, Any], web: FlaskClient, raw_redis: redis.Redis
) -> None:
    ts, raw_item = waiting["ruby_ts"], waiting["ruby_item"]
    url, item = f"/retries/{ts}/queue-now", raw_item.decode()
    assert web.post(url, data={"item": item}).status_code == 403  # no CSRF token: refused
    assert raw_redis.llen(f"resque:delayed:{ts}") == 1 and not raw_redis.exists("resque:queue:ruby_q")
    token = csrf(web, "/retries")
    done = web.post(url, data={"item": item, "csrf_token": token, "next": "/retries"}, follow_redirects=True)
    assert "Queued the retry due at" in done.get_data(as_text=True)
    assert raw_redis.lrange("resque:queue:ruby_q", 0, -1) == [b'{"class":"RubyOnly","args":[2.5]}']
    assert raw_redis.sismember("resque:queues", "ruby_q")
    assert not raw_redis.exists(f"resque:delayed:{ts}", b"resque:timestamps:" + raw_item)
    assert raw_redis.zscore("resque:delayed_queue_schedule", str(ts)) is None
    # the attempt count stays: the run is the next attempt, as when the scheduler moves it
    assert raw_redis.get("resque:" + retry_key_name("RubyOnly", [2.5])) == b"2"
    assert [i["class"] for i in web.get("/api/retries").get_json()["items"]] == ["Later"]

    # already moved: said, and nothing changes
    again = web.post(url, data={"item": item, "csrf_token": token}, follow_redirects=True)
    assert "no longer waiting" in again.get_data(as_text=True)
    assert raw_redis.llen("resque:queue:ruby_q") == 1 and r.delayed.count_all() == 2

    # a retry already due while a scheduler holds the master lock is the master's to move
    due = int(time.time()) - 5
    raw_redis.rpush(f"resque:delayed:{due}", raw_item)
    raw_redis.sadd(b"resque:timestamps:" + raw_item, f"delayed:{due}")
    raw_redis.zadd("resque:delayed_queue_schedule", {str(due): due})
    raw_redis.set(master_lock_key(r), "elsewhere:4242")
    left = web.post(f"/retries/{due}/queue-now", data={"item": item, "csrf_token": token}, follow_redirects=True)
    assert "Left to the master scheduler" in left.get_data(as_text=True)
    assert raw_redis.llen(f"resque:delayed:{due}") == 1 and raw_redis.llen("resque:queue:ruby_q") == 1


def test_queue_these_now_queues_the_retries_shown_and_says_which_had_moved(
    r: Resque, waiting: dict[str, Any], web: FlaskClient, raw_redis: redis.Redis
) -> None:
    page = web.get("/retries").get_data(as_text=True)
    form = re.search(r'action="/retries-actions/queue-shown".*?name="items" value="([^"]+)"', page, re.S)
    assert form and "Queue the 2 shown now" in page
    items = html.unescape(form.group(1))
    token = csrf(web, "/retries")
    url = "/retries-actions/queue-shown"
    assert web.post(url, data={"items": items}).status_code == 403  # no CSRF token: refused
    assert web.post(url, data={"items": "[[1, 2]]", "csrf_token": token}).status_code == 400
    assert r.delayed.count_all() == 3 and not raw_redis.exists("resque:queue:retry_q", "resque:queue:ruby_q")
    # one of them moves meanwhile (the page is stale for it)
    web.post(f"/retries/{waiting['ruby_ts']}/queue-now", data={"item": waiting["ruby_item"].decode(), "csrf_token": token})
    done = web.post(url, data={"items": items, "csrf_token": token}, follow_redirects=True)
    assert "Queued 1 retry now; 1 retry no longer waiting" in done.get_data(as_text=True)
    assert raw_redis.llen("resque:queue:retry_q") == 1 and raw_redis.llen("resque:queue:ruby_q") == 1
    assert r.delayed.count_all() == 1  # the delayed job that is not a retry stays
    assert web.get("/api/retries").get_json()["items"] == []
