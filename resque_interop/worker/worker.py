"""The worker: registers as Ruby does, reserves atomically, runs each job in a
forked child (or in-process), reports as Ruby does, and answers Resque's signals.

Life cycle (Ruby's ``Worker#work``): title ``resque: Starting``; signal
handlers; heartbeat thread; prune dead workers; ``before_first_fork``;
register. Then loop: finish the previous job and reserve the next in one
script (see :mod:`resque_interop.store.reserve`), perform it, repeat; when idle,
block on the queues (see :mod:`resque_interop.worker.waiting`). At the end,
unregister and run ``worker_exit``.

Its parts: settings in :mod:`~resque_interop.worker.config`, registration and the
heartbeat in :mod:`~resque_interop.worker.heartbeat`, the job in hand and its
outcome in :mod:`~resque_interop.worker.outcome`, running a job in
:mod:`~resque_interop.worker.execution`.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Sequence
from typing import Any

import redis

from ..client.job import Job
from ..client.resque import Resque
from ..errors import DecodeError, NoClassError, TermException
from ..runtime.eventloop import JobLoop
from ..runtime.logfmt import bounded
from ..runtime.procline import procline, set_title
from ..runtime.sigsafe import SignalLog, SignalSafeEvent
from ..schema.payloads import is_job
from ..schema.readable import raw_text
from ..store.reserve import (
    Empty,
    Finish,
    Paused,
    Recovered,
    Reserved,
    Unregistered,
    WrongType,
)
from .config import Intervals, SettingsView, WorkerConfig
from .execution import ForkExecutor, InlineExecutor
from .heartbeat import Registration
from .outage import passing_fault
from .outcome import JobOutcome
from .source import JobSource
from .timeouts import inline_deadline, timeout_for
from .waiting import QueueWaiter

log = logging.getLogger("resque_interop.worker")


class Worker(SettingsView):
    """One Resque worker process (settings not given are read from Resque's environment
    variables: see :class:`~resque_interop.worker.config.WorkerConfig`)."""

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
        self.config = WorkerConfig.read(
            queues, fork_per_job=fork_per_job, term_child=term_child, term_timeout=term_timeout,
            pre_shutdown_timeout=pre_shutdown_timeout, graceful_term=graceful_term,
            run_at_exit_hooks=run_at_exit_hooks, job_timeout=job_timeout,
        )
        self.queue_list = self.config.queue_list
        self.client = client
        self.hostname = hostname or socket.gethostname()
        self.pid = os.getpid()
        self.id = f"{self.hostname}:{self.pid}:{self.queue_list.id_part}"
        self.executor = ForkExecutor(self) if self.config.fork_per_job else InlineExecutor(self)
        #: where what an ``async def`` job or hook returns is awaited (a forked child makes its own)
        self.job_loop = JobLoop()
        self.wake = SignalSafeEvent()  # set by signal handlers: see sigsafe.py
        self.signal_log = SignalLog(log)  # what the handlers say, logged off the handler
        #: registration in ``workers`` and the heartbeat
        self.registration = Registration(client, self.id, self.hostname, self.queue_list.patterns)
        self._shutdown = False
        #: the job in hand (``worker:<id>``) and the writing of its outcome
        self.outcome = JobOutcome(client, self.id, self.config.term_timeout, lambda: self._shutdown)
        #: the queues resolved and the reserve (finishing the previous job)
        self.source = JobSource(client, self.id, self.queue_list, self.outcome, self.wake, lambda: self._shutdown)
        #: True while a job runs in this process (a TERM then raises in it, with TERM_CHILD)
        self.in_job = False
        self.jobs_done = 0
        self._paused = False
        self._last_state = "idle"
        self._waiter = QueueWaiter(client.redis, client.keys)
        self._first_fork_done = False

    @property
    def prune_on_timer(self) -> bool:
        """Prune dead workers after every heartbeat, not only at start-up (Ruby prunes at start only)."""
        return self.registration.prune_on_timer

    @prune_on_timer.setter
    def prune_on_timer(self, value: bool) -> None:
        self.registration.prune_on_timer = value

    # -- identity and registration (see heartbeat.py) --------------------------
    def __str__(self) -> str:
        return self.id

    def register(self) -> None:
        """SADD workers + SET worker:<id>:started, as Ruby (see :class:`Registration`)."""
        self.registration.register()

    def unregister(self, exc: BaseException | None = None) -> None:
        """Remove every per-worker key; a job still held becomes a failure."""
        self.registration.unregister(exc)

    def heartbeat(self) -> None:
        """One heartbeat (registering again when pruned while alive)."""
        self.registration.beat()

    def prune_dead_workers(self) -> list[str]:
        """Ruby's pruning, as this worker (see :mod:`resque_interop.worker.prune`)."""
        return self.registration.prune_dead_workers()

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
        child = "the job's child" if self.config.fork_per_job else "the job (it runs in this process)"

        def term(*_: object) -> None:
            if self.config.graceful_term:
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
            note("USR1 received: killing the job's child, carrying on" if self.config.fork_per_job else
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
        if self.config.fork_per_job:
            self.executor.kill_child()
        elif self.config.term_child and self.in_job:
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
        """The queues to check now, in priority order (see :meth:`JobSource.queues`)."""
        return self.source.queues(fresh)

    def startup(self) -> bool:
        """Signal handlers, then heartbeat, prune, ``before_first_fork``, register, retried
        while Redis refuses writes (see :meth:`Registration.enter`); False when a shutdown
        came meanwhile (nothing was registered)."""
        set_title("resque: Starting")
        self.register_signal_handlers()
        return self.registration.enter(self._before_first_fork, self.wake, lambda: self._shutdown)

    def _before_first_fork(self) -> None:
        if not self._first_fork_done:
            self.run_hook("before_first_fork")
            self._first_fork_done = True

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
        intervals = Intervals.read(interval, min_interval, max_interval, backoff_interval)
        current = intervals.first
        if not self.startup():
            self.registration.stop()
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
                        finish = self.outcome.finish(finish)
                    except redis.RedisError as exc:  # kept: the next reserve finishes it
                        fault = passing_fault(exc)
                        if fault is None:
                            raise
                        log.error("%s while pausing; will retry", fault)
                    procline("Paused")
                    self.wake.wait(max(current, 0.05))
                    continue
                queues = self.queues(fresh=idle)
                reply = self.source.reserve(queues, finish)
                if reply is None:  # a shutdown came while Redis was away: take nothing
                    break
                finish = Finish.NOTHING
                match reply:
                    case Unregistered():  # pruned while alive: back into workers before any job
                        self._register_again()
                    case Empty() | Paused() | WrongType():
                        idle = True
                        if isinstance(reply, WrongType):
                            self.source.log_bad_queue(reply.queue)
                        self.state_change("idle")
                        if intervals.interval == 0:
                            break
                        current = min(current + intervals.backoff, intervals.longest)
                        self._idle_wait(queues, current, paused=isinstance(reply, Paused))
                    case Reserved() | Recovered():
                        idle = False
                        current = intervals.shortest
                        queue, raw = (reply.queue, reply.raw) if isinstance(reply, Reserved) else self.source.adopt(reply.held)
                        self.perform_reserved(queue, raw)
                        finish = self.outcome.finish_after_job
        except BaseException as exc:
            error = exc
            raise
        finally:
            self._waiter.close()
            self.registration.leave(self.outcome, finish, error if isinstance(error, Exception) else None)
            self._exit_hooks()

    def _register_again(self) -> None:
        """Back into ``workers`` after a reserve found this worker pruned while alive; while
        Redis is away the next reserve finds it unregistered again, and this is retried."""
        try:
            self.registration.reregister("at a reserve")
        except redis.RedisError as exc:
            fault = passing_fault(exc)
            if fault is None:
                raise
            log.error("%s while registering again; will retry", fault)
            self.wake.wait(1.0)

    def _idle_wait(self, queues: list[str], seconds: float, paused: bool) -> None:
        """Wait for a job (blocking on the queues where the server can) or a signal."""
        procline("Paused" if paused else f"Waiting for {','.join(queues)}", self.config.procline_prefix)
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
                problem = NoClassError(f"payload is not a JSON object with a string class: {bounded(raw_text(raw[:300]), 200)}")
        except DecodeError as exc:
            problem = exc
        if problem is not None:
            self.report_failure(self.outcome.unrunnable(queue, raw, problem), problem)
            self.jobs_done += 1
            return
        self.outcome.rewrite_if_foreign(queue, payload, raw)  # another peer's dialect: write Ruby's
        job = Job(self.client, queue, payload, raw, self.id)
        procline(f"Processing {queue} since {int(time.time())} [{bounded(job.display_name, 200)}]", self.config.procline_prefix)
        log.info("got: %r", job)
        self.executor.run(job)
        self.jobs_done += 1
        self.outcome.count_processed()

    def perform(self, job: Job) -> None:
        """Perform ``job`` here and report a failure (what the child does)."""
        self.in_job = True
        try:
            # with fork the parent enforces the timeout; in-process, a soft one
            with inline_deadline(None if self.config.fork_per_job else timeout_for(job, self.config.job_timeout)):
                job.perform(self.job_loop)
        except (Exception, TermException) as exc:
            self.report_failure(job, exc)
        else:
            log.info("done: %r", job)
        finally:
            self.in_job = False

    def report_failure(self, job: Job, exc: BaseException, count_failed: bool = True) -> None:
        """Record a failure and finish the job in one atomic step (see :class:`JobOutcome`);
        ``count_failed`` False: a dirty exit (Ruby saves it uncounted)."""
        self.outcome.report_failure(job, exc, count_failed)
