"""A process that moves due delayed jobs and fires recurring schedules, as resque-scheduler.

It shares resque-scheduler's master lock (same key, value ``host:pid``, TTL and
Lua scripts). The lock is taken only while this process has recurring schedules
to fire; delayed jobs are moved by every scheduler while no *other* scheduler
holds the lock (each batch checks the lock atomically), so a Ruby master is
always the only mover of the lists it reads. docs/interop.md states the
guarantee beside Ruby's resque-scheduler.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from types import FrameType
from typing import TYPE_CHECKING

import redis

from ..runtime.logfmt import format_error
from ..runtime.procline import set_title
from ..runtime.sigsafe import SignalSafeEvent
from ..schema.readable import counted
from ..store import scripts
from ..store.redis_errors import refusal
from ..version import __version__
from .delayed import master_lock_key

if TYPE_CHECKING:
    from .recurring import Recurring
    from .scheduling_client import SchedulingClient

log = logging.getLogger("resque_interop.scheduler")

LOCK_TIMEOUT = 180  # resque-scheduler's lock_timeout: 60 * 3 (LOCK_TIMEOUT)


def lock_hostname() -> str:
    """The host part of the lock value, found as Ruby's ``Addrinfo#getnameinfo``."""
    name = socket.gethostname()
    try:
        address = socket.getaddrinfo(name, "http")[0][4]
        return socket.getnameinfo(address, 0)[0]
    except OSError:
        return name


class MasterLock:
    """resque-scheduler's Resilient lock: held while its value is ``host:pid``."""

    def __init__(self, client: SchedulingClient, timeout: int = LOCK_TIMEOUT, prefix: str | None = None) -> None:
        self.client = client
        self.timeout = timeout
        self.key = master_lock_key(client, prefix)
        self.value = f"{lock_hostname()}:{os.getpid()}"

    def acquire(self) -> bool:
        """Take the lock when nobody holds it, or keep it (and extend it) when we do."""
        return self.client.store.delayed.master_lock(scripts.SCHEDULER_LOCK_ACQUIRE, self.key, self.value,
                                                     self.timeout)

    def release(self) -> bool:
        """Give the lock up if it is ours."""
        return self.client.store.delayed.master_lock(scripts.SCHEDULER_LOCK_RELEASE, self.key, self.value, self.timeout)


