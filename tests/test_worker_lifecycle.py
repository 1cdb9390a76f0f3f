"""A Python worker writes what Ruby's worker writes, step by step, byte for byte
outside of hosts, pids and times (whose formats must match)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
import redis

from resque_interop import Registry, Resque

from .support.keyspace import dump, load, normalize, step
from .support.waiting import wait_for
from .support.workers import HOST, ROOT, WorkerProcess


def ruby_host_pid(fixture: dict) -> str:
    worker_id = fixture["steps"][0]["result"]
    host, pid, _ = worker_id.split(":", 2)
    return f"{host}:{pid}"


def check(raw_redis: redis.Redis, fixture: dict, name: str, ours: str, ruby: str) -> None:
    expected = normalize(step(fixture, name)["keyspace"], {ruby: "<W>"})
    actual = normalize(dump(raw_redis), {ours: "<W>"})
    assert actual == expected, name


@pytest.mark.parametrize("fixture_name,args,namespace", [
    ("worker_lifecycle.json", [], "resque"),
    ("worker_lifecycle_nofork.json", ["--no-fork"], "resque"),
    ("namespace.json", [], "resque:GitHub"),
])
def test_worker_lifecycle(fixture_name: str, args: list[str], namespace: str, redis_url: str,
                          raw_redis: redis.Redis) -> None:
    rec = load(fixture_name)
    ruby = ruby_host_pid(rec)
    client = Resque(redis_url, namespace=namespace, registry=Registry())
    ns = namespace + ":"
    with WorkerProcess(redis_url, "high,low", "-i", "0.05", *args, namespace=namespace) as worker:
        worker_id = worker.worker_id()
        ours = f"{HOST}:{worker.pid}"
        assert worker_id == f"{ours}:high,low"
        wait_for(lambda: raw_redis.hexists(ns + "workers:heartbeat", worker_id), what="heartbeat")
        check(raw_redis, rec, "start worker (idle)", ours, ruby)

        client.enqueue_ruby("Blocking", "go", queue="high")
        wait_for(lambda: raw_redis.get(ns + f"worker:{worker_id}"), what="working")
        check(raw_redis, rec, "working a job (snapshot while the job blocks on BLPOP go)", ours, ruby)
        working = client.working()
        assert [w.id for w in working] == [worker_id]
        assert working[0].job and working[0].job["payload"] == {"class": "Blocking", "args": ["go"]}
        if "--no-fork" in args:
            assert not worker.children()
        else:
            assert len(worker.children()) == 1

        raw_redis.rpush("go", 1)
        wait_for(lambda: raw_redis.get(ns + "stat:processed") == b"1", what="processed")
        wait_for(lambda: not raw_redis.exists(ns + f"worker:{worker_id}"), what="done")
        check(raw_redis, rec, "job succeeded", ours, ruby)

        client.enqueue_ruby("Failing", 1, "x", queue="low")
        wait_for(lambda: raw_redis.get(ns + "stat:processed") == b"2", what="failure processed")
        check(raw_redis, rec, "job failed", ours, ruby)
        failure = client.failure.all(0, 1)[0]
        assert failure.exception == "tests.jobs.ArgumentError" and failure.error == "boom <b>"
        assert failure.backtrace and failure.backtrace[0].endswith("in 'failing'")
        assert ":" in failure.backtrace[0]

        expected = step(rec, "what Ruby reads back")["result"]
        info = client.info()
        info.pop("servers")
        assert info == expected["info"]
        (me,) = client.workers()
        assert (me.state, me.processed, me.failed) == (expected["state"], expected["processed"], expected["failed"])

        assert worker.stop(signal.SIGQUIT) == 0
        check(raw_redis, rec, "shutdown with QUIT", ours, ruby)


def test_time_formats_in_another_zone(r: Resque, redis_url: str, raw_redis: redis.Redis) -> None:
    # time_formats_non_utc_tz.json: worker, failure and requeue times written by
    # processes in TZ=Asia/Kolkata; compared with each zone as written
    rec = load("time_formats_non_utc_tz.json")
    ruby = ruby_host_pid(rec)
    zone = {"TZ": "Asia/Kolkata"}

    def same(name: str, ours: str) -> None:
        expected = normalize(step(rec, name)["keyspace"], {ruby: "<W>"}, keep_zones=True)
        assert normalize(dump(raw_redis), {ours: "<W>"}, keep_zones=True) == expected, name

    def in_zone(*argv: str) -> None:
        env = {**os.environ, "REDIS_URL": redis_url, "PYTHONPATH": str(ROOT), **zone}
        subprocess.run([sys.executable, *argv], env=env, check=True, capture_output=True, timeout=60)

    with WorkerProcess(redis_url, "low", "-i", "0.05", env=zone) as worker:
        worker_id = worker.worker_id()
        ours = f"{HOST}:{worker.pid}"
        wait_for(lambda: raw_redis.hexists("resque:workers:heartbeat", worker_id), what="heartbeat")
        same("worker started and heartbeat", ours)
        r.enqueue_ruby("Blocking", "go", queue="low")
        wait_for(lambda: raw_redis.exists(f"resque:worker:{worker_id}"), what="working")
        same("working (run_at)", ours)
        raw_redis.rpush("go", 1)
        r.enqueue_ruby("Failing", queue="low")
        wait_for(lambda: raw_redis.llen("resque:failed"), what="failure")
        assert worker.stop() == 0
    same("failed (failed_at)", ours)
    in_zone("-m", "resque_interop", "failed", "retry", "0")
    same("requeue (retried_at), Redis backend", ours)
    in_zone("-c", MULTI_QUEUE_FAIL_AND_REQUEUE)
    same("multi-queue fail and requeue", ours)


# Ruby's step: RedisMultiQueue, Job#fail(RuntimeError "boom") by no worker, requeue(0, "low_failed")
MULTI_QUEUE_FAIL_AND_REQUEUE = """
import os
from resque_interop import Registry, Resque
from resque_interop.client.job import Job
r = Resque(os.environ["REDIS_URL"], failure_backend="redis_multi_queue", registry=Registry())
Job(r, "low", {"class": "Failing", "args": []}).fail(RuntimeError("boom"))
r.failure.requeue(0, "low_failed")
"""


def blocked_worker(worker: WorkerProcess, raw_redis: redis.Redis, client: Resque) -> tuple[str, str]:
    """Wait for ``worker`` to register and beat, give it a job that never ends;
    returns (worker id, host:pid)."""
    worker_id = worker.worker_id()
    wait_for(lambda: raw_redis.hexists("resque:workers:heartbeat", worker_id), what="heartbeat")
    client.enqueue_ruby("Blocking", "never", queue="high")
    wait_for(lambda: raw_redis.get(f"resque:worker:{worker_id}"), what="working")
    return worker_id, f"{HOST}:{worker.pid}"


def test_child_killed_becomes_dirty_exit(r: Resque, redis_url: str, raw_redis: redis.Redis) -> None:
    rec = load("dirty_exit_child_killed.json")
    ruby = ruby_host_pid(rec)
    with WorkerProcess(redis_url, "high", "-i", "0.05") as worker:
        worker_id, ours = blocked_worker(worker, raw_redis, r)
        check(raw_redis, rec, "working", ours, ruby)
        (child,) = wait_for(worker.children, what="child")
        import os

        os.kill(child, signal.SIGKILL)
        wait_for(lambda: raw_redis.llen("resque:failed"), what="dirty exit failure")
        wait_for(lambda: raw_redis.get("resque:stat:processed") == b"1", what="processed")
        check(raw_redis, rec, "kill -9 the child only", ours, ruby)
        assert r.failure.all(0, 1)[0].error == (
            f"Child process received unhandled signal pid {child} SIGKILL (signal 9)"
        )
        assert worker.stop() == 0
        check(raw_redis, rec, "shutdown", ours, ruby)


def test_killed_worker_is_pruned_with_a_dirty_exit(r: Resque, redis_url: str, raw_redis: redis.Redis) -> None:
    import os
    import time

    from resque_interop.worker import Worker

    rec = load("dirty_exit_prune.json")
    ruby = ruby_host_pid(rec)
    with WorkerProcess(redis_url, "high", "-i", "0.05") as worker:
        worker_id, ours = blocked_worker(worker, raw_redis, r)
        check(raw_redis, rec, "start worker and a job", ours, ruby)
        children = worker.children()
        worker.kill()
        for child in children:
            os.kill(child, signal.SIGKILL)
    from resque_interop.schema import timefmt

    raw_redis.hset("resque:workers:heartbeat", worker_id, timefmt.heartbeat_at(time.time() - 3600))
    check(raw_redis, rec, "age the heartbeat", ours, ruby)
    raw_redis.delete("resque:pruning_dead_workers_in_progress")
    pruner = Worker(r, ["high"])
    assert pruner.prune_dead_workers() == [worker_id]
    ruby_pruner = step(rec, "prune")["keyspace"]["resque:pruning_dead_workers_in_progress"]["value"]
    expected = normalize(step(rec, "prune")["keyspace"], {ruby: "<W>", ruby_pruner: "<PRUNER>"})
    actual = normalize(dump(raw_redis), {ours: "<W>", pruner.id: "<PRUNER>"})
    assert actual == expected
    assert r.failure.all(0, 1)[0].error == f"Worker {worker_id} did not gracefully exit while processing Blocking"
