"""Jobs with a Retry or a timeout for worker processes the retry tests start
(``resque-interop work -A tests.retry_jobs``)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import redis

from resque_interop import Retry, job


def _redis() -> redis.Redis:
    return redis.Redis.from_url(os.environ.get("RESQUE_TEST_REDIS_URL") or os.environ["REDIS_URL"], socket_timeout=None)


@job("BlockRetry", queue="retry_q", retry=Retry(limit=2))
def block_retry(key: str) -> None:
    """Notes its run, then waits until someone RPUSHes ``key``."""
    client = _redis()
    client.rpush("retry-test:runs", key)
    client.blpop([key], 0)


@job("FailWhenFileAppears", queue="retry_q", retry=Retry(limit=1))
def fail_when_file_appears(path: str) -> None:
    """Waits (without Redis) for ``path`` to exist, then fails: the test stops Redis meanwhile."""
    Path(path + ".started").touch()
    while not os.path.exists(path):
        time.sleep(0.02)
    raise RuntimeError("failed while Redis was away")


@job("Sleepy", queue="retry_q", timeout=1, retry=Retry(limit=1))
def sleepy(seconds: float) -> None:
    """Notes its run and sleeps past its 1 s timeout when ``seconds`` says so."""
    _redis().rpush("retry-test:runs", str(seconds))
    time.sleep(seconds)


@job("SleepyNoRetry", queue="retry_q")
def sleepy_no_retry(seconds: float) -> None:
    """No timeout of its own: the worker's --job-timeout applies."""
    time.sleep(seconds)


@job("FailTwice", queue="retry_q", retry=Retry(limit=1))
def fail_twice(n: int) -> None:
    """Always fails: retried once, then given up."""
    raise RuntimeError(f"fail {n}")
