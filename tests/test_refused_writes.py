"""Redis refusing writes while it answers (out of memory under ``noeviction``, a
read-only replica, a failed save: MISCONF) is a fault that passes, as a lost connection
is: a job's outcome is kept and written once Redis takes writes again, nothing new is
reserved meanwhile, the log says why once and once when it is over, and the counters
match what ran. Real redis-server processes and real worker processes throughout."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
import redis

from resque_interop import Registry, Resque
from resque_interop.store.redis_errors import refusal

from .support.faults import REFUSALS, RestartableRedis, accept_writes, refuse_writes
from .support.waiting import wait_for
from .support.workers import WorkerProcess

WHY = {
    "out of memory": "Redis is out of memory (maxmemory",
    "read-only replica": "Redis is a read-only replica",
    "cannot save": "Redis refuses writes because it cannot save its snapshot to disk (MISCONF)",
}


@pytest.mark.parametrize("kind", REFUSALS)
def test_each_refusal_is_named_in_one_line(tmp_path: Path, kind: str) -> None:
    with RestartableRedis() as server:
        admin = redis.Redis.from_url(server.url)
        client = Resque(server.url, registry=Registry())
        refuse_writes(admin, kind, server.dir)
        try:
            with pytest.raises(redis.ResponseError) as caught:
                client.enqueue_ruby("Archive", 1, queue="q")
            assert (refusal(caught.value) or "").startswith(WHY[kind])
            # a script that met the refusal at its first write: Redis 6 wraps the reply
            with pytest.raises(redis.ResponseError) as caught:
                admin.eval("return redis.call('SET', KEYS[1], 'x')", 1, "k")
            assert (refusal(caught.value) or "").startswith(WHY[kind])
        finally:
            accept_writes(admin, kind, server.dir)
    assert refusal(redis.ResponseError("WRONGTYPE Operation against a key")) is None
    assert refusal(redis.ConnectionError("Connection refused")) is None


SHORT = {"out of memory": "oom", "read-only replica": "readonly", "cannot save": "misconf"}
CASES = [
    ("out of memory", True, "failure"), ("out of memory", False, "failure"), ("out of memory", True, "success"),
    ("out of memory", False, "success"), ("read-only replica", True, "failure"),
    ("read-only replica", False, "success"), ("cannot save", False, "failure"), ("cannot save", True, "success"),
]


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    ("kind", "fork", "outcome"), CASES,
    ids=[f"{SHORT[k]}-{'fork' if f else 'no-fork'}-{o}" for k, f, o in CASES],
)
def test_outcomes_wait_for_writes_and_nothing_is_reserved_meanwhile(
    tmp_path: Path, kind: str, fork: bool, outcome: str
) -> None:
    """A job ends while Redis refuses writes: a failure (written by the job's process)
    or a success (finished by the next reserve, which must then take nothing)."""
    with RestartableRedis() as server:
        admin = redis.Redis.from_url(server.url)
        client = Resque(server.url, registry=Registry())
        if outcome == "failure":
            client.enqueue_ruby("SlowFail", 1.0, queue="high")  # raises while Redis refuses writes
        else:
            client.enqueue_ruby("Sleep", 1.0, queue="high")  # ends while Redis refuses writes
        client.enqueue_ruby("Sleep", 0.0, queue="high")  # taken only once Redis takes writes
        client.enqueue_ruby("Archive", "last", queue="file_serve")
        args = ("-i", "0.1", "--heartbeat-interval", "0.5", *([] if fork else ["--no-fork"]))
        said = "while recording the failure" if outcome == "failure" else "no new job is taken"
        with WorkerProcess(server.url, "high,file_serve", *args, log_path=str(tmp_path / "w.log")) as worker:
            worker_id = worker.worker_id()
            wait_for(lambda: admin.exists(f"resque:worker:{worker_id}"), what="the job taken")
            refuse_writes(admin, kind, server.dir)
            try:
                wait_for(lambda: said in worker.output(), timeout=20,
                         what=f"the worker saying why (log: {worker.output()[-800:]})")
                time.sleep(1.0)  # a window of several retries: each refused, none reserving
                assert admin.llen("resque:failed") == 0 and admin.get("resque:stat:processed") is None
                assert admin.llen("resque:queue:high") == 1 and admin.llen("resque:queue:file_serve") == 1
                assert b"1.0" in (admin.get(f"resque:worker:{worker_id}") or b"")
            finally:
                accept_writes(admin, kind, server.dir)
            wait_for(lambda: admin.llen("contract:results") == 1, timeout=20, what="the last job run")
            wait_for(lambda: admin.get("resque:stat:processed") == b"3", what="all three counted")
            if outcome == "failure":
                assert admin.get("resque:stat:failed") == b"1"
                (failure,) = client.failure.all(0, 10)
                assert failure.exception == "tests.jobs.ArgumentError" and failure.args == [1.0]
            else:
                assert admin.get("resque:stat:failed") is None and admin.llen("resque:failed") == 0
            assert worker.stop() == 0
        log = worker.output()
        assert log.count(WHY[kind]) <= 3, log  # by the job's writer or reserve, and by the heartbeat
        assert "Redis accepts writes again after" in log
        assert "Traceback" not in log


@pytest.mark.timeout(120)
@pytest.mark.parametrize("kind", ["out of memory", "read-only replica"])
def test_a_worker_started_while_redis_refuses_writes_waits_and_says_so(tmp_path: Path, kind: str) -> None:
    with RestartableRedis() as server:
        admin = redis.Redis.from_url(server.url)
        client = Resque(server.url, registry=Registry())
        client.enqueue_ruby("Archive", "waited", queue="file_serve")
        refuse_writes(admin, kind, server.dir)
        try:
            worker = WorkerProcess(server.url, "file_serve", "-i", "0.1", log_path=str(tmp_path / "w.log"))
            with worker:
                wait_for(lambda: "waits to register" in worker.output(), timeout=20,
                         what=f"the worker saying it waits (log: {worker.output()[-800:]})")
                assert worker.proc.poll() is None
                assert admin.scard("resque:workers") == 0 and admin.llen("resque:queue:file_serve") == 1
                accept_writes(admin, kind, server.dir)
                worker.worker_id()
                wait_for(lambda: admin.llen("contract:results") == 1, what="the job run")
                assert worker.stop() == 0
        finally:
            accept_writes(admin, kind, server.dir)
        log = worker.output()
        assert log.count(WHY[kind]) == 1, log
        assert "Redis accepts writes again after" in log and "Traceback" not in log


@pytest.mark.timeout(60)
def test_quit_while_waiting_to_register_exits_cleanly(tmp_path: Path) -> None:
    with RestartableRedis() as server:
        admin = redis.Redis.from_url(server.url)
        refuse_writes(admin, "read-only replica", server.dir)
        try:
            with WorkerProcess(server.url, "q", "-i", "0.1", log_path=str(tmp_path / "w.log")) as worker:
                wait_for(lambda: "waits to register" in worker.output(), timeout=20, what="the wait")
                worker.send(signal.SIGQUIT)
                assert worker.proc.wait(20) == 0
        finally:
            accept_writes(admin, "read-only replica", server.dir)
        assert admin.scard("resque:workers") == 0


@pytest.mark.timeout(60)
def test_the_scheduler_moves_nothing_while_redis_refuses_writes_and_loses_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import threading

    from resque_interop.scheduler.scheduler import Scheduler

    with RestartableRedis() as server:
        admin = redis.Redis.from_url(server.url)
        client = Resque(server.url, registry=Registry())
        due = int(time.time() - 10)
        for n in range(3):
            client.delayed.delayed_push(due, {"class": "Archive", "args": [n], "queue": "file_serve"})
        refuse_writes(admin, "out of memory", server.dir)
        scheduler = Scheduler(client, interval=0.05)
        thread = threading.Thread(target=scheduler.run, daemon=True)
        with caplog.at_level("INFO", logger="resque_interop"):
            thread.start()
            try:
                wait_for(lambda: "Redis refuses writes" in caplog.text, what="the scheduler saying why")
                time.sleep(0.5)  # a window of ten rounds, each refused whole
                assert client.size("file_serve") == 0 and client.delayed.count_all() == 3
            finally:
                accept_writes(admin, "out of memory", server.dir)
            wait_for(lambda: client.size("file_serve") == 3, what="the delayed jobs queued")
            scheduler.stop()
            thread.join(10)
        assert client.delayed.count_all() == 0
        assert caplog.text.count(WHY["out of memory"]) == 1, caplog.text
        assert "Redis accepts writes again" in caplog.text and "Traceback" not in caplog.text
