"""The worker: registers as Ruby does, reserves atomically, runs each job in a
forked child (or in-process), reports as Ruby does, and answers Resque's signals.

Life cycle (Ruby's ``Worker#work``): title ``resque: Starting``; signal
handlers; heartbeat thread; prune dead workers; ``before_first_fork``;
register. Then loop: finish the previous job and reserve the next in one
script (see :mod:`resque_interop.store.scripts`), perform it, repeat; when idle,
block on the queues (see :mod:`resque_interop.worker.waiting`). At the end,
unregister and run ``worker_exit``.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import socket
import threading
import time
from collections.abc import Sequence
from typing import Any

import msgspec
import redis

from ..client.job import Job
from ..client.resque import Resque
from ..errors import DecodeError, NoClassError, TermException
from ..runtime.eventloop import JobLoop
from ..runtime.logfmt import bounded, format_error
from ..runtime.procline import procline, set_title
from ..runtime.sigsafe import SignalLog, SignalSafeEvent
from ..schema import timefmt
from ..schema.payloads import HeldJob, is_job, unrunnable_payload
from ..schema.workers import interop_client_name, split_worker_id
from ..store.pipeline import CommandLog
from ..store.redis_errors import refusal
from ..store.reserve import (
    Empty,
    Finish,
    Paused,
    Recovered,
    Reserved,
    Reserver,
    ReserveReply,
    Unregistered,
    WrongType,
    read_reply,
)
from ..store.stats import counts_in_reserve
from .execution import ForkExecutor, InlineExecutor
from .outage import Outage, passing_fault
from .prune import StallGuard, prune_dead_workers, unregister_worker
from .queues import QueueList
from .timeouts import inline_deadline, timeout_for
from .waiting import QueueWaiter

log = logging.getLogger("resque_interop.worker")

# Bytes that another encoder may write differently from Ruby (fractions and
# exponents, escapes, spacing, -0). Payloads without them are Ruby's already.
_MAYBE_FOREIGN = re.compile(rb'[0-9][.eE]|\\[u/]|-0[^.0-9]|[:,] |[{\[] ')
# ... and, for a dialect with ActiveSupport loaded, what it escapes where others write it raw
_MAYBE_FOREIGN_TO_RAILS = re.compile(_MAYBE_FOREIGN.pattern + rb'|[<>&]|\xe2\x80[\xa8\xa9]')



def _env_flag(name: str) -> bool:
    value = os.environ.get(name) or ""
    return bool(value) and value.lower() not in ("0", "false", "no")


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


class Worker:
    """One Resque worker process."""

    def __init__(
        self,
        client: Resque,
        queues: Sequence[str] | str | None = None,
        *,
        fork_per_job: bool | None = None,
        term_child: bool | None = None,
        term_timeout: float | None = None,
        pre_shutdown_timeout: float | None = None,
        graceful_term: bool | None = None,
        run_at_exit_hooks: bool | None = None,
        hostname: str | None = None,
        job_timeout: float | None = None,
    ) -> None:
        if queues is None or queues == [] or queues == "":
            queues = os.environ.get("QUEUES") or os.environ.get("QUEUE") or ""
        self.queue_list = QueueList.parse(queues) if isinstance(queues, str) else QueueList(queues)
        self.client = client
        self.hostname = hostname or socket.gethostname()
        self.pid = os.getpid()
        self.id = f"{self.hostname}:{self.pid}:{self.queue_list.id_part}"
        if fork_per_job is None:
            fork_per_job = os.environ.get("FORK_PER_JOB") != "false" and hasattr(os, "fork")
        self.fork_per_job = fork_per_job
        self.term_child = _env_flag("TERM_CHILD") if term_child is None else term_child
        self.term_timeout = _env_float("RESQUE_TERM_TIMEOUT", 4.0) if term_timeout is None else term_timeout
        self.pre_shutdown_timeout = (
            _env_float("RESQUE_PRE_SHUTDOWN_TIMEOUT", 0.0) if pre_shutdown_timeout is None else pre_shutdown_timeout
        )
        self.graceful_term = _env_flag("GRACEFUL_TERM") if graceful_term is None else graceful_term
        self.run_at_exit_hooks = _env_flag("RUN_AT_EXIT_HOOKS") if run_at_exit_hooks is None else run_at_exit_hooks
        self.executor = ForkExecutor(self) if self.fork_per_job else InlineExecutor(self)
        #: seconds a job may run unless registered with its own timeout (see worker/timeouts.py)
        self.job_timeout = job_timeout
        #: where what an ``async def`` job or hook returns is awaited (a forked child makes its own)
        self.job_loop = JobLoop()
        self.wake = SignalSafeEvent()  # set by signal handlers: see sigsafe.py
        self.signal_log = SignalLog(log)  # what the handlers say, logged off the handler
        self._maybe_foreign = _MAYBE_FOREIGN_TO_RAILS if client.codec.escapes_html else _MAYBE_FOREIGN
        self._shutdown = False
        self._paused = False
        self._in_job = False
        self._last_state = "idle"
        self._heartbeat_stop = threading.Event()
        self._heartbeat_thread: threading.Thread | None = None
        self._waiter = QueueWaiter(client.redis, client.keys)
        self._queue_json: dict[str, bytes] = {}
        self._first_fork_done = False
        self._reserver: Reserver | None = None
        self._held: bytes | None = None  # the worker:<id> value this worker left, byte for byte
        self._resolved: list[str] = []
        self._resolved_at = -1.0
        self.procline_prefix = os.environ.get("RESQUE_PROCLINE_PREFIX", "")
        self.jobs_done = 0
        self._registered = False
        self._register_lock = threading.Lock()
        #: prune dead workers after every heartbeat, not only at start-up (Ruby prunes at start only)
        self.prune_on_timer = True
        #: this worker's own link to Redis: no pruning by heartbeat age right after a stall
        self.stall_guard = StallGuard(client)
        self._bad_queue_logged: dict[str, float] = {}

    # -- identity and registration -----------------------------------------
    def __str__(self) -> str:
        return self.id

    def register(self) -> None:
        """SADD workers + SET worker:<id>:started, as Ruby; and name this process's
        connections so a dashboard can tell a Python worker (see ``interop_client_name``)."""
        host, pid, _ = split_worker_id(self.id)
        name = interop_client_name(host, pid)
        if name:
            self.client.store.name_connections(name)
        self.client.store.register_worker(self.id, timefmt.started_at())
        self._registered = True

    def unregister(self, exc: BaseException | None = None) -> None:
        """Remove every per-worker key; a job still held becomes a failure."""
        self.stop_heartbeat()
        self._registered = False
        unregister_worker(self.client, self.id, exc)

    def heartbeat(self) -> None:
        """HSET workers:heartbeat <id> <server time, ISO 8601>. Once registered, a worker
        that finds itself gone from ``workers`` (pruned while frozen) registers again."""
        beat = timefmt.heartbeat_at(self.client.store.server_time())
        if not self._registered:
            self.client.store.heartbeat(self.id, beat)
        elif not self.client.store.heartbeat_if_registered(self.id, beat):
            self.reregister("at its heartbeat")

    def reregister(self, when: str) -> None:
        """Back into ``workers`` (with ``:started`` and a heartbeat) after being pruned alive."""
        with self._register_lock:
            if self.client.store.worker_exists(self.id):
                return
            log.warning(
                "%s was pruned while alive (no heartbeat for over %ss: frozen or stopped?); "
                "registering again (noticed %s)", self.id, self.client.prune_interval, when,
            )
            self.register()
            self.client.store.heartbeat(self.id, timefmt.heartbeat_at(self.client.store.server_time()))

    def start_heartbeat(self) -> None:
        """Remove any old heartbeat, then beat every heartbeat interval from a thread;
        after each beat, prune dead workers (under Ruby's lock), so that a dead worker's
        job becomes a failure without waiting for some worker to start."""
        self.client.store.remove_heartbeat(self.id)
        self._heartbeat_stop.clear()

        def beat() -> None:
            first = True
            failing = ""  # the last failure logged: one line per kind, not one per beat
            while True:
                try:
                    self.heartbeat()
                    self.stall_guard.heard()
                    if failing:
                        log.warning("heartbeat written again")
                        failing = ""
                    if not first and self.prune_on_timer:
                        self.prune_dead_workers()
                except redis.RedisError as exc:
                    what = passing_fault(exc) or format_error(exc)
                    if what != failing:
                        log.warning("heartbeat failed: %s", what)
                        failing = what
                except Exception as exc:  # noqa: BLE001 - the heartbeat thread must live on
                    log.error("heartbeat or pruning failed: %s", format_error(exc))
                first = False
                if self._heartbeat_stop.wait(self.client.heartbeat_interval):
                    return

        self._heartbeat_thread = threading.Thread(target=beat, name="resque-heartbeat", daemon=True)
        self._heartbeat_thread.start()

    def stop_heartbeat(self) -> None:
        self._heartbeat_stop.set()
        if self._heartbeat_thread is not None and self._heartbeat_thread is not threading.current_thread():
            self._heartbeat_thread.join(timeout=5)
        self._heartbeat_thread = None

    def prune_dead_workers(self) -> list[str]:
        """Ruby's pruning, as this worker (see :mod:`resque_interop.worker.prune`)."""
        return prune_dead_workers(self.client, self.id, self.queue_list.patterns, self.hostname,
                                  guard=self.stall_guard)

    # -- hooks --------------------------------------------------------------
    def run_hook(self, name: str, *args: Any) -> None:
        for hook in self.client.hooks:
            self.job_loop.settle(getattr(hook, name)(self, *args))

    def state_change(self, state: str) -> None:
        if state != self._last_state:
            if state == "idle":
                self.run_hook("queue_empty")
            self._last_state = state

    # -- signals ------------------------------------------------------------
    def register_signal_handlers(self) -> None:
        """TERM/INT: stop now (kill the child); QUIT: finish the job, then stop;
        USR1: kill the child, go on; USR2: pause; CONT: resume."""
        if threading.current_thread() is not threading.main_thread():
            return
        note = self.signal_log.note
        child = "the job's child" if self.fork_per_job else "the job (it runs in this process)"

        def term(*_: object) -> None:
            if self.graceful_term:
                note("TERM received (GRACEFUL_TERM): finishing the job in hand, then exiting")
                self.shutdown()
            else:
                note(f"TERM received: stopping {child} and exiting")
                self.shutdown_now()

        def interrupt(*_: object) -> None:
            note(f"INT received: stopping {child} and exiting")
            self.shutdown_now()

        def quit_(*_: object) -> None:
            note("QUIT received: finishing the job in hand, then exiting")
            self.shutdown()

        def usr1(*_: object) -> None:
            note("USR1 received: killing the job's child, carrying on" if self.fork_per_job else
                 "USR1 received: nothing to kill (jobs run in this process)")
            self.executor.kill_child()

        def usr2(*_: object) -> None:
            note("USR2 received: pausing job processing")
            self.pause()

        def cont(*_: object) -> None:
            note("CONT received: resuming job processing")
            self.unpause()

        signal.signal(signal.SIGTERM, term)
        signal.signal(signal.SIGINT, interrupt)
        signal.signal(signal.SIGQUIT, quit_)
        signal.signal(signal.SIGUSR1, usr1)
        signal.signal(signal.SIGUSR2, usr2)
        signal.signal(signal.SIGCONT, cont)

    def shutdown(self) -> None:
        """Stop after the current job."""
        self._shutdown = True
        self.wake.set()
        self.run_hook("shutdown")

    def shutdown_now(self) -> None:
        """Stop now: kill the child (TERM then KILL with TERM_CHILD, else KILL)."""
        self.shutdown()
        if self.fork_per_job:
            self.executor.kill_child()
        elif self.term_child and self._in_job:
            raise TermException("SIGTERM")

    @property
    def paused(self) -> bool:
        """True while USR2 (or ``pause()``) holds job processing."""
        return self._paused

    def pause(self) -> None:
        """Take no new job until :meth:`unpause` (USR2)."""
        self.run_hook("before_pause")
        self._paused = True

    def unpause(self) -> None:
        """Take jobs again (CONT)."""
        self._paused = False
        self.wake.set()
        self.run_hook("after_pause")

    # -- the loop -----------------------------------------------------------
    def queues(self, fresh: bool = False) -> list[str]:
        """The queues to check now, in priority order. Globs are matched against the
        known queues at most once a second while busy (Ruby asks on every reserve)."""
        if not self.queue_list.dynamic:
            return self.queue_list.patterns
        now = time.monotonic()
        if fresh or self._resolved_at + 1.0 < now:
            try:
                names = self.client.store.queue_names()
            except redis.ConnectionError as exc:  # keep the last list; the reserve retries
                log.error("lost Redis while listing queues (%s)", format_error(exc))
                return self._resolved
            self._resolved = self.queue_list.resolve(names)
            self._resolved_at = now
        return self._resolved

    def _qjson(self, queue: str) -> bytes:
        data = self._queue_json.get(queue)
        if data is None:
            data = self._queue_json[queue] = self.client.codec.encode(queue)
        return data

    def startup(self) -> bool:
        """Heartbeat, prune, ``before_first_fork``, register. While Redis refuses writes
        (out of memory, a read-only replica, ...), or is lost after it first answered,
        wait and try again, saying so once; False when a shutdown came meanwhile (nothing
        was registered). A Redis that never answered fails at once, as with Ruby."""
        set_title("resque: Starting")
        self.register_signal_handlers()
        outage = Outage()
        answered = False
        while True:
            try:
                self.heartbeat()  # a write: refused here, before the heartbeat thread would log it too
                answered = True
                self.start_heartbeat()
                self.prune_dead_workers()
                if not self._first_fork_done:
                    self.run_hook("before_first_fork")
                    self._first_fork_done = True
                self.register()
                break
            except redis.RedisError as exc:
                fault = passing_fault(exc)
                if fault is None or not (answered or refusal(exc)):
                    raise
                answered = True
                self.stop_heartbeat()
                if outage.begin(fault):
                    log.error("%s; %s waits to register, retrying every %gs at most", fault, self.id, outage.cap)
                if self._shutdown:
                    return False
                self.wake.wait(outage.next_delay())
        if outage.ongoing:
            log.warning("%s: %s registered", outage.over(), self.id)
        return True

    def work(
        self,
        interval: float | None = None,
        *,
        min_interval: float | None = None,
        max_interval: float | None = None,
        backoff_interval: float | None = None,
    ) -> None:
        """Work until shut down. ``interval=0`` drains the queues and returns, as Ruby.
        The interval bounds how long one idle wait lasts; with BLMOVE a job is
        picked up as soon as it arrives, whatever the interval."""
        interval = float(_env_float("INTERVAL", 5.0) if interval is None else interval)
        max_i = float(max_interval if max_interval is not None else _env_float("MAX_INTERVAL", interval))
        min_i = min(float(min_interval if min_interval is not None else _env_float("MIN_INTERVAL", interval)), max_i)
        backoff = min(float(backoff_interval if backoff_interval is not None else _env_float("BACKOFF_INTERVAL", 0.1)), max_i)
        current = max(min(interval, max_i), min_i)
        if not self.startup():
            self.stop_heartbeat()
            self._exit_hooks()
            return
        error: BaseException | None = None
        finish = Finish.NOTHING
        try:
            idle = True
            while True:
                # clear before looking at the flags: a signal handler sets its flag, then
                # wakes us, so a signal arriving at any point cuts the next wait short
                self.wake.clear()
                if self._shutdown:
                    break
                if self._paused:
                    try:
                        finish = self._finish(finish)
                    except redis.RedisError as exc:  # kept: the next reserve finishes it
                        fault = passing_fault(exc)
                        if fault is None:
                            raise
                        log.error("%s while pausing; will retry", fault)
                    procline("Paused")
                    self.wake.wait(max(current, 0.05))
                    continue
                queues = self.queues(fresh=idle)
                reply = self._reserve(queues, finish)
                if reply is None:  # a shutdown came while Redis was away: take nothing
                    break
                finish = Finish.NOTHING
                match reply:
                    case Unregistered():  # pruned while alive: back into workers before any job
                        self._register_again()
                    case Empty() | Paused() | WrongType():
                        idle = True
                        if isinstance(reply, WrongType):
                            self._log_bad_queue(reply.queue)
                        self.state_change("idle")
                        if interval == 0:
                            break
                        current = min(current + backoff, max_i)
                        self._idle_wait(queues, current, paused=isinstance(reply, Paused))
                    case Reserved() | Recovered():
                        idle = False
                        current = min_i
                        queue, raw = (reply.queue, reply.raw) if isinstance(reply, Reserved) else self._adopt(reply.held)
                        self.perform_reserved(queue, raw)
                        finish = Finish.after_job(counts_in_reserve(self.client.stats))
        except BaseException as exc:
            error = exc
            raise
        finally:
            self._waiter.close()
            self._leave(finish, error if isinstance(error, Exception) else None)
            self._exit_hooks()

    def _register_again(self) -> None:
        """Back into ``workers`` after a reserve found this worker pruned while alive; while
        Redis is away the next reserve finds it unregistered again, and this is retried."""
        try:
            self.reregister("at a reserve")
        except redis.RedisError as exc:
            fault = passing_fault(exc)
            if fault is None:
                raise
            log.error("%s while registering again; will retry", fault)
            self.wake.wait(1.0)

    def _idle_wait(self, queues: list[str], seconds: float, paused: bool) -> None:
        """Wait for a job (blocking on the queues where the server can) or a signal."""
        procline("Paused" if paused else f"Waiting for {','.join(queues)}", self.procline_prefix)
        if paused or not self._waiter.supported:
            self.wake.wait(seconds)
        else:
            wait_for = min(seconds, 1.0) if self.queue_list.dynamic else max(seconds, 0.05)
            self._waiter.wait(queues, wait_for, self.wake)

    def _exit_hooks(self) -> None:
        """``worker_exit``, then close the job loop and write what the last signal noted."""
        try:
            self.run_hook("worker_exit")
        finally:
            self.job_loop.close()
            self.signal_log.flush()  # a line noted by the last signal is written before exit

    def _leave(self, finish: Finish, error: Exception | None) -> None:
        """Finish the last job and unregister, retried while Redis is away, up to the
        term timeout; past it the worker is left for pruning (its job stays held)."""
        patience = max(self.term_timeout, 1.0)
        outage = Outage()
        while True:
            try:
                finish = self._finish(finish)
                self.unregister(error)
                return
            except redis.RedisError as exc:
                fault = passing_fault(exc)
                if fault is not None:
                    outage.begin(fault)
                    if outage.lasted() < patience:
                        time.sleep(outage.next_delay())
                        continue
                    log.error(
                        "could not unregister %s: %s for %.0fs; pruning will remove it and fail "
                        "any job it held", self.id, fault, patience,
                    )
                    return
                log.error("could not unregister %s: %s", self.id, format_error(exc))
                return

    def _log_bad_queue(self, queue: str) -> None:
        now = time.monotonic()
        if self._bad_queue_logged.get(queue, -1e9) + 60 < now:
            self._bad_queue_logged[queue] = now
            log.error("%s is not a list (wrong type): skipped; its jobs cannot be reserved", self.client.keys.queue(queue))

    def _reserve(self, queues: list[str], finish: Finish) -> ReserveReply | None:
        """FINISH_AND_RESERVE, retried while Redis is away (back-off capped at
        MAX_BACKOFF); remembers the ``worker:<id>`` value it left. Retrying is safe even
        when a lost reply hid a reservation (see scripts.py). None when a shutdown
        was asked for while Redis was away: the pending finish is then left to ``_leave``."""
        reserver = self._reserver
        if reserver is None or reserver.queues != queues:
            reserver = self._reserver = self.client.store.reserver(
                self.id, queues, [self._qjson(q) for q in queues]
            )
        outage = Outage()
        while True:
            if outage.ongoing and self._shutdown:
                return None
            run_at = timefmt.run_at()
            try:
                reply = reserver.call(finish, run_at, self._held)
            except redis.RedisError as exc:
                fault = passing_fault(exc)
                if fault is None:
                    raise
                if outage.begin(fault):
                    if outage.refused:
                        log.error("%s; no new job is taken until Redis accepts writes (retrying every %gs at most)",
                                  fault, outage.cap)
                    else:
                        log.error("%s; retrying every %gs at most", fault, outage.cap)
                self.wake.wait(outage.next_delay())
                continue
            self._held = reserver.held_after(reply, run_at)
            if outage.ongoing:
                log.warning("%s", outage.over())
            return read_reply(reply, queues)

    def _finish(self, finish: Finish) -> Finish:
        """Finish a job whose completion was not yet sent with a reserve: the same script
        over no queues, so a lost reply is as safe here as there."""
        if finish is not Finish.NOTHING:
            finisher = self.client.store.reserver(self.id, [], [])
            run_at = timefmt.run_at()
            self._held = finisher.held_after(finisher.call(finish, run_at, self._held), run_at)
        return Finish.NOTHING

    def _adopt(self, held: bytes) -> tuple[str, bytes]:
        """(queue, payload) of a job an earlier reserve took while its reply was lost."""
        log.warning("a reserve's reply was lost; carrying on with the job it took")
        try:
            job = msgspec.json.decode(held, type=HeldJob)
        except msgspec.DecodeError:
            return "", held  # not Resque's shape: becomes a failure holding the raw text
        return job.queue, bytes(job.payload)

    def perform_reserved(self, queue: str, raw: bytes) -> None:
        """Run a job the reserve script handed over (already in ``worker:<id>``). Bytes
        that are not a job Ruby could run (not JSON, nested past Ruby's limit, not an
        object with a class) never run and never kill the worker: they become a failure
        that keeps them (see :func:`~resque_interop.schema.payloads.unrunnable_payload`)."""
        self.state_change("working")
        problem: Exception | None = None
        try:
            payload = self.client.codec.decode_job(raw)
            if not is_job(payload):
                problem = NoClassError(f"payload is not a JSON object with a string class: {bounded(raw_preview(raw), 200)}")
        except DecodeError as exc:
            problem = exc
        if problem is not None:
            # worker:<id> becomes something every peer's parser reads, until the
            # failure step below removes it
            payload = unrunnable_payload(raw, bounded(str(problem), 200))
            self._record_working(queue, payload)
            job = Job(self.client, queue, payload, raw, self.id)
            log.error("cannot run a job from %s: %s", queue, format_error(problem))
            self.report_failure(job, problem)
            self.jobs_done += 1
            return
        try:
            foreign = self._maybe_foreign.search(raw) is not None and self.client.codec.encode(payload) != raw
        except Exception:  # noqa: BLE001 - not ours to rewrite; it still runs
            foreign = False
        if foreign:
            self._record_working(queue, payload)  # another peer's dialect: write Ruby's
        job = Job(self.client, queue, payload, raw, self.id)
        procline(f"Processing {queue} since {int(time.time())} [{bounded(job.display_name, 200)}]", self.procline_prefix)
        log.info("got: %r", job)
        self.executor.run(job)
        self.jobs_done += 1
        if not counts_in_reserve(self.client.stats):  # else the next reserve counts it
            self.client.stats.incr("processed")
            self.client.stats.incr(f"processed:{self.id}")

    def _record_working(self, queue: str, payload: Any) -> None:
        """Rewrite ``worker:<id>`` in Ruby's dialect; a lost connection only costs the rewrite
        (the held value stays the one Redis has, so the next reserve finishes the job)."""
        data = self.client.codec.encode({"queue": queue, "run_at": timefmt.run_at(), "payload": payload})
        try:
            self.client.store.set_worker_payload(self.id, data)
        except redis.RedisError as exc:
            log.error("could not rewrite %s (%s)", self.client.keys.worker(self.id), format_error(exc))
            return
        self._held = data

    def perform(self, job: Job) -> None:
        """Perform ``job`` here and report a failure (what the child does)."""
        self._in_job = True
        try:
            # with fork the parent enforces the timeout; in-process, a soft one
            with inline_deadline(None if self.fork_per_job else timeout_for(job, self.job_timeout)):
                job.perform(self.job_loop)
        except (Exception, TermException) as exc:
            self.report_failure(job, exc)
        else:
            log.info("done: %r", job)
        finally:
            self._in_job = False

    def report_failure(self, job: Job, exc: BaseException, count_failed: bool = True) -> None:
        """Record a failure (entry, counters) and finish the job (DEL ``worker:<id>``, count it
        processed) as one atomic step; while Redis is away, keep it and try again until
        Redis answers. ``count_failed`` False: a dirty exit (Ruby saves it uncounted)."""
        log.info("%r failed: %s", job, format_error(exc))
        writes = CommandLog()
        try:
            job.fail(exc, writes)
        except Exception as err:  # noqa: BLE001 - as Ruby: log, then still count it
            log.error("Received exception when reporting failure: %s", format_error(err))
        if count_failed:
            self.client.stats.incr("failed", pipe=writes)
            self.client.stats.incr(f"failed:{self.id}", pipe=writes)
        self.write_outcome(writes, f"the failure of {job!r}")

    def write_outcome(self, writes: CommandLog, what: str) -> bool:
        """Send ``writes`` with the finish of the held job, retrying while Redis is away
        (after a shutdown request, up to the term timeout: past it the job stays in
        ``worker:<id>`` and pruning fails it). True when written now."""
        count = counts_in_reserve(self.client.stats)
        patience = max(self.term_timeout, 1.0)
        outage = Outage()
        shutdown_seen: float | None = None  # the outage's age when a shutdown was first seen
        while True:
            try:
                done = self.client.store.finish_with(self.id, self._held, writes, count)
            except redis.RedisError as exc:
                fault = passing_fault(exc)
                if fault is None:
                    raise
                if outage.begin(fault):
                    until = "it accepts writes" if outage.refused else "Redis answers"
                    log.error("%s while recording %s; kept until %s", fault, what, until)
                if self._shutdown:
                    shutdown_seen = outage.lasted() if shutdown_seen is None else shutdown_seen
                    if outage.lasted() - shutdown_seen >= patience:
                        log.error("shutting down before Redis answered: %s is left to pruning", what)
                        return False
                time.sleep(outage.next_delay())
                continue
            if outage.ongoing:
                log.warning("%s: recorded %s", outage.over(), what)
            if not done:
                log.warning("%s not recorded: the job was finished or pruned meanwhile (see its failure)", what)
            self._held = None
            return done


def raw_preview(raw: bytes) -> str:
    """The start of some bytes as text, for messages."""
    return raw[:300].decode("utf-8", "backslashreplace")
