"""The dashboard's Delayed tab: find, remove and queue now a selection of delayed jobs
(resque-scheduler's *_delayed_selection), behind the same-origin and CSRF checks."""

from __future__ import annotations

import redis
from flask.testing import FlaskClient

from resque_interop import Resque

from .support.web_client import csrf, post

LATER = 2000000000


def _fill(r: Resque) -> None:
    r.delayed.enqueue_at_with_queue("file_serve", LATER, "Archive", 7, "a")
    r.delayed.enqueue_at_with_queue("file_serve", LATER + 1, "Archive", 7, "a")
    r.delayed.enqueue_at_with_queue("file_serve", LATER + 1, "Archive", {"account_id": 7})
    r.delayed.enqueue_at_with_queue("reports", LATER + 2, "Report", 7)


def test_a_selection_is_listed_then_queued_or_removed(r: Resque, raw_redis: redis.Redis,
                                                      web: FlaskClient) -> None:
    _fill(r)
    page = web.get("/delayed?class=Archive&match=7").get_data(as_text=True)
    assert "<b>2</b> selected" in page and "Queue selected now" in page and "Remove selected" in page
    page = web.get('/delayed?match={"account_id": 7}').get_data(as_text=True)
    assert "<b>1</b> selected" in page and "account_id" in page
    assert "must be JSON" in web.get("/delayed?match={oops").get_data(as_text=True)
    response = post(web, "/delayed-actions/enqueue-selection", **{"class": "Archive", "match": "7"})
    assert response.status_code == 302 and "class=Archive" in response.headers["Location"]
    assert raw_redis.lrange("resque:queue:file_serve", 0, -1) == [b'{"class":"Archive","args":[7,"a"]}'] * 2
    assert post(web, "/delayed-actions/remove-selection", match="7").status_code == 302
    assert r.delayed.count_all() == 1  # Report 7 removed; {"account_id": 7} is not the value 7
    assert post(web, "/delayed-actions/remove-selection").status_code == 302  # nothing selected: nothing done
    assert r.delayed.count_all() == 1


def test_selection_actions_need_the_csrf_token_and_the_same_origin(r: Resque, web: FlaskClient) -> None:
    _fill(r)
    url = "/delayed-actions/remove-selection"
    assert web.post(url, data={"match": "7"}).status_code == 403
    token = csrf(web)
    assert web.post(url, data={"match": "7", "csrf_token": token},
                    headers={"Origin": "http://evil.example"}).status_code == 403
    assert r.delayed.count_all() == 4


def test_queue_now_on_a_due_timestamp_is_left_to_another_master(r: Resque, raw_redis: redis.Redis,
                                                                web: FlaskClient) -> None:
    due = 1_700_000_000  # long past: a master scheduler is moving it
    r.delayed.delayed_push(due, {"class": "Archive", "args": [1], "queue": "file_serve"})
    raw_redis.set("resque:resque:resque_scheduler_master_lock", "rubyhost:4242", ex=60)
    response = post(web, f"/delayed/{due}/queue-now")
    assert response.status_code == 302 and r.delayed.count_all() == 1
    assert "Left to the master scheduler" in web.get(response.headers["Location"]).get_data(as_text=True)
    raw_redis.delete("resque:resque:resque_scheduler_master_lock")  # no master: queued now
    assert post(web, f"/delayed/{due}/queue-now").status_code == 302 and r.delayed.count_all() == 0
