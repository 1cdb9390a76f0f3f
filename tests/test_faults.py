"""Faults: Redis restarting under a job, hostile payloads, frozen and killed workers,
signals during reconnects. Real redis-server processes (append-only file on), real
worker processes and real signals; nothing here fakes Redis."""

from __future__ import annotations

import base64
import json
import os
import signal
import time
from pathlib import Path

import pytest
import redis

from resque_interop import Registry, Resque
from resque_interop.errors import EncodeError
from resque_interop.schema.codec import nesting_depth
from resque_interop.worker.outage import MAX_BACKOFF
from resque_interop.worker.worker import Worker

from .support.faults import RestartableRedis, accept_writes, refuse_writes
from .support.hostile_payloads import HOSTILE, nested
from .support.waiting import wait_for
from .support.workers import HOST, WorkerProcess


def _failures(client: Resque) -> list:
    return client.failure.all(0, client.failure.count())


@pytest.mark.parametrize("fork", [True, False], ids=["fork", "no-fork"])
def test_a_job_that_fails_while_redis_restarts_is_recorded_once(tmp_path: Path, fork: bool) -> None:
    with RestartableRedis() as server:
        client = Resque(server.url, registry=Registry())
        client.enqueue_ruby("SlowFail", 1.5, queue="high")
        args = ("-i", "0.1", *([] if fork else ["--no-fork"]))
        with WorkerProcess(server.url, "high", *args, log_path=str(tmp_path / "w.log")) as worker:
            worker_id = worker.worker_id()
            raw = redis.Redis.from_url(server.url)
            wait_for(lambda: raw.exists(f"resque:worker:{worker_id}"), what="the job taken")
            server.restart(down_for=2.5)  # the job raises while Redis is down
            wait_for(lambda: raw.llen("resque:failed") == 1, timeout=20, what="the failure recorded")
            wait_for(lambda: not raw.exists(f"resque:worker:{worker_id}"), what="the job finished")
            assert worker.stop() == 0  # the worker gone, nothing more can be written
            failure = _failures(client)[0]
            assert failure.exception == "tests.jobs.ArgumentError" and failure.args == [1.5]
            assert raw.get("resque:stat:failed") == b"1" and raw.get("resque:stat:processed") == b"1"
            assert raw.llen("resque:failed") == 1  # once, not once per retry
        assert "Redis is back after" in worker.output()


def _kept_bytes(payload: dict) -> bytes:
    if "raw" in payload:
        return payload["raw"].encode("utf-8")
    return base64.b64decode(payload["raw_base64"])


@pytest.mark.timeout(300)
@pytest.mark.parametrize("fork", [True, False], ids=["fork", "no-fork"])
def test_hostile_payloads_fail_with_their_bytes_and_the_worker_lives_on(r: Resque,
    redis_url: str, raw_redis: redis.Redis, tmp_path: Path, fork: bool
) -> None:
    raw_redis.sadd("resque:queues", "file_serve")
    for number, (_, data) in enumerate(HOSTILE):
        raw_redis.rpush("resque:queue:file_serve", data)
        r.enqueue_ruby("Archive", f"after {number}", queue="file_serve")
    args = ("-i", "0.1", "-v", *([] if fork else ["--no-fork"]))
    with WorkerProcess(redis_url, "file_serve", *args, log_path=str(tmp_path / "w.log")) as worker:
        wait_for(lambda: raw_redis.llen("contract:results") == len(HOSTILE), timeout=120, what="every good job")
        assert worker.proc.poll() is None, worker.output()
        worker_id = worker.worker_id()
        assert worker.stop() == 0
    ran = [json.loads(x) for x in raw_redis.lrange("contract:results", 0, -1)]
    assert ran == [[f"after {n}"] for n in range(len(HOSTILE))]  # the job after each still ran
    failures = _failures(r)
    # the 20 MB job is a real job: it fails as a job (Huge is not registered), not as bytes
    by_bytes = [f for f in failures if isinstance(f.payload, dict) and f.payload.get("class") is None]
    assert len(by_bytes) == len(HOSTILE) - 1, [f.error for f in failures]
    for failure, (what, data) in zip(by_bytes, [h for h in HOSTILE if h[0] != "20 MB"]):
        assert _kept_bytes(failure.payload) == data, what
        assert failure.queue == "file_serve" and failure.worker == worker_id
    assert raw_redis.get("resque:stat:processed") == str(2 * len(HOSTILE)).encode()
    assert not raw_redis.exists(f"resque:worker:{worker_id}")
    # Python's retry puts the very bytes back
    index = next(f.index for f in failures if f.payload.get("raw") == "not json{")
    r.failure.requeue(index)
    assert raw_redis.lrange("resque:queue:file_serve", 0, -1) == [b"not json{"]
    # bounded log lines: the 20 MB argument is cut, with a marker
    log = Path(tmp_path / "w.log").read_bytes()
    assert len(log) < 200_000 and b"more characters]" in log


