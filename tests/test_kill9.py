"""kill -9 at random moments loses no job: each ends processed or in the failed list."""

from __future__ import annotations

import json
import os
import random
import signal
import time

import pytest
import redis

from resque_interop import Resque
from resque_interop.worker.prune import prune_dead_workers

from .support.waiting import wait_for
from .support.workers import HOST, WorkerProcess

JOBS = 1000
MAX_KILLS = 60


def _kill(worker: WorkerProcess) -> None:
    children = worker.children()
    worker.proc.send_signal(signal.SIGKILL)
    worker.proc.wait(10)
    for child in children:
        try:
            os.kill(child, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.mark.timeout(300)
def test_kill_minus_nine_loses_nothing(r: Resque, redis_url: str, raw_redis: redis.Redis) -> None:
    r.enqueue_many([("file_serve", "Archive", [i]) for i in range(JOBS)])
    rng = random.Random(1234)
    args = ("-i", "0.05", "--heartbeat-interval", "1")
    workers = [WorkerProcess(redis_url, "file_serve", *args, *(["--no-fork"] if i % 2 else [])) for i in range(3)]
    kills = 0
    try:
        while r.size("file_serve") > 0 and kills < MAX_KILLS:
            time.sleep(rng.uniform(0.01, 0.15))  # chaos: a random moment for each kill
            index = rng.randrange(len(workers))
            _kill(workers[index])
            kills += 1
            workers[index] = WorkerProcess(redis_url, "file_serve", *args, *(["--no-fork"] if index % 2 else []))
        # the workers left alive drain the rest (a slow machine gets there after the kills)
        wait_for(lambda: r.size("file_serve") == 0, timeout=200, what="queue drained")
    finally:
        for w in workers:
            w.stop()
    assert kills >= 10
    # dead workers still holding a job are pruned (Ruby's rules): their jobs become failures
    prune_dead_workers(r, f"{HOST}:0:file_serve", ["file_serve"], HOST, force=True)
    done = {json.loads(x)[0] for x in raw_redis.lrange("contract:results", 0, -1)}
    failed = {f.args[0] for f in r.failure.all(0, r.failure.count())}
    assert {f.exception for f in r.failure.all(0, r.failure.count())} <= {"Resque::DirtyExit"}
    missing = set(range(JOBS)) - done - failed
    assert not missing, f"{len(missing)} jobs vanished after {kills} kills"
    assert raw_redis.scard("resque:workers") == 0
