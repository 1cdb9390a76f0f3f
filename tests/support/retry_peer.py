"""resque-retry 1.8.1 as a live peer (tests/ruby/retry_peer.rb), and the Python jobs that mirror
its classes: both sides take each run's outcome from Redis, so any attempt can run on either."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import redis

from resque_interop import Registry, Resque, Retry
from resque_interop.store.reserve import Finish, Reserved
from resque_interop.worker import Worker

from .ruby_peer import needs_retry, ruby_run  # noqa: F401 - needs_retry: the retry tests import it from here

RETRY_PEER = Path(__file__).parent.parent / "ruby" / "retry_peer.rb"
PLAN = "resque:retry-test:plan"
RAN = "resque:retry-test:ran"


def ruby_retry(redis_url: str, *args: str) -> Any:
    """Run a retry_peer.rb command (on either Ruby back end: tests/support/ruby_peer.py); its JSON result."""
    done = ruby_run(redis_url, *args, script=RETRY_PEER, peers=["retry"])
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().split("\n")[-1])


class BusyError(Exception):
    """Mirrors retry_peer.rb's BusyError."""


def planned_run(*_args: Any) -> None:
    """The Python half of retry_peer.rb's PlannedRun."""
    client = redis.Redis.from_url(os.environ["RESQUE_TEST_REDIS_URL"])
    try:
        client.rpush(RAN, "python")
        step = (client.lpop(PLAN) or b"").decode()
    finally:
        client.close()
    if step.startswith("fail"):
        kind = step.partition(":")[2]
        raise (BusyError if kind == "BusyError" else RuntimeError)("planned failure")


def mirror(registry: Registry) -> Registry:
    """Register the Python mirrors of retry_peer.rb's classes (their policies, in Python)."""
    registry.register("RetryNow", planned_run, "retry_q", retry=Retry(limit=3, delay=0))
    registry.register("RetryLater", planned_run, "retry_q", retry=Retry(limit=3, delay=60))
    registry.register("RetryOnce", planned_run, "retry_q", retry=Retry())
    registry.register("RetryBusy", planned_run, "retry_q", retry=Retry(limit=2, exceptions=["BusyError"]))
    return registry


def python_run_one(client: Resque, queue: str = "retry_q", fork: bool = False) -> bool:
    """Take and run one job from ``queue`` as a Python worker does; False when it was empty."""
    worker = Worker(client, [queue], fork_per_job=fork)
    worker.register()
    try:
        reply = worker.source.reserve([queue], Finish.NOTHING)
        if not isinstance(reply, Reserved):
            return False
        worker.perform_reserved(queue, reply.raw)
        worker.outcome.finish(Finish.COUNT)
        return True
    finally:
        worker.unregister()