def test_enqueue_refuses_what_ruby_cannot_read(r: Resque) -> None:
    # a job payload {"class":..,"args":[...]} is 2 levels before its arguments: 99 in all
    r.enqueue_ruby("Archive", nested(97), queue="q")
    with pytest.raises(EncodeError, match="max_nesting of 100.*reads at most 99"):
        r.enqueue_ruby("Archive", nested(98), queue="q")
    with pytest.raises(EncodeError, match="max_nesting of 100"):
        r.enqueue_ruby("Archive", nested(5000), queue="q")
    with pytest.raises(EncodeError, match="max_nesting of 100"):
        r.push("q", {"class": "Archive", "args": [nested(98)]})
    assert r.size("q") == 1


def test_the_oj_dialect_allows_what_oj_reads(redis_url: str) -> None:
    # Oj (compat mode) reads any depth and writes up to 999 levels; a job payload one less
    client = Resque(redis_url, registry=Registry(), dialect="oj")
    client.enqueue_ruby("Archive", nested(300), queue="q")
    client.enqueue_ruby("Archive", nested(996), queue="q")  # 998 levels with {"args":[...]}
    with pytest.raises(EncodeError, match="Oj's compat-mode write limit of 999.*reads at most 998"):
        client.enqueue_ruby("Archive", nested(997), queue="q")
    with pytest.raises(EncodeError, match="Oj's compat-mode write limit of 999"):
        client.enqueue_ruby("Archive", nested(5000), queue="q")
    assert client.size("q") == 2


@pytest.mark.parametrize(
    "record",
    [b"[" * 1000 + b"]" * 1000, b"\xff\xfe not utf-8", b"not json", b'{"queue":"q","payload":"text"}', b"[1]"],
    ids=["nested 1,000", "invalid UTF-8", "not JSON", "payload a string", "a list"],
)
def test_pruning_never_raises_on_an_unreadable_worker_record(r: Resque, raw_redis: redis.Redis, record: bytes
) -> None:
    dead = "otherhost:4242:q"
    raw_redis.sadd("resque:workers", dead)
    raw_redis.set(f"resque:worker:{dead}", record)
    raw_redis.hset("resque:workers:heartbeat", dead, "2020-01-01T00:00:00+00:00")
    worker = Worker(r, ["q"], hostname="here")
    assert worker.prune_dead_workers() == [dead]
    (failure,) = _failures(r)
    assert failure.exception == "Resque::PruneDeadWorkerDirtyExit"
    assert failure.payload["class"] is None
    kept = _kept_bytes(failure.payload)
    assert kept == record or record.decode("utf-8", "replace") in kept.decode("utf-8", "replace") or b"text" in kept
    assert not raw_redis.sismember("resque:workers", dead) and not raw_redis.exists(f"resque:worker:{dead}")


def test_args_that_are_an_object_perform_as_ruby_splats_them(r: Resque, raw_redis: redis.Redis) -> None:
    seen: list[tuple] = []
    r.registry.register("Pairs", lambda *args: seen.append(args), queue="q")
    raw_redis.sadd("resque:queues", "q")
    raw_redis.rpush("resque:queue:q", b'{"class":"Pairs","args":{"a":1,"b":[2]}}')
    raw_redis.rpush("resque:queue:q", b'{"class":"Pairs","args":{}}')
    raw_redis.rpush("resque:queue:q", b'{"class":"Pairs","args":"one"}')
    raw_redis.rpush("resque:queue:q", b'{"class":"Pairs"}')
    Worker(r, ["q"], fork_per_job=False).work(0)
    # Ruby: perform(*{"a"=>1,"b"=>[2]}) is perform(["a", 1], ["b", [2]]); *{} and *nil are nothing
    assert seen == [(["a", 1], ["b", [2]]), (), ("one",), ()]


