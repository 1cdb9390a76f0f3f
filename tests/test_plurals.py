"""Counts in the CLI's and the dashboard's messages say ``1 job`` and ``2 jobs``
(one helper, :func:`resque_interop.schema.readable.counted`), never ``1 jobs``."""

from __future__ import annotations

import logging

import pytest
import redis
from click.testing import CliRunner
from flask.testing import FlaskClient

from resque_interop import Resque
from resque_interop.cli import main
from resque_interop.scheduler.scheduler import MasterLock, Scheduler
from resque_interop.schema.readable import counted
from resque_interop.web.app import create_app

from .support.web_client import post


@pytest.fixture
def web(r: Resque) -> FlaskClient:
    return create_app(r).test_client()


def cli(redis_url: str, *args: str) -> str:
    result = CliRunner().invoke(main, list(args), env={"REDIS_URL": redis_url, "COLUMNS": "120"},
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_counted_says_one_in_the_singular_and_others_in_the_plural() -> None:
    assert [counted(n, "job") for n in (0, 1, 2)] == ["0 jobs", "1 job", "2 jobs"]
    assert [counted(n, "entry", "entries") for n in (1, 2)] == ["1 entry", "2 entries"]


@pytest.mark.parametrize(("n", "jobs", "timestamps"), [(1, "1 job", "1 timestamp"), (2, "2 jobs", "2 timestamps")])
def test_cli_counts_delayed_jobs_and_cleared_jobs_in_the_right_number(
        redis_url: str, raw_redis: redis.Redis, n: int, jobs: str, timestamps: str) -> None:
    for i in range(n):
        raw_redis.rpush(f"resque:delayed:{1893553445 + i}", b'{"class":"Archive","args":[1],"queue":"file_serve"}')
        raw_redis.zadd("resque:delayed_queue_schedule", {str(1893553445 + i): 1893553445 + i})
        raw_redis.rpush("resque:queue:media", b'{"class":"Archive","args":[1]}')
    raw_redis.sadd("resque:queues", "media")
    assert f"delayed: {jobs} at {timestamps}" in cli(redis_url, "delayed")
    assert f"cleared {jobs} from media" in cli(redis_url, "clear", "media", "--yes")


@pytest.mark.parametrize(("n", "logged"), [(1, "queued 1 delayed job"), (2, "queued 2 delayed jobs")])
def test_the_scheduler_logs_the_jobs_it_moved_in_the_right_number(
        r: Resque, raw_redis: redis.Redis, caplog: pytest.LogCaptureFixture, n: int, logged: str) -> None:
    for i in range(n):  # long due (enqueue_at with a past time would queue at once)
        item = b'{"class":"Archive","args":[%d],"queue":"file_serve"}' % i
        raw_redis.rpush(f"resque:delayed:{100 + i}", item)
        raw_redis.sadd(b"resque:timestamps:" + item, f"delayed:{100 + i}")
        raw_redis.zadd("resque:delayed_queue_schedule", {str(100 + i): 100 + i})
    with caplog.at_level(logging.INFO, logger="resque_interop.scheduler"):
        assert Scheduler(r, lock=MasterLock(r)).run(once=True) == n
    assert logged in [rec.getMessage() for rec in caplog.records]


@pytest.mark.parametrize(("n", "jobs", "queues"), [(1, "1 job", "1 queue"), (2, "2 jobs", "2 queues")])
def test_dashboard_pager_and_notes_count_in_the_right_number(
        raw_redis: redis.Redis, web: FlaskClient, n: int, jobs: str, queues: str) -> None:
    for i in range(n):
        raw_redis.sadd("resque:queues", f"q{i}")
        raw_redis.rpush("resque:queue:q0", b'{"class":"Archive","args":[1]}')
    assert f"Showing 1 to {n} of {queues}</span>" in web.get("/queues").get_data(as_text=True)
    assert f"Showing 1 to {n} of {jobs}</span>" in web.get("/queues/q0").get_data(as_text=True)
    response = post(web, "/queues/q0/clear")
    assert response.status_code == 302
    assert f"Cleared {jobs} from q0" in web.get(response.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize(("n", "shown"), [(1, "<b>1 job</b> at <b>1 timestamp</b>"),
                                          (2, "<b>2 jobs</b> at <b>2 timestamps</b>")])
def test_the_delayed_tab_counts_in_the_right_number(r: Resque, web: FlaskClient, n: int, shown: str) -> None:
    for i in range(n):
        r.delayed.enqueue_at_with_queue("file_serve", 2000000000 + i, "Archive", i)
    assert shown in web.get("/delayed").get_data(as_text=True)
