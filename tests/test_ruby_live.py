"""Live against Ruby Resque 3.0 (tests/support/ruby_peer.py finds it, here or in a container); skipped with the reason otherwise."""

from __future__ import annotations

import json
import os
import random
import signal
import struct
import time

import pytest
import redis

from resque_interop import Registry, Resque
from resque_interop.schema.codec import Codec

from .support.recordings import RUBY_ARGS
from .support.ruby_peer import needs_ruby, ruby, ruby_worker
from .support.waiting import wait_for
from .support.workers import HOST, WorkerProcess

pytestmark = needs_ruby


def _floats(n: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        kind = rng.random()
        if kind < 0.4:
            value = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
        elif kind < 0.7:
            value = rng.uniform(-1, 1) * 10 ** rng.randint(-30, 30)
        else:
            value = float(rng.randint(-(2**64), 2**64)) / 10 ** rng.randint(0, 5)
        if value == value and abs(value) != float("inf"):
            out.append(value)
    return out


def _strings(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    alphabet = "ab<>&/\\\"'\u2028\u2029\u0000\u001f\u007f\u00e9\u4e2d\U0001f600 "
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(n)]


#: (MultiJson adapter, what else the Ruby side loads, the dialect that must write the same bytes)
RUBY_SETUPS = [
    ("json_gem", {}, "json"), ("oj", {}, "oj"), ("json_gem", {"ACTIVESUPPORT": "1"}, "rails"),
    ("oj", {"ACTIVESUPPORT": "1"}, "oj"), ("json_gem", {"OJ_RAILS": "1"}, "rails_oj"), ("oj", {"OJ_RAILS": "1"}, "oj_rails"),
]


@pytest.mark.parametrize("adapter,loaded,dialect", RUBY_SETUPS)
def test_codec_matches_ruby_on_random_values(redis_url: str, adapter: str, loaded: dict[str, str],
                                             dialect: str) -> None:
    values: list[object] = [[f] for f in _floats(3000, 11)]
    values += [RUBY_ARGS, {"class": "Archive", "args": [{"é": "\u2028</script>", "n": -0.0}]}]
    strings = _strings(300, 12)
    values += [[s] for s in strings] + [{s: i} for i, s in enumerate(strings)]
    lines = "\n".join(json.dumps(v) for v in values) + "\n"
    ruby_out = ruby(redis_url, "encode", input=lines, parse=False, JSON_ADAPTER=adapter, **loaded)
    codec = Codec(dialect)  # type: ignore[arg-type]
    ours = [codec.encode(v).decode() for v in values]
    assert ours == ruby_out.split("\n")  # not splitlines: U+2028 is raw in the output


def test_ruby_reads_python_enqueued_jobs(r: Resque) -> None:
    r.enqueue_ruby("Archive", 44, "masterbrew", queue="file_serve")
    r.enqueue_ruby("Archive", *RUBY_ARGS, queue="file_serve")
    peeked = ruby(r.redis_id, "peek", "file_serve")
    assert peeked[0] == {"class": "Archive", "args": [44, "masterbrew"]}
    assert peeked[1]["args"] == json.loads(json.dumps(RUBY_ARGS))


def test_ruby_enqueues_python_works_and_the_reverse(r: Resque, raw_redis: redis.Redis) -> None:
    ruby(r.redis_id, "enqueue", "file_serve", "Archive", json.dumps([44, "masterbrew", 1.0e20]))
    with WorkerProcess(r.redis_id, "file_serve", "-i", "0") as worker:
        assert worker.proc.wait(30) == 0
    assert [json.loads(x) for x in raw_redis.lrange("contract:results", 0, -1)] == [[44, "masterbrew", 1.0e20]]
    raw_redis.delete("contract:results")
    r.enqueue_ruby("Archive", 45, "radio4", 2**70, queue="file_serve")
    proc = ruby_worker(r.redis_id, "file_serve", "0")
    assert proc.wait(60) == 0, proc.stdout.read() if proc.stdout else ""
    assert [json.loads(x) for x in raw_redis.lrange("contract:results", 0, -1)] == [[45, "radio4", 2**70]]


def test_ruby_sees_python_worker_job_and_failure(r: Resque, raw_redis: redis.Redis) -> None:
    with WorkerProcess(r.redis_id, "high,low", "-i", "0.05") as worker:
        worker_id = worker.worker_id()
        r.enqueue_ruby("Blocking", "go", queue="high")
        wait_for(lambda: raw_redis.get(f"resque:worker:{worker_id}"), what="working")
        seen = ruby(r.redis_id, "info")
        assert seen["workers"] == [worker_id] and seen["working"] == [worker_id]
        raw_redis.rpush("go", 1)
        r.enqueue_ruby("Failing", 1, "x", queue="low")
        wait_for(lambda: raw_redis.get("resque:stat:processed") == b"2", what="two processed")
        seen = ruby(r.redis_id, "info")
        assert seen["info"] == {"pending": 0, "processed": 2, "queues": 2, "workers": 1, "working": 0,
                                "failed": 1, "environment": "development"}
        assert seen["failures"][0]["worker"] == worker_id
        worker.stop()


@pytest.mark.parametrize("backend", ["redis", "redis_multi_queue"])
def test_python_failure_requeued_by_ruby_runs_in_ruby(backend: str, redis_url: str, raw_redis: redis.Redis) -> None:
    client = Resque(redis_url, registry=Registry(), failure_backend=backend)
    client.registry.register("Archive", lambda *a: (_ for _ in ()).throw(RuntimeError("python says no")),
                             queue="file_serve")
    client.enqueue("Archive", 7, "seven")
    from resque_interop.worker import Worker

    Worker(client, ["file_serve"], fork_per_job=False).work(0)
    assert client.failure.count() == 1
    list_name = "file_serve_failed" if backend == "redis_multi_queue" else None
    ruby(redis_url, "requeue", "0", *([list_name] if list_name else []), FAILURE_BACKEND=backend)
    record = client.failure.all(0, 1, list_name)[0]
    assert record.retried_at
    proc = ruby_worker(redis_url, "file_serve", "0", FAILURE_BACKEND=backend)
    assert proc.wait(60) == 0
    assert [json.loads(x) for x in raw_redis.lrange("contract:results", 0, -1)] == [[7, "seven"]]


@pytest.mark.parametrize("backend", ["redis", "redis_multi_queue"])
def test_ruby_failure_requeued_by_python_runs_in_python(backend: str, redis_url: str, raw_redis: redis.Redis) -> None:
    # a class only Python has: the Ruby worker fails it with NameError
    ruby(redis_url, "enqueue", "low", "PythonOnly", json.dumps([1, "x"]))
    proc = ruby_worker(redis_url, "low", "0", FAILURE_BACKEND=backend)
    assert proc.wait(60) == 0
    client = Resque(redis_url, registry=Registry(), failure_backend=backend)
    list_name = "low_failed" if backend == "redis_multi_queue" else None
    ruby_failure = client.failure.all(0, 1, list_name)[0]
    assert ruby_failure.exception == "NameError" and "PythonOnly" in ruby_failure.error
    raw = client.store.failed.failed_range(list_name or "failed", 0, 1)[0]
    client.failure.requeue(0, list_name, to_queue="file_serve")
    after = client.store.failed.failed_range(list_name or "failed", 0, 1)[0]
    # everything Ruby wrote is kept byte for byte; retried_at is appended
    assert after.startswith(raw[:-1] + b',"retried_at":"')
    with WorkerProcess(redis_url, "file_serve", "-i", "0") as worker:
        assert worker.proc.wait(30) == 0
    assert [json.loads(x) for x in raw_redis.lrange("contract:results", 0, -1)] == [[1, "x"]]


def test_ruby_and_python_workers_side_by_side_never_prune_each_other(redis_url: str, raw_redis: redis.Redis) -> None:
    env = {"HEARTBEAT_INTERVAL": "1", "PRUNE_INTERVAL": "3"}
    procs = [ruby_worker(redis_url, "high,low", "0.1", **env) for _ in range(2)]
    pythons = [WorkerProcess(redis_url, "high,low", "-i", "0.1", "--heartbeat-interval", "1",
                             "--prune-interval", "3") for _ in range(2)]
    try:
        ids = {w.worker_id() for w in pythons}
        wait_for(lambda: len(raw_redis.smembers("resque:workers")) == 4, what="four workers")
        everyone = {m.decode() for m in raw_redis.smembers("resque:workers")}
        # restart one of each so that startup pruning runs while the others live
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            raw_redis.delete("resque:pruning_dead_workers_in_progress")
            extra = ruby_worker(redis_url, "high,low", "0", **env)
            extra.wait(30)
            py = WorkerProcess(redis_url, "high,low", "-i", "0")
            py.proc.wait(30)
            assert everyone <= {m.decode() for m in raw_redis.smembers("resque:workers")}
            time.sleep(0.5)  # restarts spread over the 8 s, so pruning runs at many moments
        assert ids <= {m.decode() for m in raw_redis.smembers("resque:workers")}
    finally:
        for w in pythons:
            w.stop()
        for p in procs:
            p.send_signal(signal.SIGQUIT)
            p.wait(30)


def test_ruby_prunes_a_killed_python_worker_and_requeues_its_job(r: Resque, redis_url: str, raw_redis: redis.Redis) -> None:
    with WorkerProcess(redis_url, "high", "-i", "0.05") as worker:
        worker_id = worker.worker_id()
        r.enqueue_ruby("Archive", 99, queue="high")
        raw_redis.rpush("resque:queue:high", b'{"class":"Blocking","args":["never"]}')
        wait_for(lambda: b"Blocking" in (raw_redis.get(f"resque:worker:{worker_id}") or b""), what="working")
        children = worker.children()
        worker.kill()
        for child in children:
            os.kill(child, signal.SIGKILL)
    raw_redis.delete("resque:pruning_dead_workers_in_progress")
    ruby(redis_url, "prune", "high")
    assert not raw_redis.sismember("resque:workers", worker_id)
    record = r.failure.all(0, 1)[0]
    assert record.exception == "Resque::DirtyExit" and record.worker == worker_id
    raw_redis.delete("contract:results")
    ruby(redis_url, "requeue", "0")
    assert r.peek("high") == {"class": "Blocking", "args": ["never"]}
    assert HOST in worker_id