def _quick_beating_worker(redis_url: str, queue: str, log_path: Path, prune_interval: float) -> WorkerProcess:
    """A worker process beating every 0.5 s and counting others dead after ``prune_interval``."""
    return WorkerProcess(redis_url, queue, "-i", "0.1", "--heartbeat-interval", "0.5",
                         "--prune-interval", str(prune_interval), log_path=str(log_path))


@pytest.mark.timeout(120)
def test_a_frozen_worker_that_was_pruned_registers_again_and_never_works_unlisted(r: Resque,
    redis_url: str, raw_redis: redis.Redis, tmp_path: Path
) -> None:
    frozen = _quick_beating_worker(redis_url, "high", tmp_path / "frozen.log", prune_interval=1)
    pruner = _quick_beating_worker(redis_url, "low", tmp_path / "pruner.log", prune_interval=1)
    with frozen, pruner:
        frozen_id = frozen.worker_id()
        pruner.worker_id()
        r.enqueue_ruby("Sleep", 1.0, queue="high")
        wait_for(lambda: raw_redis.exists(f"resque:worker:{frozen_id}"), what="the job taken")
        frozen.send(signal.SIGSTOP)
        for child in frozen.children():
            _kill_quietly(child, signal.SIGSTOP)
        try:
            wait_for(lambda: not raw_redis.sismember("resque:workers", frozen_id), timeout=20, what="pruned")
        finally:
            for child in frozen.children():
                _kill_quietly(child, signal.SIGCONT)
            frozen.send(signal.SIGCONT)
        (pruned,) = _failures(r)
        assert pruned.exception == "Resque::PruneDeadWorkerDirtyExit" and pruned.args == [1.0]
        wait_for(lambda: raw_redis.sismember("resque:workers", frozen_id), timeout=10, what="registered again")
        assert raw_redis.exists(f"resque:worker:{frozen_id}:started")
        assert raw_redis.hexists("resque:workers:heartbeat", frozen_id)
        # its in-hand job ends (the worker idle again): the pruning's failure stays, nothing counted twice
        wait_for(lambda: "Waiting for high" in frozen.title(), what="the in-hand job over, the worker idle")
        assert [f.exception for f in _failures(r)] == ["Resque::PruneDeadWorkerDirtyExit"]
        assert raw_redis.get("resque:stat:processed") is None
        # and each new job it takes, it takes listed
        r.enqueue_many([("high", "Sleep", [0.05])] * 5)
        wait_for(lambda: r.size("high") == 0, what="new jobs taken")
        wait_for(lambda: raw_redis.get("resque:stat:processed") == b"5", what="new jobs done")
        assert raw_redis.sismember("resque:workers", frozen_id)
        assert frozen.stop() == 0 and pruner.stop() == 0
    assert "pruned while alive" in frozen.output()


def test_quit_during_the_reconnect_back_off_takes_no_job(tmp_path: Path) -> None:
    with RestartableRedis() as server:
        client = Resque(server.url, registry=Registry())
        with WorkerProcess(server.url, "file_serve", "-i", "0.1", log_path=str(tmp_path / "w.log")) as worker:
            worker_id = worker.worker_id()
            worker.send(signal.SIGUSR2)  # paused: the job below waits
            wait_for(lambda: worker.title().endswith("Paused"), what="the worker paused")
            client.enqueue_ruby("Archive", "must wait", queue="file_serve")
            server.stop()
            worker.send(signal.SIGCONT)  # resumes into a Redis that is gone: the back-off
            wait_for(lambda: "lost Redis" in worker.output(), what="the worker in its back-off")
            worker.send(signal.SIGQUIT)
            wait_for(lambda: "QUIT received" in worker.output(), what="the QUIT taken in the back-off")
            server.start()  # the job is still there (append-only file)
            assert worker.proc.wait(20) == 0
        raw = redis.Redis.from_url(server.url)
        assert raw.llen("resque:queue:file_serve") == 1 and raw.llen("contract:results") == 0
        # and it unregistered once Redis answered, within the term timeout
        assert not raw.sismember("resque:workers", worker_id)
        assert not raw.exists(f"resque:worker:{worker_id}:started")
        assert not raw.hexists("resque:workers:heartbeat", worker_id)


