"""Delayed jobs in resque-scheduler's schema: scheduler.json step by step, and
what the recording does not show (removal across timestamps, bad items, the lock)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone

import pytest
import redis
from click.testing import CliRunner

from resque_interop import Registry, Resque
from resque_interop.cli import main
from resque_interop.scheduler.recurring import Recurring
from resque_interop.scheduler.scheduler import MasterLock, Scheduler, lock_hostname
from resque_interop.store.delayed_store import OTHER_MASTER

from .support.keyspace import dump, load, step
from .support.ruby_peer import needs_scheduler, scheduler
from .support.waiting import wait_for
from .support.workers import ROOT

T = datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
LOCK = "resque:resque:resque_scheduler_master_lock"


@pytest.fixture
def r(r: Resque) -> Resque:
    """conftest's client, with the jobs this module enqueues registered."""
    r.registry.register("Archive", lambda *a: None, queue="file_serve")
    return r


def _as_recorded(keyspace: dict, due: int | None, recorded_due: str) -> dict:
    """Our keyspace with our due timestamp written as the recording's, and the
    master lock's host:pid checked for its format, then written as Ruby's."""
    text = json.dumps(keyspace)
    if due is not None:
        text = text.replace(str(due), recorded_due)
    out = json.loads(text)
    if LOCK in out:
        assert re.fullmatch(r"[^:\s]+:\d+", out[LOCK]["value"]), out[LOCK]
        assert 0 < out[LOCK]["ttl"] <= 180
        out[LOCK]["value"], out[LOCK]["ttl"] = "localhost:1230", 180
    return out


def test_scheduler_recording_step_by_step(r: Resque, raw_redis: redis.Redis) -> None:
    rec = load("scheduler.json")
    recorded_due = "1795909295"  # Time.now - 10 when it was recorded

    def same(name: str, due: int | None = None) -> None:
        assert _as_recorded(dump(raw_redis), due, recorded_due) == step(rec, name)["keyspace"], name

    assert r.delayed.enqueue_at(T, "Archive", 44, "masterbrew") is True
    same("enqueue_at")
    assert r.delayed.enqueue_at(T, "Archive", 45) is True
    same("same time, other args")
    assert r.delayed.enqueue_at_with_queue("other", T.timestamp() + 60, "Archive", 1) is True
    same("enqueue_at_with_queue")
    assert [r.delayed.schedule_size(), r.delayed.count_all()] == step(rec, "delayed_queue_schedule_size / count")["result"]
    assert r.delayed.remove_delayed("Archive", 45) == step(rec, "remove_delayed")["result"] == 1
    same("remove_delayed")
    assert r.delayed.enqueue_at(time.time() - 10, "Archive", "due") is True
    same("enqueue_at in the past goes straight to the queue")
    due = int(time.time() - 10)
    r.delayed.delayed_push(due, {"class": "Archive", "args": ["late"], "queue": "file_serve"})
    same("a delayed item that has come due", due)
    assert Scheduler(r).tick() == 1
    assert not raw_redis.exists(LOCK)  # no recurring schedules: the lock is never taken
    assert MasterLock(r).acquire()  # as Ruby's master, which recorded this step
    same("scheduler moves due items", due)
    r.schedules.set("nightly", {"cron": "0 3 * * *", "class": "Archive", "queue": "file_serve", "args": [1],
                                "persist": True})
    same("recurring schedule", due)
    assert MasterLock(r).acquire() is step(rec, "master lock")["result"] is True


def test_finding_and_removing_across_timestamps(r: Resque, raw_redis: redis.Redis) -> None:
    later = T.timestamp() + 3600
    r.delayed.enqueue_at(T, "Archive", 7)
    r.delayed.enqueue_at(later, "Archive", 7)
    r.delayed.enqueue_at(later, "Archive", 8)
    assert r.delayed.scheduled_at("Archive", 7) == [int(T.timestamp()), int(later)]
    assert r.delayed.is_delayed("Archive", 8) and not r.delayed.is_delayed("Archive", 9)
    assert r.delayed.peek(0, 5) == [int(T.timestamp()), int(later)]
    assert r.delayed.timestamp_size(later) == 2
    assert r.delayed.timestamp_peek(later, 0, 2) == [
        {"class": "Archive", "args": [7], "queue": "file_serve"},
        {"class": "Archive", "args": [8], "queue": "file_serve"},
    ]
    # the queue is part of the match, as in Ruby
    assert r.delayed.remove_delayed("Archive", 7, queue="other") == 0
    assert r.delayed.remove_delayed("Archive", 7) == 2
    assert r.delayed.count_all() == 1 and r.delayed.scheduled_at("Archive", 7) == []
    assert not raw_redis.exists('resque:timestamps:{"class":"Archive","args":[7],"queue":"file_serve"}')


