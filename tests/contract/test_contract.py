"""The interop contract, as scenarios played in both directions against every
peer available: Python writes and the peer reads, the peer writes and Python reads."""

from __future__ import annotations

import json
import os
import signal
import time
from typing import Any

import pytest
import redis

from resque_interop import Registry, Resque
from resque_interop.schema import timefmt
from resque_interop.schema.activejob import Symbol
from resque_interop.worker import Worker

from ..support.keyspace import dump, load, normalize, step
from ..support.recordings import RUBY_ARGS
from ..support.ruby_peer import ruby, ruby_worker
from ..support.waiting import wait_for
from ..support.workers import HOST, WorkerProcess
from .peers import PEERS, node, peer_enqueue, peer_retry, peer_work

SCENARIOS = ["payloads", "fail", "retry", "dirty-exit", "pause", "namespaces", "activejob"]
DIRECTIONS = ["python-writes", "peer-writes"]
# what every live peer can carry: JS numbers stop at 2**53, so no big integers here
PORTABLE_ARGS = [44, "masterbrew", -5, 0, 1.5, 0.1, "é😀中", "/<script>&'\"", "\u2028", "\u0001\t\n\\", "",
                 None, True, False, [], {"a": {"b": [1, "x"]}}]


def results(raw_redis: redis.Redis) -> list[Any]:
    return [json.loads(x) for x in raw_redis.lrange("contract:results", 0, -1)]


def python_drain(redis_url: str, queues: str, namespace: str = "resque") -> None:
    with WorkerProcess(redis_url, queues, "-i", "0", namespace=namespace) as worker:
        assert worker.proc.wait(60) == 0, worker.output()


@pytest.mark.parametrize("direction", DIRECTIONS)
@pytest.mark.parametrize("peer", [p.name for p in PEERS])
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_contract(scenario: str, peer: str, direction: str, redis_url: str, raw_redis: redis.Redis) -> None:
    info = next(p for p in PEERS if p.name == peer)
    reason = info.reason(scenario)
    if reason:
        pytest.skip(f"{peer}: {reason}")
    play = globals()[f"_{scenario.replace('-', '_')}"]
    play(peer, direction, redis_url, raw_redis, Resque(redis_url, registry=Registry()))


# -- scenarios -----------------------------------------------------------------
def _payloads(peer: str, direction: str, url: str, raw: redis.Redis, client: Resque) -> None:
    if peer == "recorded-ruby":
        recorded = load("enqueue_payloads.json")["steps"][3]["keyspace"]["resque:queue:file_serve"]["value"][-1]
        if direction == "python-writes":
            client.enqueue_ruby("Archive", *RUBY_ARGS, queue="file_serve")
            assert raw.lindex("resque:queue:file_serve", 0).decode() == recorded
        else:
            raw.rpush("resque:queue:file_serve", recorded)
            raw.sadd("resque:queues", "file_serve")
            python_drain(url, "file_serve")
            assert results(raw) == [json.loads(json.dumps(RUBY_ARGS))]
        return
    if direction == "python-writes":
        client.enqueue_ruby("Archive", *PORTABLE_ARGS, queue="file_serve")
        peer_work(peer, url, "file_serve", 1)
    else:
        peer_enqueue(peer, url, "file_serve", "Archive", PORTABLE_ARGS)
        python_drain(url, "file_serve")
    assert results(raw) == [PORTABLE_ARGS]


def _fail(peer: str, direction: str, url: str, raw: redis.Redis, client: Resque) -> None:
    if peer == "recorded-ruby":
        rec = load("worker_lifecycle.json")
        entry = step(rec, "job failed")["keyspace"]["resque:failed"]["value"][0]
        if direction == "python-writes":
            client.enqueue_ruby("Failing", 1, "x", queue="low")
            with WorkerProcess(url, "high,low", "-i", "0") as worker:
                assert worker.proc.wait(60) == 0  # drains and leaves: no time to watch it register
                worker_id = f"{worker.id_prefix}high,low"
            ours = normalize({"resque:failed": {"type": "list", "ttl": -1, "value": [raw.lindex("resque:failed", 0).decode()]}},
                             {worker_id.rsplit(":", 1)[0]: "<W>"})
            theirs = normalize({"resque:failed": {"type": "list", "ttl": -1, "value": [entry]}}, {"vm:1160": "<W>"})
            assert ours == theirs
        else:
            raw.rpush("resque:failed", entry)
            record = client.failure.all(0, 1)[0]
            assert (record.class_name, record.args, record.exception, record.error) == ("Failing", [1, "x"], "ArgumentError", "boom <b>")
            assert record.backtrace == ["record.rb:54:in `perform'"] and record.worker == "vm:1160:high,low"
        return
    if direction == "python-writes":
        client.enqueue_ruby("Failing", 1, "x", queue="low")
        python_drain(url, "low")
        if peer == "node-resque":
            (failure,) = json.loads(node(url, "failed"))
        else:
            (failure,) = ruby(url, "info")["failures"]
        assert failure["payload"] == {"class": "Failing", "args": [1, "x"]}
        assert failure["exception"] == "tests.jobs.ArgumentError" and failure["error"] == "boom <b>"
        assert failure["queue"] == "low" and failure["worker"].startswith(HOST)
    else:
        peer_enqueue(peer, url, "low", "Failing", [1, "x"])
        peer_work(peer, url, "low", 1)
        record = client.failure.all(0, 1)[0]
        assert record.problem is None and record.class_name == "Failing" and record.args == [1, "x"]
        assert record.queue == "low" and record.error.startswith("boom") and record.backtrace
        assert record.exception in ("Error", "ArgumentError") and record.failed_at and record.worker