@pytest.mark.timeout(120)
def test_an_idle_worker_takes_work_soon_after_redis_returns(tmp_path: Path) -> None:
    with RestartableRedis() as server:
        client = Resque(server.url, registry=Registry())
        with WorkerProcess(server.url, "file_serve", "-i", "0.2", log_path=str(tmp_path / "w.log")) as worker:
            worker.worker_id()
            server.restart(down_for=8.0)  # long enough for an unbounded back-off to reach 8 s
            client.enqueue_ruby("Archive", "after the outage", queue="file_serve")
            raw = redis.Redis.from_url(server.url)
            # a capped back-off: the next try comes within MAX_BACKOFF of Redis answering
            wait_for(lambda: raw.llen("contract:results") == 1, timeout=MAX_BACKOFF + 3, what="the job")
            wait_for(lambda: "Redis is back after" in worker.output(), what="the log line")
            assert worker.stop() == 0


def test_unregistering_at_shutdown_waits_for_redis_up_to_the_term_timeout(tmp_path: Path) -> None:
    with RestartableRedis() as server:
        with WorkerProcess(server.url, "file_serve", "-i", "0.1", log_path=str(tmp_path / "w.log")) as worker:
            worker_id = worker.worker_id()
            server.stop()
            worker.send(signal.SIGQUIT)
            wait_for(lambda: "QUIT received" in worker.output(), what="the QUIT taken")
            # Redis stays away a while longer, so unregistering meets the outage and has to
            # wait for it (the worker writes no line while it waits: the clock is the fault)
            time.sleep(1.0)
            server.start()  # back within RESQUE_TERM_TIMEOUT (4 s)
            assert worker.proc.wait(20) == 0
        raw = redis.Redis.from_url(server.url)
        assert not raw.sismember("resque:workers", worker_id)
        assert not raw.exists(f"resque:worker:{worker_id}:started")
        assert not raw.hexists("resque:workers:heartbeat", worker_id)


@pytest.mark.timeout(120)
def test_live_workers_prune_a_killed_worker_without_any_start(r: Resque,
    redis_url: str, raw_redis: redis.Redis, tmp_path: Path
) -> None:
    live = _quick_beating_worker(redis_url, "low", tmp_path / "live.log", prune_interval=1.5)
    doomed = _quick_beating_worker(redis_url, "high", tmp_path / "doomed.log", prune_interval=1.5)
    with live, doomed:
        live.worker_id()
        doomed_id = doomed.worker_id()
        r.enqueue_ruby("Sleep", 30, queue="high")
        wait_for(lambda: raw_redis.exists(f"resque:worker:{doomed_id}"), what="the job taken")
        children = doomed.children()
        doomed.kill()
        for child in children:
            _kill_quietly(child)
        # no worker starts from here on: the live one's timer prunes the dead one
        wait_for(lambda: r.failure.count() == 1, timeout=15, what="the held job failed")
        (failure,) = _failures(r)
        assert failure.exception == "Resque::PruneDeadWorkerDirtyExit" and failure.args == [30]
        assert not raw_redis.sismember("resque:workers", doomed_id)
        assert live.stop() == 0


def test_a_worker_record_ruby_cannot_parse_lasts_no_longer_than_its_failure_step(r: Resque, raw_redis: redis.Redis
) -> None:
    # a payload past Ruby's nesting is rewritten before anything else happens to it
    raw_redis.sadd("resque:queues", "q")
    raw_redis.rpush("resque:queue:q", b'{"class":"Archive","args":' + b"[" * 150 + b"]" * 150 + b"}")
    seen: list[bytes | None] = []

    class Spy(Worker):
        def report_failure(self, job, exc, count_failed=True):  # type: ignore[no-untyped-def]
            seen.append(raw_redis.get(f"resque:worker:{self.id}"))
            super().report_failure(job, exc, count_failed)

    Spy(r, ["q"], fork_per_job=False).work(0)
    (record,) = seen
    assert record is not None and nesting_depth(record) == 3  # record, payload, args: the bytes are a string now
    assert r.failure.count() == 1