class Scheduler:
    """resque-scheduler's loop. Every ``interval`` seconds it moves due delayed jobs unless
    another scheduler holds the master lock: each batch is taken off its list under
    WATCH/MULTI with the lock watched too, so it never writes a list a Ruby master is
    moving (Ruby reads before it watches) and racing Python movers never queue one item
    twice. The lock is taken only while this process has schedules to fire
    (``recurring`` holds at least one loaded), so a scheduler without any never stops a
    Ruby one's."""

    def __init__(self, client: SchedulingClient, interval: float = 5.0, batch: int = 100, lock: MasterLock | None = None,
                 recurring: Recurring | None = None, source: str = "", schedule_file: str | None = None) -> None:
        self.client = client
        self.interval = interval
        self.batch = batch
        self.lock = lock or MasterLock(client)
        self.recurring = recurring
        self.source = source or "no schedule"
        #: the YAML file the static schedules come from, re-read on USR2 and HUP
        self.schedule_file = schedule_file
        self.master = False
        self._stop = SignalSafeEvent()  # set by signal handlers: see sigsafe.py
        self._stopping = False
        self._signals: list[int] = []
        self._title = ""

    def start(self, now: float | None = None) -> None:
        """Load the schedules; log the one start-up line (role, schedule source)."""
        now = time.time() if now is None else now
        if self.recurring is not None:
            self.recurring.load_all(now)
        self.master = self._wants_lock() and self.lock.acquire()
        if self.master and self.recurring is not None:
            self.recurring.load_all(now, clear_changed=True)
        log.info("scheduler started as %s; schedules: %s; lock %s (%ss)", self.role(), self.describe(),
                 self.lock.key, self.lock.timeout)
        self._procline()

    def tick(self, now: float | None = None) -> int:
        """One round: move due delayed jobs, then (with schedules) take or keep the lock and
        fire what is due; the number of delayed jobs moved."""
        now = time.time() if now is None else now
        if self.recurring is not None:
            self._recurring_round(now)  # first: a broken delayed queue must not stop the schedules
        return self.client.delayed.enqueue_due(at=now, batch=self.batch, holder=self.lock.value if self.master else "")

    def _recurring_round(self, now: float) -> None:
        recurring = self.recurring
        assert recurring is not None
        recurring.refresh(now, self.master)
        was_master = self.master
        if self._wants_lock():
            self.master = self.lock.acquire()
        elif self.master:
            self.lock.release()  # nothing left to fire: let another scheduler be master
            self.master = False
        if self.master != was_master:
            log.info("now %s", self.role())
            recurring.load_all(now, clear_changed=self.master)  # as resque-scheduler on a master change
        if self.master:
            recurring.fire_due(now)
        self._procline()

    def role(self) -> str:
        if self.master:
            return "master"
        if self._wants_lock():
            return "standby"
        return "delayed-jobs mover (no schedules: never takes the lock, moves while nobody holds it)"

    def describe(self) -> str:
        """What is loaded from where: the start-up line, USR1 and the process title say it."""
        recurring = self.recurring
        if recurring is None:
            return self.source
        static, persistent = recurring.counts()
        reread = "re-read each round (dynamic)" if recurring.dynamic else "read at start (--dynamic re-reads them)"
        return (f"{self.source}: {len(recurring.jobs)} loaded ({static} static, {persistent} from Redis "
                f"persistent_schedules, {reread}), {len(recurring.skipped)} skipped; env {recurring.env or '-'}")

    def run(self, once: bool = False) -> int:
        """Tick until QUIT, TERM or INT (or once); releases the lock on the way out.
        Returns how many delayed jobs it moved."""
        if not once and threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGQUIT, signal.SIGTERM, signal.SIGINT, signal.SIGUSR1, signal.SIGUSR2, signal.SIGHUP):
                signal.signal(sig, self._on_signal)
        total, started = 0, False
        refused = ""  # why Redis refuses writes, logged once (a round's MULTI is refused whole)
        try:
            while True:
                try:
                    if not started:
                        self.start()
                        started = True
                    moved = self.tick()
                    total += moved
                    if refused:
                        log.warning("Redis accepts writes again")
                        refused = ""
                    if moved:
                        log.info("queued %s", counted(moved, "delayed job"))
                except (redis.ConnectionError, redis.TimeoutError) as exc:
                    log.error("lost Redis (%s); retrying in %.1fs", format_error(exc), self.interval)
                    self.master = False
                except Exception as exc:  # noqa: BLE001 - a scheduler outlives one bad round (hostile data, a bug)
                    why = refusal(exc)
                    if why is None:
                        log.exception("scheduler round failed; retrying in %.1fs", self.interval)
                    elif why != refused:
                        log.error("Redis refuses writes: %s; nothing is queued until it accepts them "
                                  "(retrying every %.1fs)", why, self.interval)
                        refused = why
                if once:
                    return total
                self._stop.wait(self._sleep())
                self._stop.clear()
                if self._handle_signals():
                    return total
        finally:
            try:
                if self.master or self._wants_lock():
                    self.lock.release()
            except redis.RedisError as exc:
                log.error("could not release the master lock: %s", format_error(exc))

    def stop(self) -> None:
        """Ask :meth:`run` to return after the current round."""
        self._stopping = True
        self._stop.set()

    def print_schedule(self) -> None:
        """Log every loaded schedule with its next run (resque-scheduler's USR1)."""
        recurring = self.recurring
        if recurring is None or not recurring.jobs:
            log.info("Scheduling Info: no recurring schedules loaded (%s)", self.describe())
            return
        log.info("Scheduling Info (%s; %s)", self.role(), self.describe())
        for name, job in sorted(recurring.jobs.items()):
            log.info("  %s (%s, %s): next run %s", name, recurring.origin(name), job.entry.interval,
                     time.strftime("%Y-%m-%d %H:%M:%S %z", time.localtime(job.next_at)))
        for name, why in sorted(recurring.skipped.items()):
            log.info("  %s: not loaded (%s)", name, why)

    def reload_schedule(self) -> None:
        """Re-read the schedule file and reload every schedule (resque-scheduler's USR2).
        A file that no longer loads is refused with its line, and the schedules in force stay."""
        from .schedule_times import ScheduleSyntaxError
        from .schedules import load_schedule_file, queue_check

        if self.recurring is None:
            log.info("reload asked for; this scheduler has no schedules")
            return
        if self.schedule_file:
            try:
                self.client.schedules.load(load_schedule_file(self.schedule_file,
                                                              queue_check(self.client, self.recurring.env)))
            except (OSError, ScheduleSyntaxError) as exc:
                log.error("schedule not reloaded, the one in force stays: %s", exc)
                return
        self.recurring.load_all(time.time(), clear_changed=self.master)
        log.info("schedule reloaded: %s", self.describe())
        self._procline()

    def _handle_signals(self) -> bool:
        """Act on the signals that arrived (in the loop, not in the handler); True to stop."""
        while self._signals:
            sig = self._signals.pop(0)
            name = signal.Signals(sig).name
            if sig not in (signal.SIGUSR1, signal.SIGUSR2, signal.SIGHUP):
                log.info("Got %s signal: stopping (the master lock is released if held)", name)
                continue
            log.info("Got %s signal", name)
            if sig == signal.SIGUSR1:
                self.print_schedule()
            elif sig in (signal.SIGUSR2, signal.SIGHUP):
                try:
                    self.reload_schedule()
                except Exception as exc:  # noqa: BLE001 - a reload never kills the scheduler
                    log.error("schedule reload failed: %s", format_error(exc))
        return self._stopping

    def _wants_lock(self) -> bool:
        return self.recurring is not None and bool(self.recurring.jobs)

    def _sleep(self) -> float:
        due = self.recurring.next_due() if self.master and self.recurring is not None else None
        return self.interval if due is None else max(0.0, min(self.interval, due - time.time()))

    def _procline(self) -> None:
        """The process title, as resque-scheduler's ``procline``: what it is and whether it
        holds the lock."""
        name = f"resque-interop-scheduler-{__version__}"
        env = self.recurring.env if self.recurring is not None else None
        if self.master:
            state = f"Master scheduler (holds the lock; {self.describe()})"
        elif self._wants_lock():
            state = f"Standby scheduler (lock not held; {self.describe()})"
        else:
            state = "Delayed jobs only (no schedules; moves while no other scheduler holds the lock)"
        title = f"{name}{f'[{env}]' if env else ''}: {state}"
        if title != self._title:
            self._title = title
            set_title(title)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self._signals.append(signum)  # logged and handled by the loop, between rounds
        if signum in (signal.SIGUSR1, signal.SIGUSR2, signal.SIGHUP):
            self._stop.set()
        else:
            self.stop()