def test_due_jobs_move_in_order_in_batches(r: Resque, raw_redis: redis.Redis) -> None:
    due = int(time.time()) - 5
    for i in range(250):
        r.delayed.delayed_push(due, {"class": "Archive", "args": [i], "queue": "file_serve"})
    r.delayed.enqueue_at(T, "Archive", "later")
    assert r.delayed.enqueue_due(batch=100) == 250
    assert [json.loads(x)["args"][0] for x in raw_redis.lrange("resque:queue:file_serve", 0, -1)] == list(range(250))
    assert raw_redis.lindex("resque:queue:file_serve", 0) == b'{"class":"Archive","args":[0]}'
    assert r.delayed.peek(0, 5) == [int(T.timestamp())]  # the emptied timestamp is gone
    assert not raw_redis.exists(f"resque:delayed:{due}")
    assert not raw_redis.keys("resque:timestamps:*[[]0]*")
    assert r.delayed.enqueue_due() == 0


def test_due_items_that_cannot_be_queued_become_failures(r: Resque, raw_redis: redis.Redis) -> None:
    due = int(time.time()) - 5
    raw_redis.rpush(f"resque:delayed:{due}", b"{not json")
    raw_redis.zadd("resque:delayed_queue_schedule", {str(due): due})
    r.delayed.delayed_push(due, {"class": "Unregistered", "args": [1]})  # no queue: Ruby logs and drops it
    r.delayed.delayed_push(due, {"class": "Archive", "args": {"a": 1}})  # a hash is one argument
    assert r.delayed.enqueue_due() == 3
    assert raw_redis.lrange("resque:queue:file_serve", 0, -1) == [b'{"class":"Archive","args":[{"a":1}]}']
    bad, unqueued = r.failure.all(0, 2)
    assert bad.payload == "{not json" and bad.exception.endswith("DecodeError")
    assert unqueued.exception.endswith("NoQueueError") and "Unregistered" in unqueued.error
    assert unqueued.payload == {"class": "Unregistered", "args": [1]}
    assert r.delayed.schedule_size() == 0


def test_delayed_jobs_are_left_to_another_master_and_moved_when_nobody_holds_the_lock(
        r: Resque, raw_redis: redis.Redis) -> None:
    due = int(time.time()) - 5
    r.delayed.delayed_push(due, {"class": "Archive", "args": [1], "queue": "file_serve"})
    raw_redis.set(LOCK, "rubyhost:4242", ex=180)  # a Ruby scheduler is master: it moves them
    ours = Scheduler(r)
    assert ours.tick() == 0 and r.delayed.count_all() == 1 and ours.role().startswith("delayed-jobs mover")
    assert r.delayed.enqueue_due() == 0 and r.delayed.enqueue_timestamp(due) == 0  # nor by hand while it is due
    assert raw_redis.get(LOCK) == b"rubyhost:4242" and raw_redis.ttl(LOCK) > 170  # untouched
    raw_redis.delete(LOCK)  # no master: this scheduler moves them, and never takes the lock for it
    assert ours.tick() == 1 and r.delayed.count_all() == 0
    assert not raw_redis.exists(LOCK)


def test_a_python_master_moves_delayed_jobs_under_its_own_lock(r: Resque, raw_redis: redis.Redis) -> None:
    r.schedules.load({"hourly": {"cron": "0 * * * *", "class": "Archive", "args": [0]}})
    ours = Scheduler(r, recurring=Recurring(r))
    ours.start()
    assert ours.master and raw_redis.get(LOCK) == ours.lock.value.encode()
    r.delayed.delayed_push(int(time.time()) - 5, {"class": "Archive", "args": [1], "queue": "file_serve"})
    assert Scheduler(r).tick() == 0  # a second scheduler leaves them to the master
    assert ours.tick() == 1 and raw_redis.llen("resque:queue:file_serve") == 1


