"""Retries under faults: kill -9 of the child mid-attempt, Redis restarting between the failure
and the retry's enqueue, a child that recorded its outcome and then died (resque-retry #177),
and job timeouts. Never a lost job, never two retries of one attempt."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest
import redis

from resque_interop import Registry, Resque, Retry
from resque_interop.client.job import Job
from resque_interop.errors import DirtyExit, JobTimeout
from resque_interop.schema.ruby_join import retry_key_name
from resque_interop.store.reserve import Finish, Reserved
from resque_interop.worker import Worker

from .support.faults import RestartableRedis
from .support.waiting import wait_for
from .support.workers import WorkerProcess


def key(cls: str, args: list) -> str:
    return "resque:" + retry_key_name(cls, args)


def test_kill_9_of_the_child_counts_as_an_attempt_and_retries_once(r: Resque,
    redis_url: str, raw_redis: redis.Redis, tmp_path: Path
) -> None:
    r.enqueue_ruby("BlockRetry", "go-1", queue="retry_q")
    with WorkerProcess(redis_url, "retry_q", "-i", "0.1", "-A", "tests.retry_jobs",
                       log_path=str(tmp_path / "w.log")) as worker:
        wait_for(lambda: raw_redis.llen("retry-test:runs") == 1, what="attempt 0 running")
        assert raw_redis.get(key("BlockRetry", ["go-1"])) == b"0"
        [child] = wait_for(worker.children, what="the child")
        os.kill(child, signal.SIGKILL)
        # the parent records the dirty exit: the retry is enqueued and runs as attempt 1
        wait_for(lambda: raw_redis.llen("retry-test:runs") == 2, what="attempt 1 running")
        assert raw_redis.get(key("BlockRetry", ["go-1"])) == b"1"
        raw_redis.rpush("go-1", "go")
        wait_for(lambda: not raw_redis.exists(key("BlockRetry", ["go-1"])), what="the success clearing the counter")
        assert worker.stop() == 0  # the worker gone, nothing more can run or be written
        assert raw_redis.llen("retry-test:runs") == 2
        assert raw_redis.llen("resque:queue:retry_q") == 0
        assert raw_redis.llen("resque:failed") == 0  # suppressed while retried


def test_redis_restarting_between_the_failure_and_the_retry_loses_nothing_and_doubles_nothing(
    tmp_path: Path,
) -> None:
    flag = str(tmp_path / "fail-now")
    with RestartableRedis() as server:
        client = Resque(server.url, registry=Registry())
        raw = redis.Redis.from_url(server.url)
        client.enqueue_ruby("FailWhenFileAppears", flag, queue="retry_q")
        with WorkerProcess(server.url, "retry_q", "-i", "0.1", "-A", "tests.retry_jobs",
                           log_path=str(tmp_path / "w.log")) as worker:
            wait_for(lambda: Path(flag + ".started").exists(), what="attempt 0 running")
            assert raw.get(key("FailWhenFileAppears", [flag])) == b"0"
            server.stop()
            Path(flag).touch()  # the job fails while Redis is away: its outcome waits
            wait_for(lambda: "lost Redis" in worker.output(), what="the worker waiting for Redis")
            server.start()
            # the retry (attempt 1) fails the same way, and then the job is given up
            wait_for(lambda: raw.llen("resque:failed") == 1, timeout=20, what="the give-up recorded")
            assert worker.stop() == 0  # the worker gone, nothing more can run or be written
            assert raw.exists(key("FailWhenFileAppears", [flag])) == 0
            assert raw.llen("resque:queue:retry_q") == 0
            assert raw.get("resque:stat:failed") == b"2"  # two attempts, each counted once
            assert raw.get("resque:stat:processed") == b"2"


def test_a_child_that_recorded_its_outcome_then_died_is_not_retried_again(
    r: Resque, registry: Registry, raw_redis: redis.Redis
) -> None:
    """resque-retry #177: the parent's dirty exit must not retry an attempt the child already
    retried (or gave up): its writes go only while worker:<id> still holds the job."""
    registry.register("Flaky", lambda *a: None, "retry_q", retry=Retry(limit=1))
    r.enqueue_ruby("Flaky", 5, queue="retry_q")
    worker = Worker(r, ["retry_q"], fork_per_job=False)
    worker.register()
    reply = worker.source.reserve(["retry_q"], Finish.NOTHING)
    assert isinstance(reply, Reserved)
    held = worker.outcome.held
    job = Job(r, "retry_q", json.loads(reply.raw), reply.raw, worker.id)
    r.redis.set(key("Flaky", [5]), 0)  # what before_perform does (SETNX -1, INCR): attempt 0
    job.retry_attempt = 0
    worker.report_failure(job, RuntimeError("boom"))  # the child: retry enqueued, job finished
    assert raw_redis.llen("resque:queue:retry_q") == 1
    worker.outcome.held = held  # the parent still thinks the job is held
    parent_job = Job(r, "retry_q", json.loads(reply.raw), reply.raw, worker.id)
    worker.report_failure(parent_job, DirtyExit("Child process received unhandled signal"), count_failed=False)
    assert raw_redis.llen("resque:queue:retry_q") == 1  # not a second retry
    assert raw_redis.get(key("Flaky", [5])) == b"0"
    assert raw_redis.llen("resque:failed") == 0
    worker.unregister()


@pytest.mark.parametrize("fork", [True, False], ids=["fork", "no-fork"])
def test_an_overdue_job_is_stopped_recorded_as_a_timeout_and_retried(r: Resque,
    redis_url: str, raw_redis: redis.Redis, tmp_path: Path, fork: bool
) -> None:
    r.enqueue_ruby("Sleepy", 30, queue="retry_q")
    args = ["-i", "0.1", "-A", "tests.retry_jobs", *([] if fork else ["--no-fork"])]
    with WorkerProcess(redis_url, "retry_q", *args, log_path=str(tmp_path / "w.log")) as worker:
        # attempt 0 times out and is retried; attempt 1 times out and is given up
        wait_for(lambda: raw_redis.llen("resque:failed") == 1, timeout=20, what="the give-up")
        assert raw_redis.lrange("retry-test:runs", 0, -1) == [b"30", b"30"]
        failure = json.loads(raw_redis.lindex("resque:failed", 0))
        assert failure["exception"] == "JobTimeout"
        assert failure["error"].startswith("Job exceeded its timeout of 1s")
        if fork:
            assert "killed its child pid" in failure["error"]
        assert raw_redis.get("resque:stat:failed") == b"2"
        assert not raw_redis.exists(key("Sleepy", [30]))
        assert worker.stop() == 0


def test_the_worker_default_timeout_applies_to_jobs_without_their_own(r: Resque,
    redis_url: str, raw_redis: redis.Redis, tmp_path: Path
) -> None:
    r.enqueue_ruby("SleepyNoRetry", 30, queue="retry_q")
    r.enqueue_ruby("SleepyNoRetry", 0, queue="retry_q")
    with WorkerProcess(redis_url, "retry_q", "-i", "0.1", "-A", "tests.retry_jobs", "--job-timeout", "0.5",
                       log_path=str(tmp_path / "w.log")) as worker:
        wait_for(lambda: raw_redis.get("resque:stat:processed") == b"2", timeout=20, what="both jobs done")
        assert raw_redis.llen("resque:failed") == 1
        failure = json.loads(raw_redis.lindex("resque:failed", 0))
        assert failure["exception"] == "JobTimeout" and failure["payload"]["args"] == [30]
        assert worker.stop() == 0


def test_job_timeout_is_an_ordinary_failure_name() -> None:
    assert issubclass(JobTimeout, Exception) and not issubclass(JobTimeout, DirtyExit)


def test_a_pruned_worker_s_job_counts_as_an_attempt_and_is_retried(
    r: Resque, redis_url: str, raw_redis: redis.Redis, tmp_path: Path
) -> None:
    """kill -9 of the whole worker (parent and child): pruning fails the job it held, and its
    Retry retries it, as Ruby's unregister_worker does through resque-retry's hook."""
    from resque_interop.errors import PruneDeadWorkerDirtyExit
    from resque_interop.worker.prune import unregister_worker

    r.registry.register("BlockRetry", lambda key: None, "retry_q", retry=Retry(limit=2))
    r.enqueue_ruby("BlockRetry", "go-2", queue="retry_q")
    with WorkerProcess(redis_url, "retry_q", "-i", "0.1", "-A", "tests.retry_jobs",
                       log_path=str(tmp_path / "w.log")) as worker:
        worker_id = worker.worker_id()
        wait_for(lambda: raw_redis.llen("retry-test:runs") == 1, what="attempt 0 running")
        children = worker.children()
        worker.kill()  # the parent first: nobody records the child's death
        for child in children:
            os.kill(child, signal.SIGKILL)
    assert raw_redis.exists(f"resque:worker:{worker_id}")  # the job is still held
    unregister_worker(r, worker_id, PruneDeadWorkerDirtyExit(worker_id, "BlockRetry"))
    assert raw_redis.lrange("resque:queue:retry_q", 0, -1) == [b'{"class":"BlockRetry","args":["go-2"]}']
    assert raw_redis.get(key("BlockRetry", ["go-2"])) == b"0"
    assert raw_redis.llen("resque:failed") == 0
    assert not raw_redis.sismember("resque:workers", worker_id)


def test_a_timeout_while_redis_is_away_waits_to_read_the_attempt_then_retries_once(tmp_path: Path) -> None:
    with RestartableRedis() as server:
        client = Resque(server.url, registry=Registry())
        raw = redis.Redis.from_url(server.url)
        client.enqueue_ruby("Sleepy", 5, queue="retry_q")
        with WorkerProcess(server.url, "retry_q", "-i", "0.1", "-A", "tests.retry_jobs",
                           log_path=str(tmp_path / "w.log")) as worker:
            wait_for(lambda: raw.llen("retry-test:runs") == 1, what="attempt 0 running")
            server.stop()  # the parent kills the child at 1 s, while Redis is away
            wait_for(lambda: not worker.children(), what="the child killed at its timeout")
            time.sleep(1.0)  # and Redis stays away a while after: reading the attempt has to wait for it
            server.start()
            wait_for(lambda: raw.llen("resque:failed") == 1, timeout=30, what="the give-up after attempt 1")
            assert worker.stop() == 0  # the worker gone, nothing more can run or be written
            assert raw.lrange("retry-test:runs", 0, -1) == [b"5", b"5"]  # retried once, not lost
            assert raw.get("resque:stat:failed") == b"2"
            assert not raw.exists(key("Sleepy", [5])) and raw.llen("resque:queue:retry_q") == 0
