"""Queue resolution, pause, pruning and the worker's handling of bad input."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from typing import Any

import pytest
import redis

from resque_interop import Registry, Resque
from resque_interop.errors import InvalidQueueListError
from resque_interop.schema import timefmt
from resque_interop.store.reserve import (
    Empty,
    Finish,
    Paused,
    Recovered,
    Reserved,
    ReserveReply,
    Unregistered,
    WrongType,
    read_reply,
)
from resque_interop.worker import Worker
from resque_interop.worker.queues import QueueList, fnmatch

from .support.keyspace import dump, load, normalize, step
from .support.waiting import wait_for
from .support.workers import HOST, WorkerProcess


def test_queue_resolution_matches_ruby() -> None:
    rec = load("queue_resolution.json")
    known = ["critical", "file_a", "file_b", "high", "low"]
    for text, expected in rec["steps"][0]["result"].items():
        assert QueueList.parse(text).resolve(known) == expected, text


def test_queue_lists_with_odd_names_match_ruby() -> None:
    rec = load("queue_names_and_validation.json")
    known = rec["steps"][0]["keyspace"]["resque:queues"]["value"]
    known = sorted(step(rec, "what a worker makes of these names")["result"]['["*"]'])
    import json

    for spec, expected in step(rec, "what a worker makes of these names")["result"].items():
        entries = json.loads(spec)
        if isinstance(expected, str):
            with pytest.raises(InvalidQueueListError, match="at least one queue"):
                QueueList(entries)
        elif any(":" in e or "," in e for e in entries):
            with pytest.raises(InvalidQueueListError, match="':' or ','"):
                QueueList(entries)
        else:
            assert QueueList(entries).resolve(known) == expected, spec


def test_fnmatch_is_rubys() -> None:
    assert fnmatch("file_*", "file_a") and not fnmatch("file_*", "files")
    assert fnmatch("*", "a/b") and not fnmatch("*", ".hidden") and fnmatch(".*", ".hidden")
    assert fnmatch("f?le", "file") and fnmatch("[ab]x", "bx") and not fnmatch("[!ab]x", "ax")
    assert fnmatch("{a,b}", "{a,b}") and not fnmatch("{a,b}", "a")
    assert fnmatch("star\\*", "star*") and not fnmatch("star\\*", "starx")


def test_worker_id_and_refusals(r: Resque) -> None:
    w = Worker(r, "*,!low", hostname="h")
    assert w.id == f"h:{os.getpid()}:*"
    with pytest.raises(InvalidQueueListError):
        Worker(r, ["colon:inside"])
    with pytest.raises(InvalidQueueListError):
        Worker(r, [])


def test_pause_values(r: Resque, raw_redis: redis.Redis) -> None:
    rec = load("pause.json")
    for value, paused in step(rec, "values that pause")["result"].items():
        raw_redis.set("resque:pause-all-workers", value)
        assert r.paused() is paused, repr(value)


def test_pause_scenario(r: Resque, redis_url: str, raw_redis: redis.Redis) -> None:
    rec = load("pause.json")
    ruby = rec["steps"][2]["keyspace"]["resque:pruning_dead_workers_in_progress"]["value"].rsplit(":", 1)[0]
    r.pause_all()
    assert dump(raw_redis) == step(rec, "pause")["keyspace"]
    r.enqueue_ruby("Noop", queue="low")
    with WorkerProcess(redis_url, "low", "-i", "0.05") as worker:
        worker_id = worker.worker_id()
        ours = f"{HOST}:{worker.pid}"
        wait_for(lambda: raw_redis.hexists("resque:workers:heartbeat", worker_id), what="heartbeat")
        # its reserve answered "paused" (the recording waited 1.5 s): the job must still be there
        wait_for(lambda: worker.title().endswith("Paused"), what="the worker paused")
        assert r.size("low") == 1 and not raw_redis.exists(f"resque:worker:{worker_id}")

        def same(name: str) -> None:
            assert normalize(dump(raw_redis), {ours: "<W>"}) == normalize(step(rec, name)["keyspace"], {ruby: "<W>"}), name

        same("a worker started while paused")
        r.resume_all()
        wait_for(lambda: raw_redis.get("resque:stat:processed") == b"1", what="processed after resume")
        same("unpause")
        r.pause_all()
        wait_for(lambda: worker.title().endswith("Paused"), what="the worker paused again")
        r.enqueue_ruby("Noop", queue="low")
        time.sleep(1.0)  # a window in which the paused worker, polling every 0.05 s, must take nothing
        same("pause again while running, then a job")
        assert worker.stop() == 0
        same("shutdown while paused")


def _spawn_titled(title: str) -> subprocess.Popen[bytes]:
    code = f"import setproctitle, time; setproctitle.setproctitle({title!r}); time.sleep(120)"
    proc = subprocess.Popen([sys.executable, "-c", code])
    wait_for(lambda: title.encode() in open(f"/proc/{proc.pid}/cmdline", "rb").read(), what="title")
    return proc


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_prune_rules_scenario(r: Resque, raw_redis: redis.Redis) -> None:
    rec = load("prune_rules.json")
    fabricated = step(rec, "fabricate workers")
    labels = fabricated["result"]
    live_plain = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    live_titled = _spawn_titled("resque-3.0.0: Waiting for high")
    dead_a, dead_b = _dead_pid(), _dead_pid()
    ids = {
        "vm:1213": f"{HOST}:{dead_a}", "vm:1214": f"{HOST}:{dead_b}",
        "vm:1215": f"{HOST}:{live_plain.pid}", "vm:1216": f"{HOST}:{live_titled.pid}",
    }
    try:
        now = time.time()

        def ours(text: str) -> str:
            for ruby, mine in ids.items():
                text = text.replace(ruby, mine)
            return text

        for key, entry in fabricated["keyspace"].items():
            name = ours(key)
            if entry["type"] == "set":
                raw_redis.sadd(name, *[ours(v) for v in entry["value"]])
            elif entry["type"] == "hash":
                for k, v in entry["value"].items():
                    old = v.startswith("2026-11-28T22")
                    raw_redis.hset(name, ours(k), timefmt.heartbeat_at(now - 3600 if old else now))
            else:
                raw_redis.set(name, ours(entry["value"]))
        pruner = Worker(r, ["high"])
        pruned = set(pruner.prune_dead_workers())
        result = step(rec, "prune")["result"]
        for label, worker_id in labels.items():
            expected = result[label]
            assert (ours(worker_id) in pruned) == (expected == "pruned"), label
        failures = sorted(f"{x.exception}: {x.error}" for x in r.failure.all(0, 10))
        expected_failures = sorted(ours(x) for x in result["failed entries (exception: error)"])
        assert failures == expected_failures
        mine = {v: k for k, v in ids.items()}
        names = {**{m: "<" + k + ">" for m, k in mine.items()}, pruner.id: "<PRUNER>"}
        ruby_names = {**{k: "<" + k + ">" for k in ids}, "vm:1158:high": "<PRUNER>"}
        actual = normalize(dump(raw_redis), names)
        expected_space = normalize(step(rec, "prune")["keyspace"], ruby_names)
        actual["resque:failed"]["value"].sort()
        expected_space["resque:failed"]["value"].sort()
        assert actual == expected_space
    finally:
        live_plain.kill()
        live_titled.kill()


def test_prune_lock_lets_one_pruner_in(r: Resque) -> None:
    assert Worker(r, ["high"]).prune_dead_workers() == []
    assert r.redis.ttl(r.keys.prune_lock) > 0


def _drain(r: Resque, fork: bool) -> None:
    Worker(r, ["file_serve"], fork_per_job=fork).work(0)


@pytest.mark.parametrize("fork", [True, False])
def test_bad_input_becomes_clear_failures(r: Resque, raw_redis: redis.Redis, fork: bool) -> None:
    r.registry.register("Archive", lambda episode, brand: None, queue="file_serve")
    raw_redis.rpush("resque:queue:file_serve", b"not json{")
    r.enqueue_ruby("Nope::Missing", 1, queue="file_serve")
    r.enqueue_ruby("Archive", 1, queue="file_serve")  # wrong arity
    raw_redis.sadd("resque:queues", "file_serve")
    _drain(r, fork)
    records = r.failure.all(0, 10)
    assert [x.exception for x in records] == ["DecodeError", "UnknownJobError", "TypeError"]
    # bytes that are not a job: class null (Ruby's requeue raises), the bytes kept
    assert records[0].payload["class"] is None and records[0].payload["raw"] == "not json{"
    assert "Nope::Missing" in records[1].error and "Archive" in records[1].error
    assert "missing 1 required positional argument" in records[2].error
    assert r.stats.get("processed") == 3 and r.stats.get("failed") == 3
    assert not raw_redis.exists(f"resque:worker:{HOST}:{os.getpid()}:file_serve")


def test_hooks_run_in_ruby_order(r: Resque, raw_redis: redis.Redis) -> None:
    from resque_interop import DontPerform, Hooks

    calls: list[str] = []

    class Traced:
        queue = "file_serve"

        @staticmethod
        def perform(x: int) -> None:
            calls.append(f"perform {x}")
            if x == 2:
                raise RuntimeError("two")

        @staticmethod
        def before_perform_a(x: int) -> None:
            calls.append("before")
            if x == 3:
                raise DontPerform()

        @staticmethod
        def around_perform_a(call, x: int) -> None:  # type: ignore[no-untyped-def]
            calls.append("around in")
            call()
            calls.append("around out")

        @staticmethod
        def after_perform_a(x: int) -> None:
            calls.append("after")

        @staticmethod
        def on_failure_a(exc: BaseException, x: int) -> None:
            calls.append(f"on_failure {exc}")

    class Global(Hooks):
        def before_first_fork(self, worker: Worker) -> None:
            calls.append("before_first_fork")

        def queue_empty(self, worker: Worker) -> None:
            calls.append("queue_empty")

        def worker_exit(self, worker: Worker) -> None:
            calls.append("worker_exit")

    r.registry.register("Traced", Traced)
    r.hooks.append(Global())
    for x in (1, 2, 3):
        r.enqueue(Traced, x)
    _drain(r, fork=False)
    assert calls == [
        "before_first_fork",
        "before", "around in", "perform 1", "around out", "after",
        "before", "around in", "perform 2", "on_failure two",
        "before",
        "queue_empty", "worker_exit",
    ]
    assert r.failure.count() == 1 and r.stats.get("processed") == 3


def test_idle_worker_picks_up_without_polling(r: Resque, redis_url: str, raw_redis: redis.Redis) -> None:
    with WorkerProcess(redis_url, "high,low", "-i", "60") as worker:
        worker.worker_id()
        wait_for(lambda: "Waiting for high,low" in worker.title(), what="the worker idle, blocked")
        for queue in ("low", "high"):
            r.enqueue_ruby("Archive", queue, queue=queue)
            key = f"resque:queue:{queue}"
            # a 60 s poll interval: only a blocking wait can take it this soon
            wait_for(lambda key=key: raw_redis.llen(key) == 0, timeout=5, what=f"pick-up on {queue}")
        wait_for(lambda: raw_redis.llen("contract:results") == 2, what="both ran")
        assert worker.stop() == 0


def test_wildcard_worker_sees_new_queues(r: Resque, redis_url: str, raw_redis: redis.Redis) -> None:
    with WorkerProcess(redis_url, "*", "-i", "60") as worker:
        worker.worker_id()
        wait_for(lambda: "Waiting for" in worker.title(), what="the worker idle")
        r.enqueue_ruby("Archive", "fresh", queue="brand_new")
        wait_for(lambda: raw_redis.llen("contract:results") == 1, timeout=10, what="new queue picked up")
        assert worker.stop() == 0


def test_signals(r: Resque, redis_url: str, raw_redis: redis.Redis) -> None:
    with WorkerProcess(redis_url, "high", "-i", "0.05") as worker:
        worker_id = worker.worker_id()
        # USR2 pauses, CONT resumes
        worker.send(signal.SIGUSR2)
        wait_for(lambda: worker.title().endswith("Paused"), what="paused title")
        r.enqueue_ruby("Archive", "while paused", queue="high")
        time.sleep(0.5)  # a window in which the paused worker, polling every 0.05 s, must take nothing
        assert r.size("high") == 1
        worker.send(signal.SIGCONT)
        wait_for(lambda: r.size("high") == 0, what="resumed")
        # USR1 kills the child and carries on. The child to signal is Blocking's:
        # Archive's may still be exiting, and a USR1 with no child is a no-op (as in Ruby)
        r.enqueue_ruby("Blocking", "never", queue="high")
        wait_for(lambda: b"Blocking" in (raw_redis.get(f"resque:worker:{worker_id}") or b""), what="Blocking reserved")
        wait_for(worker.children, what="child")
        worker.send(signal.SIGUSR1)
        wait_for(lambda: r.failure.count() == 1, what="dirty exit")
        assert "SIGKILL" in r.failure.all(0, 1)[0].error
        assert worker.proc.poll() is None
        # TERM kills the child and exits, unregistered
        r.enqueue_ruby("Blocking", "never", queue="high")
        wait_for(worker.children, what="child")
        assert worker.stop(signal.SIGTERM) == 0
        assert not raw_redis.sismember("resque:workers", worker_id)
        assert r.failure.count() == 2


@pytest.mark.parametrize("child_start_delay", ["", "1"], ids=["running", "inside-fork"])
def test_term_child_sends_term_first(r: Resque, child_start_delay: str, redis_url: str, raw_redis: redis.Redis) -> None:
    # "inside-fork": TERM reaches the child while it is still inside fork() (an at-fork
    # hook sleeps): it must meet the child's TERM_CHILD handler, not the worker's inherited one
    env = {"TERM_CHILD": "1", "RESQUE_TERM_TIMEOUT": "5", "TEST_CHILD_START_DELAY": child_start_delay}
    with WorkerProcess(redis_url, "high", "-i", "0.05", env=env) as worker:
        worker.worker_id()
        r.enqueue_ruby("Sleep", 30, queue="high")
        wait_for(worker.children, what="child")
        assert worker.stop(signal.SIGTERM) == 0
        record = r.failure.all(0, 1)[0]
        assert (record.exception, record.error) == ("Resque::TermException", "SIGTERM")


def test_child_exit_without_reporting_is_dirty(r: Resque) -> None:
    r.registry.register("Exit", lambda code: os._exit(code), queue="file_serve")
    r.enqueue("Exit", 3)
    _drain(r, fork=True)
    record = r.failure.all(0, 1)[0]
    assert record.exception == "Resque::DirtyExit" and record.error.endswith("exit 3")


def test_procline_is_what_ruby_greps_for(redis_url: str) -> None:
    from resque_interop.runtime.procline import LIVE_WORKER

    with WorkerProcess(redis_url, "high", "-i", "60", env={"RESQUE_PROCLINE_PREFIX": "app-"}) as worker:
        worker.worker_id()
        text = wait_for(lambda: "Waiting" in worker.title() and worker.title(), what="title")
        assert text.startswith("app-resque-0.1.0: Waiting for high")
        assert LIVE_WORKER.search(text)
        worker.stop()


def test_interval_zero_drains_and_exits(r: Resque, redis_url: str, raw_redis: redis.Redis) -> None:
    for i in range(5):
        r.enqueue_ruby("Archive", i, queue="file_serve")
    env = {**os.environ, "QUEUE": "file_serve", "INTERVAL": "0", "REDIS_URL": redis_url,
           "RESQUE_TEST_REDIS_URL": redis_url}
    done = subprocess.run([sys.executable, "-m", "resque_interop", "work", "-A", "tests.jobs"], env=env,
                          cwd=os.path.dirname(os.path.dirname(__file__)), timeout=60)
    assert done.returncode == 0
    assert raw_redis.llen("contract:results") == 5
    assert raw_redis.smembers("resque:workers") == set()


def test_reserve_loads_its_script_on_a_fresh_server(r: Resque, raw_redis: redis.Redis) -> None:
    raw_redis.script_flush()
    r.registry.register("Archive", lambda *a: None, queue="file_serve")
    r.enqueue("Archive", 1)
    _drain(r, fork=False)
    assert r.stats.get("processed") == 1


def test_a_raising_before_fork_hook_fails_the_job_not_the_worker(r: Resque) -> None:
    from resque_interop import Hooks

    class Broken(Hooks):
        def before_fork(self, worker: Worker, job: object) -> None:
            raise RuntimeError("hook broke")

    r.hooks.append(Broken())
    r.registry.register("Archive", lambda *a: None, queue="file_serve")
    r.enqueue("Archive", 1)
    r.enqueue("Archive", 2)
    _drain(r, fork=True)
    assert [x.error for x in r.failure.all(0, 5)] == ["hook broke", "hook broke"]
    assert r.stats.get("processed") == 2


@pytest.mark.parametrize("run_hooks", [False, True])
def test_child_skips_atexit_unless_run_at_exit_hooks(r: Resque, redis_url: str, raw_redis: redis.Redis, tmp_path: object,
                                                     run_hooks: bool) -> None:
    from pathlib import Path

    marker = Path(str(tmp_path)) / "atexit"
    r.enqueue_ruby("AtExit", str(marker), queue="file_serve")
    env = {**os.environ, "QUEUE": "file_serve", "INTERVAL": "0", "REDIS_URL": redis_url,
           "RESQUE_TEST_REDIS_URL": redis_url, **({"RUN_AT_EXIT_HOOKS": "1"} if run_hooks else {})}
    done = subprocess.run([sys.executable, "-m", "resque_interop", "work", "-A", "tests.jobs"], env=env,
                          cwd=os.path.dirname(os.path.dirname(__file__)), timeout=60)
    assert done.returncode == 0 and raw_redis.get("resque:stat:processed") == b"1"
    assert marker.exists() is run_hooks


def test_enqueue_front_pushes_to_the_head(redis_url: str, raw_redis: redis.Redis) -> None:
    r = Resque(redis_url, registry=Registry(), enqueue_front=True)
    r.enqueue_ruby("Archive", 1, queue="q")
    r.enqueue_ruby("Archive", 2, queue="q")
    assert raw_redis.lrange("resque:queue:q", 0, -1) == [b'{"class":"Archive","args":[2]}',
                                                         b'{"class":"Archive","args":[1]}']


def test_a_long_idle_wait_outlasts_redis_pys_read_timeout(r: Resque, redis_url: str, raw_redis: redis.Redis) -> None:
    # redis-py >= 8 reads with a 5 s timeout by default; an idle worker waits longer than that
    with WorkerProcess(redis_url, "file_serve", "-i", "60") as worker:
        worker.worker_id()
        time.sleep(6.5)  # idle past redis-py's 5 s read timeout: the time passing is what is tested
        r.enqueue_ruby("Archive", "late", queue="file_serve")
        wait_for(lambda: raw_redis.llen("contract:results") == 1, timeout=5, what="pick-up after a long idle")
        started = time.monotonic()
        assert worker.stop() == 0
        assert time.monotonic() - started < 10


def test_a_stat_store_of_ones_own_counts_each_job_once(redis_url: str, raw_redis: redis.Redis) -> None:
    from collections import Counter

    class CountingStore:
        def __init__(self) -> None:
            self.counts: Counter[str] = Counter()

        def get(self, name: str) -> int:
            return self.counts[name]

        def incr(self, name: str, by: int = 1, pipe: object = None) -> None:
            self.counts[name] += by

        def decr(self, name: str, by: int = 1, pipe: object = None) -> None:
            self.counts[name] -= by

        def clear(self, name: str, pipe: object = None) -> None:
            self.counts.pop(name, None)

    store = CountingStore()
    r = Resque(redis_url, registry=Registry(), hooks=[], stat_store=store)
    worker = Worker(r, ["file_serve"], fork_per_job=False)
    # the last job asks the worker to stop, so the loop ends with that job still to finish
    r.registry.register("Archive", lambda i: worker.shutdown() if i == 2 else None, queue="file_serve")
    for i in range(3):
        r.enqueue("Archive", i)
    worker.work(5)
    assert store.counts["processed"] == 3
    assert raw_redis.get("resque:stat:processed") is None
    assert not raw_redis.keys("resque:worker:*")


def test_a_shutdown_just_before_an_idle_wait_is_not_lost(redis_url: str, raw_redis: redis.Redis) -> None:
    # queue_empty runs after the reserve found nothing and before the worker blocks:
    # a QUIT landing there must cut the wait short, not be wiped by it (interval 60 s)
    import threading

    from resque_interop import Hooks

    class QuitWhenEmpty(Hooks):
        def queue_empty(self, worker: Worker) -> None:
            worker.shutdown()

    client = Resque(redis_url, registry=Registry(), hooks=[QuitWhenEmpty()])
    client.registry.register("Archive", lambda *a: None, queue="file_serve")
    client.enqueue("Archive", 1)
    worker = Worker(client, ["file_serve"], fork_per_job=False)
    runner = threading.Thread(target=worker.work, args=(60,), daemon=True)
    runner.start()
    runner.join(timeout=20)
    stuck = runner.is_alive()
    if stuck:
        worker.shutdown()  # let the thread go before failing
    assert not stuck, "the worker slept through a shutdown asked for just before its idle wait"
    assert client.stats.get("processed") == 1


def test_a_child_whose_worker_was_killed_does_not_fail_its_finished_job(r: Resque,
    redis_url: str, raw_redis: redis.Redis
) -> None:
    # the child can no longer tell its parent (the pipe is broken): that is no failure
    # of the job; the job stays in worker:<id> for pruning, as Ruby leaves it
    with WorkerProcess(redis_url, "high", "-i", "0.05") as worker:
        worker_id = worker.worker_id()
        r.enqueue_ruby("KillWorker", queue="high")
        worker.proc.wait(15)
        _, child = json.loads(wait_for(lambda: raw_redis.lpop("contract:results"), what="the job finished"))
        wait_for(lambda: not os.path.exists(f"/proc/{child}"), what="the orphaned child gone")
    assert worker.proc.returncode == -signal.SIGKILL
    assert [f.exception for f in r.failure.all(0, 10)] == []
    assert b"KillWorker" in raw_redis.get(f"resque:worker:{worker_id}")


def _held(r: Resque, worker_id: str) -> bytes:
    value = r.redis.get(f"resque:worker:{worker_id}")
    assert value is not None
    return value


def test_the_reserve_script_survives_lost_replies(r: Resque, raw_redis: redis.Redis) -> None:
    # every call below is made twice, the first reply "lost": nothing is popped,
    # finished or counted twice, and the reservation a lost reply hid is handed over
    wid = f"{HOST}:1:file_serve"
    r.enqueue_ruby("Archive", 1, queue="file_serve")
    r.enqueue_ruby("Archive", 2, queue="file_serve")
    reserver = r.store.reserver(wid, ["file_serve"], [b'"file_serve"'])
    assert reserver.call("0", "2026-11-29T03:00:00Z", None) == -2  # not registered: takes nothing
    raw_redis.sadd("resque:workers", wid)
    first = reserver.call("0", "2026-11-29T03:00:00Z", None)
    assert first == [1, b'{"class":"Archive","args":[1]}']
    held = _held(r, wid)
    assert reserver.held_after(first, "2026-11-29T03:00:00Z") == held  # what the script wrote, byte for byte
    assert reserver.call("0", "2026-11-29T03:00:01Z", None) == [0, held]  # the same job again, not job 2
    assert r.size("file_serve") == 1
    second = reserver.call("1", "2026-11-29T03:00:02Z", held)  # finish job 1, take job 2
    assert second == [1, b'{"class":"Archive","args":[2]}']
    held2 = _held(r, wid)
    assert reserver.call("1", "2026-11-29T03:00:03Z", held) == [0, held2]
    assert raw_redis.get("resque:stat:processed") == b"1"
    assert reserver.call("1", "2026-11-29T03:00:04Z", held2) is None  # finish job 2; empty
    assert reserver.call("1", "2026-11-29T03:00:05Z", held2) is None  # again: not counted twice
    assert raw_redis.get("resque:stat:processed") == b"2"
    assert raw_redis.get(f"resque:stat:processed:{wid}") == b"2"
    assert not raw_redis.exists(f"resque:worker:{wid}")


def test_each_reply_of_the_reserve_script_is_read_into_its_name(r: Resque, raw_redis: redis.Redis) -> None:
    wid = f"{HOST}:1:bad,file_serve"
    queues = ["bad", "file_serve"]
    reserver = r.store.reserver(wid, queues, [b'"bad"', b'"file_serve"'])

    def reserve(finish: Finish, held: bytes | None = None) -> ReserveReply:
        return read_reply(reserver.call(finish, "2026-11-29T03:00:00Z", held), queues)

    assert reserve(Finish.NOTHING) == Unregistered()
    raw_redis.sadd("resque:workers", wid)
    assert reserve(Finish.NOTHING) == Empty()
    raw_redis.set("resque:queue:bad", "a string, not a list")
    assert reserve(Finish.NOTHING) == WrongType("bad")
    raw_redis.set("resque:pause-all-workers", " TRUE\n")
    assert reserve(Finish.NOTHING) == Paused()
    raw_redis.delete("resque:pause-all-workers")
    r.enqueue_ruby("Archive", 1, queue="file_serve")
    assert reserve(Finish.NOTHING) == Reserved("file_serve", b'{"class":"Archive","args":[1]}')
    held = _held(r, wid)
    assert reserve(Finish.NOTHING) == Recovered(held)  # a reply "lost": the held job is handed over
    assert reserve(Finish.COUNT, held) == WrongType("bad")  # finished and counted; nothing else found
    assert raw_redis.get("resque:stat:processed") == b"1"
    with pytest.raises(ValueError):
        read_reply(-7, queues)


class _LossyReserver:
    """The real reserver, but every third call loses its reply after Redis ran it."""

    def __init__(self, real: Any, error: type[Exception]) -> None:
        self.real, self.error, self.queues, self.calls = real, error, real.queues, 0

    def call(self, *args: str) -> Any:
        self.calls += 1
        reply = self.real.call(*args)
        if self.calls % 3 == 0:
            raise self.error("reply lost")
        return reply

    def held_after(self, reply: Any, run_at: str) -> bytes | None:
        return self.real.held_after(reply, run_at)


@pytest.mark.parametrize("error", [redis.ConnectionError, redis.TimeoutError])
def test_a_worker_whose_reserve_replies_get_lost_runs_each_job_once(
    r: Resque, raw_redis: redis.Redis, error: type[Exception]
) -> None:
    ran: list[int] = []
    r.registry.register("Archive", ran.append, queue="file_serve")
    r.enqueue_many([("file_serve", "Archive", [i]) for i in range(20)])
    make = r.store.reserver
    lossy: list[_LossyReserver] = []

    def reserver(*args: Any) -> _LossyReserver:
        lossy.append(_LossyReserver(make(*args), error))
        return lossy[-1]

    r.store.reserver = reserver  # type: ignore[method-assign]
    worker = Worker(r, ["file_serve"], fork_per_job=False)
    worker.work(0)
    assert sum(x.calls for x in lossy) > 20  # replies were lost along the way
    assert sorted(ran) == list(range(20))  # each job once
    assert raw_redis.get("resque:stat:processed") == b"20"
    assert r.failure.count() == 0
    assert not raw_redis.exists(f"resque:worker:{worker.id}")


def test_a_lost_rewrite_of_a_foreign_payload_does_not_run_the_job_twice(r: Resque, raw_redis: redis.Redis) -> None:
    # a payload in another dialect (here: spaces, as a hand-written one) is rewritten in
    # Ruby's inside worker:<id>; when that SET never reaches Redis, the worker must still
    # name the value Redis holds
    ran: list[int] = []
    r.registry.register("Archive", ran.append, queue="file_serve")
    raw_redis.rpush("resque:queue:file_serve", b'{"class": "Archive", "args": [1]}')
    raw_redis.sadd("resque:queues", "file_serve")
    real_set = r.store.workers.set_worker_payload

    def lost_set(worker_id: str, data: bytes) -> None:
        r.store.workers.set_worker_payload = real_set  # type: ignore[method-assign]
        raise redis.ConnectionError("connection lost before the SET was sent")

    r.store.workers.set_worker_payload = lost_set  # type: ignore[method-assign]
    worker = Worker(r, ["file_serve"], fork_per_job=False)
    worker.work(0)
    assert r.store.workers.set_worker_payload == real_set  # the rewrite was tried, and lost
    assert ran == [1]
    assert raw_redis.get("resque:stat:processed") == b"1"
    assert not raw_redis.exists(f"resque:worker:{worker.id}")
