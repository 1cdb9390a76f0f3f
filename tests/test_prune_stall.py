"""A Redis stall longer than the prune interval (DEBUG SLEEP) prunes no live worker, while a
dead one is still pruned. Before, the first worker to hear back from Redis read everyone
else's heartbeats from before the stall, pruned 2 or 3 live workers a run, and each job they
then finished was recorded as a pruned failure. Ruby Resque prunes at start-up only."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from resque_interop import Resque
from resque_interop.schema import timefmt
from resque_interop.worker import Worker

from .support.waiting import wait_for
from .support.workers import WorkerProcess

HEARTBEAT, PRUNE = "1", "3"
WORKERS = 6
# 5 s as measured in #20; 10 s outlasts redis-py's 5 s read timeout (and, for the workers with
# a 1 s one, all its retries), so heartbeats fail and resume only a heartbeat interval after
# Redis does: without the rule, the first worker to beat again pruned the others
STALLS = (5, 10, 10)


def _stall(redis_url: str, seconds: int) -> None:
    """DEBUG SLEEP: Redis answers nobody for ``seconds`` (a fork for a snapshot, a slow disk, a
    long script). A client of its own, without a read timeout or a retry (which would sleep again)."""
    with redis.Redis.from_url(redis_url, socket_timeout=None, retry=Retry(NoBackoff(), 0)) as client:
        client.execute_command("DEBUG", "SLEEP", str(seconds))


def _worker(redis_url: str, tmp_path: Path, name: str, queue: str = "high", timeout: float | None = None) -> WorkerProcess:
    url = f"{redis_url}?socket_timeout={timeout}" if timeout else redis_url
    return WorkerProcess(url, queue, "-i", "0.1", "--heartbeat-interval", HEARTBEAT,
                         "--prune-interval", PRUNE, log_path=str(tmp_path / f"{name}.log"))


def _kill_with_children(worker: WorkerProcess) -> None:
    children = worker.children()
    worker.kill()
    for child in children:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)


@pytest.mark.slow  # about 30 s
@pytest.mark.timeout(240)
def test_a_redis_stall_longer_than_the_prune_interval_prunes_no_live_worker_but_still_a_dead_one(r: Resque,
    redis_url: str, raw_redis: redis.Redis, tmp_path: Path
) -> None:
    processed = lambda: int(raw_redis.get("resque:stat:processed") or 0)  # noqa: E731
    with contextlib.ExitStack() as stack:
        # on a queue of its own, as if on another host: only its heartbeat's age can tell it died
        doomed = stack.enter_context(_worker(redis_url, tmp_path, "doomed", queue="low"))
        doomed_id = doomed.worker_id()
        r.enqueue_ruby("Sleep", 60, queue="low")
        wait_for(lambda: raw_redis.exists(f"resque:worker:{doomed_id}"), what="the doomed worker's job taken")
        workers = [stack.enter_context(_worker(redis_url, tmp_path, f"w{n}", timeout=1 if n % 2 else None))
                   for n in range(WORKERS)]
        ids = [w.worker_id() for w in workers]
        r.enqueue_many([("high", "Sleep", [0.1])] * 400)  # busy through every stall
        for number, seconds in enumerate(STALLS):
            done = processed()
            # every worker has beaten since the last stall, and jobs are flowing
            wait_for(lambda: processed() >= done + 8, what="jobs done")
            if number == len(STALLS) - 1:
                _kill_with_children(doomed)  # dies just before the last stall
            _stall(redis_url, seconds)
        # the dead one is pruned after a prune interval of steady contact; jobs finish all along
        wait_for(lambda: not raw_redis.sismember("resque:workers", doomed_id), timeout=30, what="the dead one pruned")
        done = processed()
        wait_for(lambda: processed() >= done + 40, timeout=60, what="jobs")
        failures = [(f.exception, f.worker, f.args) for f in r.failure.all(0, 100)]
        assert failures == [("Resque::PruneDeadWorkerDirtyExit", doomed_id, [60])]
        assert {m.decode() for m in raw_redis.smembers("resque:workers")} == set(ids)
        for worker in workers:
            assert "pruned while alive" not in worker.output()
            assert worker.stop() == 0


def test_a_pruner_whose_own_heartbeat_is_stale_prunes_nobody_by_heartbeat_age(r: Resque, raw_redis: redis.Redis) -> None:
    pruner = Worker(r, ["high"])
    elsewhere = "other-host:4242:high"  # only its heartbeat's age can tell it is dead
    raw_redis.sadd("resque:workers", pruner.id, elsewhere)
    old = timefmt.heartbeat_at(time.time() - 3600)
    raw_redis.hset("resque:workers:heartbeat", mapping={pruner.id: old, elsewhere: old})
    assert pruner.prune_dead_workers() == []  # its own view of the heartbeats is not current
    assert raw_redis.sismember("resque:workers", elsewhere)
    raw_redis.hset("resque:workers:heartbeat", pruner.id, timefmt.heartbeat_at(time.time()))
    raw_redis.delete("resque:pruning_dead_workers_in_progress")
    assert pruner.prune_dead_workers() == [elsewhere]
