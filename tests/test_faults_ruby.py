"""Faults beside a live Ruby Resque (tests/support/ruby_peer.py): what Python leaves after hostile
payloads never breaks a Ruby worker, Ruby's requeue never enqueues a different job,
and Python's nesting limit is exactly Ruby's."""

from __future__ import annotations

import json
from pathlib import Path

import redis

from resque_interop import Registry, Resque
from resque_interop.schema.payloads import job_args

from .support.hostile_payloads import HOSTILE, nested
from .support.ruby_peer import needs_ruby, ruby, ruby_run, ruby_worker
from .support.waiting import wait_for
from .support.workers import WorkerProcess

pytestmark = needs_ruby


def _hostile_drain(redis_url: str, raw_redis: redis.Redis, tmp_path: Path) -> Resque:
    client = Resque(redis_url, registry=Registry())
    raw_redis.sadd("resque:queues", "file_serve")
    for _, data in HOSTILE:
        if len(data) < 1_000_000:  # the 20 MB one is a plain job; its size is test_faults' matter
            raw_redis.rpush("resque:queue:file_serve", data)
    raw_redis.rpush("resque:queue:file_serve", b'{"class":"Missing","args":{"a":1,"b":[2]}}')
    with WorkerProcess(redis_url, "file_serve", "-i", "0.1", log_path=str(tmp_path / "w.log")) as worker:
        wait_for(lambda: client.size("file_serve") == 0, timeout=60, what="the hostile queue drained")
        wait_for(lambda: client.failure.count() == len(HOSTILE), timeout=30, what="every failure")
        assert worker.stop() == 0
    return client


def test_a_ruby_worker_starts_and_works_after_hostile_payloads(
    redis_url: str, raw_redis: redis.Redis, tmp_path: Path
) -> None:
    client = _hostile_drain(redis_url, raw_redis, tmp_path)
    # a dead Python worker left holding one of them (as a kill -9 would): Ruby prunes it
    dead = "elsewhere:99:file_serve"
    raw_redis.sadd("resque:workers", dead)
    raw_redis.set(f"resque:worker:{dead}", client.codec.encode(
        {"queue": "file_serve", "run_at": "2026-12-01T00:00:00Z",
         "payload": {"class": None, "args": [], "problem": "x", "raw": "[" * 1000}}))
    raw_redis.hset("resque:workers:heartbeat", dead, "2020-01-01T00:00:00+00:00")
    client.enqueue_ruby("Archive", "ruby after", queue="file_serve")
    raw_redis.delete("resque:pruning_dead_workers_in_progress")  # the Python worker's turn (60 s) is over
    proc = ruby_worker(redis_url, "file_serve", "0")
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    assert [json.loads(x) for x in raw_redis.lrange("contract:results", 0, -1)] == [["ruby after"]]
    assert not raw_redis.sismember("resque:workers", dead)
    # and Ruby reads every failure entry Python wrote (resque-web's failed tab does the same)
    info = ruby(redis_url, "info")
    assert info["failed"] == len(HOSTILE) + 1


def test_ruby_requeue_of_python_failures_enqueues_the_same_job_or_raises(
    redis_url: str, raw_redis: redis.Redis, tmp_path: Path
) -> None:
    client = _hostile_drain(redis_url, raw_redis, tmp_path)
    outcomes = []
    for record in client.failure.all(0, client.failure.count()):
        before = raw_redis.llen("resque:queue:file_serve")
        done = ruby_run(redis_url, "requeue", str(record.index))
        after = raw_redis.lrange("resque:queue:file_serve", before, -1)
        if done.returncode != 0:
            assert after == [], record.payload
            outcomes.append("raised")
            continue
        (pushed,) = after
        job = json.loads(pushed)
        # the same job: its class, and the arguments perform(*args) receives
        assert job["class"] == record.class_name
        assert job_args(job) == job_args(record.payload)
        outcomes.append("same job")
    assert outcomes.count("raised") == len(HOSTILE) - 1 and outcomes.count("same job") == 1


def test_the_deepest_job_python_enqueues_is_the_deepest_a_ruby_worker_runs(r: Resque,
    redis_url: str, raw_redis: redis.Redis
) -> None:
    r.enqueue_ruby("Archive", nested(97), queue="file_serve")  # 99 deep in all
    proc = ruby_worker(redis_url, "file_serve", "0")
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    assert raw_redis.llen("contract:results") == 1
    # one level more (which Python refuses to enqueue): Ruby's worker loses it silently
    raw_redis.rpush("resque:queue:file_serve", b'{"class":"Archive","args":' + b"[" * 99 + b"]" * 99 + b"}")
    proc = ruby_worker(redis_url, "file_serve", "0")
    proc.communicate(timeout=60)
    assert raw_redis.llen("contract:results") == 1 and raw_redis.llen("resque:failed") == 0
    assert r.size("file_serve") == 0