def _kill_quietly(pid: int, sig: int = signal.SIGKILL) -> None:
    """Signal ``pid`` (kill -9 by default) if it is still there (a job's child may have just ended)."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


@pytest.mark.slow  # 20 to 55 s
@pytest.mark.timeout(600)
def test_chaos_kill_minus_nine_and_redis_restarts_lose_nothing(tmp_path: Path) -> None:
    """2,000 jobs, a tenth raising, 2 forking workers; kill -9 of workers and of their
    children at random, 3 Redis restarts (append-only file), 3 windows where Redis is
    out of memory (maxmemory, noeviction) and 3 stalls (DEBUG SLEEP, CLIENT PAUSE), all
    shorter than the prune interval, during the drain."""
    import random

    from resque_interop.worker.prune import prune_dead_workers

    jobs, rng = 2000, random.Random(12)
    journal = tmp_path / "journal"
    env = {"JOURNAL_FILE": str(journal)}
    timing = ("-i", "0.1", "--heartbeat-interval", "1", "--prune-interval", "3")
    with RestartableRedis() as server:
        client = Resque(server.url, registry=Registry())
        client.enqueue_many([("chaos", "Journal", [n, n % 10 == 0]) for n in range(jobs)])
        starts = 0

        def start() -> WorkerProcess:
            nonlocal starts
            starts += 1
            return WorkerProcess(server.url, "chaos", *timing, env=env, log_path=str(tmp_path / f"w{starts}.log"))

        workers = [start(), start()]
        kills = restarts = fulls = stalls = 0
        wait_for(lambda: client.size("chaos") < jobs - 20, timeout=30, what="the workers at work")
        admin = redis.Redis.from_url(server.url)

        refused = 0  # commands Redis refused in the full windows (its errorstats: Redis 6 counts
        # a script's OOM as ERR)

        def errors() -> int:
            return sum(int(stat["count"]) for stat in admin.info("errorstats").values())

        def full_for(seconds: float) -> None:
            nonlocal refused
            before = errors()
            refuse_writes(admin, "out of memory", server.dir)
            time.sleep(seconds)  # the window of refused writes is the fault played
            accept_writes(admin, "out of memory", server.dir)
            refused += errors() - before

        def stall_for(seconds: float) -> None:
            if stalls % 2 == 0:
                try:
                    admin.execute_command("DEBUG", "SLEEP", f"{seconds:.2f}")  # returns when Redis wakes
                    return
                except redis.ResponseError:  # DEBUG disabled (Redis 7's enable-debug-command)
                    pass
            admin.client_pause(int(seconds * 1000))
        try:
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                try:
                    left = client.size("chaos")
                except redis.ConnectionError:
                    left = 1
                if left == 0:
                    break
                time.sleep(rng.uniform(0.05, 0.3))  # chaos: a random pause between two faults
                dice = rng.random()
                if fulls < 3 and dice < 0.1:
                    full_for(rng.uniform(0.3, 1.2))
                    fulls += 1
                elif stalls < 3 and dice < 0.2:
                    stall_for(rng.uniform(0.3, 1.2))
                    stalls += 1
                elif restarts < 3 and dice < 0.35:
                    server.stop(crash=restarts == 1)  # one of the three a crash (SIGKILL)
                    time.sleep(rng.uniform(0.2, 1.5))  # the outage's length is the fault played
                    server.start()
                    restarts += 1
                elif kills < 30:
                    index = rng.randrange(len(workers))
                    victim = workers[index]
                    children = victim.children()
                    if children and rng.random() < 0.5:
                        for child in children:
                            _kill_quietly(child)  # the job's process: a DirtyExit
                    else:
                        victim.kill()  # the worker itself: its job is pruned
                        for child in children:
                            _kill_quietly(child)
                        workers[index] = start()
                    kills += 1
            while restarts < 3:  # a fast drain still gets its three restarts
                server.restart(down_for=0.3)
                restarts += 1
            while fulls < 3:
                full_for(0.5)
                fulls += 1
            while stalls < 3:
                stall_for(0.5)
                stalls += 1
            wait_for(lambda: client.size("chaos") == 0, timeout=200, what="the queue drained")
            raw = redis.Redis.from_url(server.url)
            wait_for(lambda: not any(raw.exists(f"resque:worker:{w}") for w in client.store.workers.worker_ids()
                                     if int(w.split(":")[1]) in {x.pid for x in workers}),
                     timeout=60, what="the live workers idle")
        finally:
            for w in workers:
                w.stop()
        # what the killed workers held becomes a failure (Ruby's rules, forced as the CLI's prune)
        prune_dead_workers(client, f"{HOST}:0:chaos", ["chaos"], HOST, force=True)
        assert restarts == 3 and fulls == 3 and stalls == 3 and kills >= 5
        logs = "".join((tmp_path / f"w{n}.log").read_text(errors="replace") for n in range(1, starts + 1))
        assert refused > 0, "no write met a full Redis"
        # a refusal is logged by its cause ("Redis is out of memory ..."); its exception's
        # name would mean one escaped (a traceback, a failure that could not be recorded)
        assert "OutOfMemoryError" not in logs and "-OOM" not in logs
        lines = journal.read_text().splitlines() if journal.exists() else []
        ran = [int(line.split()[0]) for line in lines]
        raised = {int(line.split()[0]) for line in lines if line.endswith("raised")}
        assert len(ran) == len(set(ran)), "a job ran twice"
        failures = _failures(client)
        failed = {f.args[0]: f for f in failures}
        assert len(failed) == len(failures), "a job failed twice"
        missing = set(range(jobs)) - set(ran) - set(failed)
        assert not missing, f"{len(missing)} jobs silently absent after {kills} kills and {restarts} restarts"
        lost = {n for n in raised if n not in failed}
        assert not lost, f"failures lost: {sorted(lost)[:10]}"
        kinds = {f.exception for f in failures}
        assert kinds <= {"tests.jobs.ArgumentError", "Resque::DirtyExit", "Resque::PruneDeadWorkerDirtyExit"}
        # counters match what happened: every job counted processed once, except those a
        # pruner or an unregister failed (Ruby counts neither); failed counts raised jobs only
        unfinished = [f for f in failures if f.exception == "Resque::PruneDeadWorkerDirtyExit"
                      or f.error == "Job still being processed"]
        assert int(raw.get("resque:stat:processed") or 0) == jobs - len(unfinished)
        assert int(raw.get("resque:stat:failed") or 0) == sum(
            1 for f in failures if f.exception == "tests.jobs.ArgumentError"
        )
        assert raw.scard("resque:workers") == 0
        counts = {kind: sum(1 for f in failures if f.exception == kind) for kind in kinds}
        print(f"chaos: {kills} kills, {restarts} restarts, {fulls} full ({refused} commands refused), "
              f"{stalls} stalls, {len(ran)} ran, failures {counts}")


def test_the_dashboard_shows_bytes_that_were_not_a_job_and_retries_them_exactly(
    r: Resque, raw_redis: redis.Redis
) -> None:
    from resque_interop.web.app import create_app

    from .support.web_client import post

    raw_redis.sadd("resque:queues", "q")
    raw_redis.rpush("resque:queue:q", b"<script>alert(1)</script>{", b"[1,2]")
    Worker(r, ["q"], fork_per_job=False).work(0)
    app = create_app(r)
    app.testing = True
    web = app.test_client()
    page = web.get("/failed").get_data(as_text=True)
    assert page.count("Not a job") == 2 and "not valid JSON" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;{" in page and "<script>alert" not in page
    api = web.get("/api/failed").get_json()
    originals = sorted(entry["original"] for entry in api["failures"])
    assert originals == ["<script>alert(1)</script>{", "[1,2]"]
    entry = next(entry for entry in api["failures"] if entry["original"] == "[1,2]")
    response = post(web, f"/failed/failed/requeue/{entry['index']}", fingerprint=entry["fingerprint"])
    assert response.status_code in (302, 303)
    assert raw_redis.lrange("resque:queue:q", 0, -1) == [b"[1,2]"]


def test_a_wake_up_that_reaches_redis_before_a_blocking_wait_does_not_leave_it_blocked(r: Resque) -> None:
    # a wait thread slow to start sends its BLMOVE after the UNBLOCK meant for it: the
    # waiter unblocks again until the wait returns, instead of leaving it blocked (a
    # shutdown would then hang on it for up to 30 s)
    import threading

    from resque_interop.worker.waiting import QueueWaiter

    started = threading.Event()

    class SlowStart(QueueWaiter):
        def _block(self, queue: str, timeout: float, ready: threading.Event) -> bool:
            self._conns.connect(queue)  # connected, as after an earlier wait
            started.set()
            time.sleep(6)  # the wake-up, its UNBLOCK and the waiter's 5 s of patience pass meanwhile
            return super()._block(queue, timeout, ready)

    waiter, wake = SlowStart(r.redis, r.keys), threading.Event()
    done = threading.Event()

    def wait() -> None:
        waiter.wait(["q"], 25.0, wake)
        waiter.close()
        done.set()

    threading.Thread(target=wait, daemon=True).start()
    assert started.wait(5), "the wait thread never started"
    wake.set()
    assert done.wait(15), "the wait stayed blocked after its wake-up (BLMOVE of 25 s)"
