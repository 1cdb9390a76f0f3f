"""The Ruby peers the live tests run against are the versions the docs name, on either back end,
and what a test starts is a process it can signal (tests/support/ruby_peer.py)."""

from __future__ import annotations

import signal
from typing import Any

import redis

from .support.ruby_container import with_values
from .support.ruby_peer import needs_retry
from .support.waiting import wait_for


@needs_retry
def test_the_peers_are_resque_3_0_0_scheduler_5_0_0_and_retry_1_8_1(ruby_resque: Any) -> None:
    described = ruby_resque.describe()
    for version in ("resque 3.0.0", "resque-scheduler 5.0.0", "resque-retry 1.8.1"):
        assert version in described, described
    assert ruby_resque.backend() in described  # "local, sources in ..." or "container <image>"


def test_a_ruby_worker_is_signalled_by_its_own_pid(ruby_resque: Any, redis_url: str, raw_redis: redis.Redis) -> None:
    proc = ruby_resque.ruby_worker(redis_url, "high", "0.1")
    worker_id = wait_for(lambda: [m.decode() for m in raw_redis.smembers("resque:workers")], what="registered")[0]
    assert worker_id.split(":")[1] == str(proc.pid)  # Resque's id names the pid the test signals
    proc.send_signal(signal.SIGQUIT)
    assert proc.wait(30) == 0
    assert not raw_redis.smembers("resque:workers")


def test_container_env_flags_get_their_values_or_are_dropped() -> None:
    argv = ["podman", "exec", "-i", "--env=REDIS_URL", "--env=LOCK_TIMEOUT", "--env=X=1", "c", "ruby"]
    assert with_values(argv, {"REDIS_URL": "redis://h:1/0"}) == [
        "podman", "exec", "-i", "--env=REDIS_URL=redis://h:1/0", "--env=X=1", "c", "ruby"]