def _retry(peer: str, direction: str, url: str, raw: redis.Redis, client: Resque) -> None:
    from resque_interop.failure import FailureInfo

    if peer == "recorded-ruby":
        rec = load("failure_api.json")
        setup = step(rec, "setup two failures")["keyspace"]["resque:failed"]["value"]
        raw.rpush("resque:failed", *setup)
        client.failure.requeue(0)
        after = normalize(dump(raw), {})
        assert after == normalize(step(rec, "requeue index 0")["keyspace"], {})
        if direction == "peer-writes":
            python_drain(url, "low")  # the retried Ruby failure runs in Python (and fails again there)
            assert client.stats.get("processed") == 1
        return
    if direction == "python-writes":
        client.save_failure(FailureInfo({"class": "Archive", "args": [7, "seven"]}, "RuntimeError", "boom", ["a:1:in 'b'"],
                                        f"{HOST}:1:file_serve", "file_serve"))
        peer_retry(peer, url, 0)
        peer_work(peer, url, "file_serve", 1)
    else:
        peer_enqueue(peer, url, "file_serve", "Failing", [7, "seven"])  # Failing lives on low for the peers
        raw.rename("resque:queue:file_serve", "resque:queue:low")
        raw.sadd("resque:queues", "low")
        peer_work(peer, url, "low", 1)
        client.failure.requeue(0, to_queue="file_serve")
        raw.lset("resque:queue:file_serve", 0, b'{"class":"Archive","args":[7,"seven"]}')
        python_drain(url, "file_serve")
    assert results(raw) == [[7, "seven"]]


def _dirty_exit(peer: str, direction: str, url: str, raw: redis.Redis, client: Resque) -> None:
    if direction == "python-writes":
        with WorkerProcess(url, "high", "-i", "0.05") as worker:
            worker_id = worker.worker_id()
            client.enqueue_ruby("Blocking", "never", queue="high")
            wait_for(lambda: raw.get(f"resque:worker:{worker_id}"), what="working")
            children = worker.children()
            worker.kill()
            for child in children:
                os.kill(child, signal.SIGKILL)
        raw.hset("resque:workers:heartbeat", worker_id, timefmt.heartbeat_at(time.time() - 3600))
        raw.delete("resque:pruning_dead_workers_in_progress")
        if peer == "recorded-ruby":
            Worker(client, ["high"]).prune_dead_workers()
        else:
            ruby(url, "prune", "high")
        record = client.failure.all(0, 1)[0]
        assert record.exception == "Resque::PruneDeadWorkerDirtyExit"
        assert record.error == f"Worker {worker_id} did not gracefully exit while processing Blocking"
        assert not raw.sismember("resque:workers", worker_id)
        return
    if peer == "recorded-ruby":
        rec = load("dirty_exit_prune.json")
        for key, entry in step(rec, "age the heartbeat")["keyspace"].items():
            if key.endswith("pruning_dead_workers_in_progress"):
                continue
            value = entry["value"]
            {"set": lambda: raw.sadd(key, *value), "hash": lambda: raw.hset(key, mapping=value),
             "string": lambda: raw.set(key, value), "list": lambda: raw.rpush(key, *value)}[entry["type"]]()
        Worker(client, ["high"]).prune_dead_workers()
        pruner = raw.get("resque:pruning_dead_workers_in_progress").decode()
        expected = normalize(step(rec, "prune")["keyspace"], {"vm:1158:high": "<P>"})
        assert normalize(dump(raw), {pruner: "<P>"}) == expected
        return
    proc = ruby_worker(url, "high", "0.05")
    ruby_id = wait_for(lambda: [m.decode() for m in raw.smembers("resque:workers")], what="ruby worker")[0]
    client.enqueue_ruby("Blocking", "never", queue="high")
    wait_for(lambda: raw.get(f"resque:worker:{ruby_id}"), what="ruby working")
    for pid in [proc.pid, *_children(proc.pid)]:
        os.kill(pid, signal.SIGKILL)
    proc.wait(10)
    raw.delete("resque:pruning_dead_workers_in_progress")
    Worker(client, ["high"]).prune_dead_workers()  # same host, dead pid: Ruby's rule 3
    record = client.failure.all(0, 1)[0]
    assert record.exception == "Resque::DirtyExit" and record.error == "Job still being processed"
    assert record.payload == {"class": "Blocking", "args": ["never"]} and record.worker == ruby_id


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(p) for p in fh.read().split()]
    except OSError:
        return []


