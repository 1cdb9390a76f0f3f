"""Live against node-resque 9.7.1 (installed by scripts/test from npm)."""

from __future__ import annotations

import json
import subprocess
import time

import redis

from resque_interop import Registry, Resque

from .support.node_peer import NODE_DIR, needs_node, node
from .support.waiting import wait_for
from .support.workers import WorkerProcess

pytestmark = needs_node


def results(raw_redis: redis.Redis) -> list[list[object]]:
    return [json.loads(x) for x in raw_redis.lrange("contract:results", 0, -1)]


def test_node_enqueues_python_works(redis_url: str, raw_redis: redis.Redis) -> None:
    node(redis_url, "enqueue", "file_serve", "Archive", json.dumps([44, "masterbrew", 1.5, {"a": [None]}]))
    assert raw_redis.lrange("resque:queue:file_serve", 0, -1) == [
        b'{"class":"Archive","queue":"file_serve","args":[44,"masterbrew",1.5,{"a":[null]}]}'
    ]
    with WorkerProcess(redis_url, "file_serve", "-i", "0") as worker:
        assert worker.proc.wait(30) == 0
    assert results(raw_redis) == [[44, "masterbrew", 1.5, {"a": [None]}]]
    assert raw_redis.get("resque:stat:processed") == b"1"


def test_python_enqueues_node_works(r: Resque, redis_url: str, raw_redis: redis.Redis) -> None:
    r.enqueue_ruby("Archive", 44, "masterbrew", queue="file_serve")
    r.enqueue_ruby("Archive", 45, 2.5, queue="file_serve")
    out = node(redis_url, "work", "file_serve", "2", "20000")
    assert "worker done 2" in out
    assert results(raw_redis) == [[44, "masterbrew"], [45, 2.5]]
    assert r.stats.get("processed") == 2


def test_failures_from_node_and_python_read_alike(r: Resque, redis_url: str, raw_redis: redis.Redis) -> None:
    r.enqueue_ruby("Failing", 1, "x", queue="low")
    node(redis_url, "work", "low", "1", "20000")
    r.enqueue_ruby("Failing", 2, "y", queue="low")
    with WorkerProcess(redis_url, "low", "-i", "0") as worker:
        assert worker.proc.wait(30) == 0
    node_failure, py_failure = r.failure.all(0, 2)
    for record, args in ((node_failure, [1, "x"]), (py_failure, [2, "y"])):
        assert record.problem is None
        assert record.class_name == "Failing" and record.args == args
        assert record.queue == "low" and record.error.startswith("boom")
        assert record.backtrace and all(isinstance(line, str) for line in record.backtrace)
        assert record.failed_at and record.worker
    assert node_failure.exception == "Error" and py_failure.exception == "tests.jobs.ArgumentError"
    # a node failure is retried from Python and run by a Python worker
    r.failure.requeue(0)
    assert raw_redis.lrange("resque:queue:low", 0, -1) == [b'{"class":"Failing","args":[1,"x"]}']


def test_node_worker_shows_in_python_listing(r: Resque, redis_url: str, raw_redis: redis.Redis) -> None:
    proc = subprocess.Popen(["node", "peer.js", "work", "idle_q", "1", "3000"], cwd=NODE_DIR,
                            env={"PATH": "/usr/bin:/bin:/usr/local/bin", "REDIS_URL": redis_url},
                            stdout=subprocess.PIPE)
    try:
        # node-resque adds itself to `workers` before it writes `started`: wait for both
        workers = wait_for(lambda: [w for w in r.workers() if w.started], what="node worker registered")
        assert workers[0].queues == ["idle_q"] and workers[0].dialect == "node"
        assert workers[0].as_dict()["started_iso"]
    finally:
        proc.wait(30)


def test_python_worker_runs_node_payload_and_rewrites_it_in_rubys_dialect(redis_url: str, raw_redis: redis.Redis) -> None:
    node(redis_url, "enqueue", "high", "Blocking", json.dumps(["go"]))
    with WorkerProcess(redis_url, "high", "-i", "0.05") as worker:
        worker_id = worker.worker_id()
        working = wait_for(lambda: raw_redis.get(f"resque:worker:{worker_id}"), what="working")
        # Ruby would write the payload back with the fields node-resque gave, in its own encoding
        assert json.loads(working)["payload"] == {"class": "Blocking", "queue": "high", "args": ["go"]}
        raw_redis.rpush("go", 1)
        wait_for(lambda: raw_redis.get("resque:stat:processed") == b"1", what="done")
        worker.stop()


def test_namespaces_agree_with_node(redis_url: str, raw_redis: redis.Redis) -> None:
    node(redis_url, "enqueue", "ns_q", "Archive", "[1]", namespace="resque:sub")
    client = Resque(redis_url, namespace="resque:sub", registry=Registry())
    assert client.queues() == ["ns_q"]
    assert client.peek("ns_q") == {"class": "Archive", "queue": "ns_q", "args": [1]}


def test_delayed_jobs_cross_with_node_resque(r: Resque, redis_url: str, raw_redis: redis.Redis) -> None:
    # node-resque keeps resque-scheduler's delayed keys (its own field order): each
    # side's scheduler moves what the other delayed, and a Python worker runs both
    due_ms = int((time.time() - 30) * 1000)
    node(redis_url, "enqueue_at", "file_serve", "Archive", json.dumps([1, 1.5]), str(due_ms))
    node(redis_url, "enqueue_at", "file_serve", "Archive", json.dumps([9]), str(due_ms + 10**12))  # far off
    assert r.delayed.count_all() == 2 and r.delayed.schedule_size() == 2
    assert r.delayed.timestamp_peek(round(due_ms / 1000)) == [{"class": "Archive", "queue": "file_serve", "args": [1, 1.5]}]
    assert r.delayed.enqueue_due() == 1
    assert raw_redis.lrange("resque:queue:file_serve", 0, -1) == [b'{"class":"Archive","args":[1,1.5]}']
    r.delayed.delayed_push(time.time() - 30, {"class": "Archive", "args": [2, "late"], "queue": "file_serve"})
    node(redis_url, "schedule")
    assert raw_redis.lrange("resque:queue:file_serve", 1, -1) == [b'{"class":"Archive","queue":"file_serve","args":[2,"late"]}']
    assert r.delayed.count_all() == 1 and not raw_redis.keys("resque:timestamps:*late*")
    with WorkerProcess(redis_url, "file_serve", "-i", "0") as worker:
        assert worker.proc.wait(30) == 0
    assert results(raw_redis) == [[1, 1.5], [2, "late"]]