def test_a_batch_never_commits_once_another_scheduler_took_the_lock(r: Resque, raw_redis: redis.Redis) -> None:
    due = int(time.time()) - 5
    for i in range(3):
        r.delayed.delayed_push(due, {"class": "Archive", "args": [i], "queue": "file_serve"})
    lock_key, taken_meanwhile = r.keys.scheduler_master_lock(), []

    def route_while_ruby_takes_the_lock(item: bytes, pipe: object) -> None:
        if not taken_meanwhile:  # between our WATCH and EXEC, a Ruby scheduler becomes master
            taken_meanwhile.append(raw_redis.set(LOCK, "rubyhost:4242", nx=True, ex=180))
        r.delayed._route(item, pipe)  # type: ignore[arg-type]

    assert r.store.delayed.move_batch(due, 100, route_while_ruby_takes_the_lock, lock_key, "") == -1
    assert taken_meanwhile == [True] and raw_redis.llen(f"resque:delayed:{due}") == 3
    assert r.store.delayed.move_batch(due, 100, r.delayed._route, lock_key, "") == OTHER_MASTER
    assert raw_redis.llen(f"resque:delayed:{due}") == 3 and raw_redis.llen("resque:queue:file_serve") == 0


def test_master_lock_is_taken_kept_extended_and_released(r: Resque, raw_redis: redis.Redis) -> None:
    raw_redis.set(LOCK, "rubyhost:4242", ex=180)
    ours = MasterLock(r)
    assert not ours.acquire() and raw_redis.get(LOCK) == b"rubyhost:4242"
    raw_redis.delete(LOCK)  # its lock expired
    assert ours.acquire()
    assert raw_redis.get(LOCK) == f"{lock_hostname()}:{os.getpid()}".encode()
    raw_redis.expire(LOCK, 5)
    assert ours.acquire() and raw_redis.ttl(LOCK) > 5  # kept, and extended
    assert MasterLock(r).release()  # ours (this host and pid) to give up
    assert not raw_redis.exists(LOCK)


def test_lock_prefix_and_namespace(redis_url: str, raw_redis: redis.Redis) -> None:
    client = Resque(redis_url, namespace="resque:GitHub", registry=Registry())
    assert MasterLock(client, prefix="app").acquire()
    assert raw_redis.exists("resque:GitHub:resque:GitHub:app:resque_scheduler_master_lock")


def test_cli_delays_lists_and_moves(redis_url: str, raw_redis: redis.Redis) -> None:
    env = {"REDIS_URL": redis_url}
    runner = CliRunner()
    out = runner.invoke(main, ["enqueue", "--ruby", "Archive", "[1]", "-q", "file_serve", "--at", "2030-01-02T03:04:05Z"], env=env)
    assert out.exit_code == 0 and "(epoch 1893553445)" in out.output
    assert raw_redis.lrange("resque:delayed:1893553445", 0, -1) == [b'{"class":"Archive","args":[1],"queue":"file_serve"}']
    out = runner.invoke(main, ["enqueue", "--ruby", "Archive", "[2]", "-q", "file_serve", "--in", "-30"], env=env)
    assert out.exit_code == 0
    assert raw_redis.lrange("resque:queue:file_serve", 0, -1) == [b'{"class":"Archive","args":[2]}']  # not in the future: now
    out = runner.invoke(main, ["enqueue", "--ruby", "Archive", "[3]", "-q", "file_serve", "--at", "soon"], env=env)
    assert out.exit_code != 0 and "neither epoch seconds nor an ISO-8601 time" in out.output
    out = runner.invoke(main, ["delayed"], env={**env, "COLUMNS": "120"})
    assert out.exit_code == 0 and "1893553445" in out.output and "2030-01-02T03:04:05+00:00" in out.output
    raw_redis.rpush("resque:delayed:100", b'{"class":"Archive","args":[4],"queue":"file_serve"}')
    raw_redis.zadd("resque:delayed_queue_schedule", {"100": 100})
    out = runner.invoke(main, ["scheduler", "--once"], env=env)
    assert out.exit_code == 0 and "moved 1 due job;" in out.output
    assert raw_redis.lindex("resque:queue:file_serve", -1) == b'{"class":"Archive","args":[4]}'
    assert not raw_redis.exists(LOCK)  # released on the way out


