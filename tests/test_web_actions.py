"""The finish resque-web users expect: bulk buttons on a class-filtered page act on
the failures shown and no others; delayed timestamps preview their first job and can
be found by class and args; Queue now on Schedule leaves a note."""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

import pytest
import redis
from flask.testing import FlaskClient

from resque_interop import Resque
from resque_interop.failure import FailureInfo
from resque_interop.web.app import create_app

from .support.web_client import csrf


@pytest.fixture
def web(r: Resque) -> FlaskClient:
    return create_app(r).test_client()


def post(client: FlaskClient, url: str, **fields: str) -> object:
    return client.post(url, data={"csrf_token": csrf(client, "/queues"), **fields}, headers={"Origin": "http://localhost"})


def fail(r: Resque, cls: str, arg: int) -> None:
    r.save_failure(FailureInfo({"class": cls, "args": [arg]}, "RuntimeError", "boom", [], "h:1:low", "low"))


def items_field(page: str, action: str) -> str:
    form = re.search(rf'action="/failed/failed/{action}".*?name="items" value="([^"]+)"', page, re.S)
    assert form, action
    return form.group(1)


def test_bulk_buttons_on_a_filtered_page_act_on_the_failures_shown(r: Resque, web: FlaskClient) -> None:
    for i in range(50):
        fail(r, "Rare" if i % 5 == 0 else "Common", i)  # 10 Rare among 50
    page = web.get("/failed?class=Common").get_data(as_text=True)
    assert "Retry these 20" in page and "Remove these 20" in page and "Clear failed jobs" not in page
    shown = items_field(page, "remove-shown")
    response = post(web, "/failed/failed/remove-shown", items=shown)
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert "Removed 20 failures" in unquote_plus(response.headers["Location"])  # type: ignore[attr-defined]
    left = [f.payload["args"][0] for f in r.failure.all(0, 100)]
    assert len(left) == 30 and all(i % 5 == 0 for i in left if i >= 30) and sum(1 for i in left if i % 5 == 0) == 10
    # retrying the shown ones retries those and marks them, nothing else
    page = web.get("/failed?class=Rare").get_data(as_text=True)
    assert post(web, "/failed/failed/requeue-shown", items=items_field(page, "requeue-shown")
                ).status_code == 302  # type: ignore[attr-defined]
    assert r.size("low") == 10 and {j["class"] for j in r.peek("low", 0, 10)} == {"Rare"}
    # a stale page: the entries moved, so nothing is hit
    stale = items_field(web.get("/failed?class=Common").get_data(as_text=True), "remove-shown")
    r.failure.remove(0)
    response = post(web, "/failed/failed/remove-shown", items=stale)
    assert "moved or gone" in unquote_plus(response.headers["Location"])  # type: ignore[attr-defined]
    assert post(web, "/failed/failed/remove-shown", items="").status_code == 400  # type: ignore[attr-defined]


def test_delayed_rows_preview_their_first_job_and_search_finds_timestamps(r: Resque, raw_redis: redis.Redis,
                                                                          web: FlaskClient) -> None:
    r.delayed.enqueue_at_with_queue("file_serve", 2000000000, "Archive", 44, "masterbrew")
    r.delayed.enqueue_at_with_queue("file_serve", 2000000000, "Resize", 1)
    r.delayed.enqueue_at_with_queue("file_serve", 2000000060, "Archive", 44, "masterbrew")
    raw_redis.rpush("resque:delayed:2000000120", b"{not json")
    raw_redis.zadd("resque:delayed_queue_schedule", {"2000000120": 2000000120})
    page = web.get("/delayed").get_data(as_text=True)
    assert "<code>Archive</code> <span class=\"sub\">and 1 more</span>" in page
    assert "[44, &#34;masterbrew&#34;]" in page and "not a job" in page
    found = web.get('/delayed/search?class=Archive&args=[44,"masterbrew"]&queue=file_serve').get_data(as_text=True)
    assert "2033-05-18 03:33:20 UTC" in found and "2033-05-18 03:34:20 UTC" in found
    none = web.get("/delayed/search?class=Archive&args=[45]&queue=file_serve").get_data(as_text=True)
    assert "No delayed job of this class" in none
    bad = web.get("/delayed/search?class=Archive&args={}").get_data(as_text=True)
    assert "args must be a JSON array" in bad
    api = web.get("/api/delayed").get_json()
    assert api["items"][0]["first"] == {"class": "Archive", "args": [44, "masterbrew"], "queue": "file_serve"}


def test_queue_now_on_schedule_leaves_a_note(r: Resque, web: FlaskClient) -> None:
    r.schedules.set("hourly", {"every": "1h", "class": "Report", "queue": "low"}, persist=True)
    response = post(web, "/schedule/requeue", job_name="hourly", next="/schedule")
    assert response.status_code == 302  # type: ignore[attr-defined]
    page = web.get(response.headers["Location"]).get_data(as_text=True)  # type: ignore[attr-defined]
    assert "Queued hourly now" in page and r.size("low") == 1