def _pause(peer: str, direction: str, url: str, raw: redis.Redis, client: Resque) -> None:
    if peer == "recorded-ruby":
        values = step(load("pause.json"), "values that pause")["result"]
        for value, paused in values.items():
            if direction == "python-writes":
                client.pause_all()
                assert dump(raw) == step(load("pause.json"), "pause")["keyspace"]
                break
            raw.set("resque:pause-all-workers", value)
            assert client.paused() is paused
        return
    client.enqueue_ruby("Archive", 1, queue="file_serve")
    if direction == "python-writes":
        client.pause_all()
        peer_work(peer, url, "file_serve", 0)  # a Ruby worker with INTERVAL 0 finds itself paused and leaves
    else:
        ruby(url, "pause")
        python_drain(url, "file_serve")
    assert client.size("file_serve") == 1 and results(raw) == []


def _namespaces(peer: str, direction: str, url: str, raw: redis.Redis, client: Resque) -> None:
    ns = "resque:GitHub"
    scoped = Resque(url, namespace=ns, registry=Registry())
    if peer == "recorded-ruby":
        rec = load("namespace.json")
        if direction == "python-writes":
            scoped.enqueue_ruby("Blocking", "go", queue="high")
            assert raw.smembers("resque:GitHub:queues") == {b"high"} and raw.llen("resque:GitHub:queue:high") == 1
        else:
            keys = set(step(rec, "job failed")["keyspace"])
            assert all(k.startswith("resque:GitHub:") for k in keys)
            raw.rpush("resque:GitHub:failed", *step(rec, "job failed")["keyspace"]["resque:GitHub:failed"]["value"])
            assert scoped.failure.all(0, 1)[0].worker == "vm:1176:high,low" and client.failure.count() == 0
        return
    if direction == "python-writes":
        scoped.enqueue_ruby("Archive", 9, queue="file_serve")
        peer_work(peer, url, "file_serve", 1, namespace=ns)
    else:
        peer_enqueue(peer, url, "file_serve", "Archive", [9], namespace=ns)
        python_drain(url, "file_serve", namespace=ns)
    assert results(raw) == [[9]] and not raw.exists("resque:queues")


def _activejob(peer: str, direction: str, url: str, raw: redis.Redis, client: Resque) -> None:
    from datetime import datetime, timezone

    if peer == "recorded-ruby":
        recorded = json.loads(load("activejob.json")["keyspace"]["resque:queue:file_serve"][1])
        if direction == "python-writes":
            client.enqueue_activejob("ArchiveJob", 44, {"str": 1, Symbol("sym"): Symbol("val")},
                                     datetime(2026, 11, 28, 12, tzinfo=timezone.utc), Symbol("a_symbol"), 1.5, None,
                                     queue="file_serve", kwargs={"flag": True})
            mine = json.loads(raw.lindex("resque:queue:file_serve", 0))["args"][0]
            theirs = recorded["args"][0]
            for field in ("job_id", "enqueued_at"):
                mine.pop(field), theirs.pop(field)
            assert mine == theirs
        else:
            seen: list[Any] = []
            client.registry.register("ArchiveJob", lambda *a, **k: seen.append((a, k)), queue="file_serve")
            client.push("file_serve", recorded)
            Worker(client, ["file_serve"], fork_per_job=False).work(0)
            assert seen[0][1] == {"flag": True} and seen[0][0][3] == "a_symbol"
        return
    if direction == "python-writes":
        client.enqueue_activejob("ArchiveJob", 44, "masterbrew", queue="file_serve", kwargs={"flag": True})
        proc = ruby_worker(url, "file_serve", "0", WITH_ACTIVEJOB="1")
        assert proc.wait(60) == 0
        assert results(raw) == [[44, "masterbrew", {"flag": True}]]
    else:
        ruby(url, "aj_enqueue", json.dumps([44, "masterbrew"]), WITH_ACTIVEJOB="1")
        seen2: list[Any] = []
        client.registry.register("ArchiveJob", lambda *a, **k: seen2.append((a, k)), queue="file_serve")
        Worker(client, ["file_serve"], fork_per_job=False).work(0)
        assert seen2 == [((44, "masterbrew"), {})]