@needs_scheduler
def test_live_resque_scheduler_reads_moves_and_removes_python_delays(r: Resque, raw_redis: redis.Redis) -> None:
    due = int(time.time()) - 10
    r.delayed.enqueue_at(T, "Archive", 44, "masterbrew")
    r.delayed.delayed_push(due, {"class": "Archive", "args": ["late"], "queue": "file_serve"})
    assert scheduler(r.redis_id, "count") == [2, 2]
    assert scheduler(r.redis_id, "scheduled_at", '[44, "masterbrew"]') == [int(T.timestamp())]
    scheduler(r.redis_id, "handle")  # Ruby's scheduler moves the due one
    assert raw_redis.lrange("resque:queue:file_serve", 0, -1) == [b'{"class":"Archive","args":["late"]}']
    assert scheduler(r.redis_id, "remove", '[44, "masterbrew"]') == 1
    assert r.delayed.count_all() == 0


@needs_scheduler
def test_live_python_moves_and_removes_resque_scheduler_delays(r: Resque, raw_redis: redis.Redis) -> None:
    due = int(time.time()) - 10
    assert scheduler(r.redis_id, "enqueue_at", str(int(T.timestamp())), '[1.5, {"a": [null]}]') is True
    assert scheduler(r.redis_id, "delayed_push", str(due), '{"class":"Archive","args":[2e20],"queue":"file_serve"}')
    before = dump(raw_redis)
    r.delayed.enqueue_at(T, "Archive", 1.5, {"a": [None]})  # the same bytes as Ruby's: nothing new
    r.delayed.remove_delayed("Archive", 1.5, {"a": [None]})
    r.delayed.enqueue_at(T, "Archive", 1.5, {"a": [None]})
    assert dump(raw_redis) == before
    assert r.delayed.enqueue_due() == 1
    assert raw_redis.lrange("resque:queue:file_serve", 0, -1) == [b'{"class":"Archive","args":[2.0e+20]}']
    assert r.delayed.remove_delayed("Archive", 1.5, {"a": [None]}) == 1
    # as Ruby's remove_delayed: the emptied timestamp stays until a scheduler reaches it
    assert scheduler(r.redis_id, "count") == [1, 0]


@needs_scheduler
def test_live_master_lock_is_shared(r: Resque, raw_redis: redis.Redis) -> None:
    ours = MasterLock(r)
    assert ours.acquire()
    assert scheduler(r.redis_id, "master") is False  # Ruby sees a master that is not itself
    assert ours.release()
    assert scheduler(r.redis_id, "master") is True
    assert raw_redis.ttl(LOCK) == 180 and not ours.acquire()


def test_scheduler_process_moves_jobs_as_they_come_due_and_stops_on_term(r: Resque, raw_redis: redis.Redis) -> None:
    env = {**os.environ, "REDIS_URL": r.redis_id, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "resque_interop", "scheduler", "-i", "0.2"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        r.delayed.enqueue_in(2, "Archive", "soon")  # due in 1 to 2 s
        assert r.delayed.count_all() == 1 and raw_redis.llen("resque:queue:file_serve") == 0
        wait_for(lambda: raw_redis.llen("resque:queue:file_serve") == 1, timeout=10, what="moved when due")
        assert raw_redis.lindex("resque:queue:file_serve", 0) == b'{"class":"Archive","args":["soon"]}'
        assert not raw_redis.exists(LOCK)  # no recurring schedules: moved without the lock
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def test_concurrent_movers_queue_each_item_once(redis_url: str, raw_redis: redis.Redis) -> None:
    # the lock makes one scheduler move at a time, but a node-resque scheduler takes its own
    # lock: moving must stay exactly-once when movers race (WATCH aborts the loser's batch)
    producer = Resque(redis_url, registry=Registry())
    due = int(time.time()) - 50
    for i in range(1000):
        producer.delayed.delayed_push(due + i % 5, {"class": "Archive", "args": [i], "queue": "file_serve"})
    movers = [Resque(redis_url, registry=Registry()) for _ in range(3)]
    moved: list[int] = []
    threads = [threading.Thread(target=lambda c=c: moved.append(c.delayed.enqueue_due(batch=7))) for c in movers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    queued = [json.loads(x)["args"][0] for x in raw_redis.lrange("resque:queue:file_serve", 0, -1)]
    assert sorted(queued) == list(range(1000)) and sum(moved) == 1000
    assert producer.delayed.schedule_size() == 0 and not raw_redis.keys("resque:timestamps:*")
