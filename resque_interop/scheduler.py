"""A process that moves due delayed jobs to their queues, as resque-scheduler.

It shares resque-scheduler's master lock (same key, value ``host:pid``, TTL,
and Lua scripts), so a Python scheduler and Ruby ones on one Redis take turns:
only the holder of the lock moves jobs. Recurring (cron) schedules are left to
Ruby's resque-scheduler.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from types import FrameType
from typing import TYPE_CHECKING

import redis

from . import scripts

if TYPE_CHECKING:
    from .client import Resque

log = logging.getLogger("resque_interop.scheduler")

LOCK_TIMEOUT = 180  # resque-scheduler's lock_timeout: 60 * 3


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

    def __init__(self, client: Resque, timeout: int = LOCK_TIMEOUT, prefix: str | None = None) -> None:
        self.client = client
        self.timeout = timeout
        prefix = os.environ.get("RESQUE_SCHEDULER_MASTER_LOCK_PREFIX", "") if prefix is None else prefix
        self.key = client.keys.scheduler_master_lock(prefix)
        self.value = f"{lock_hostname()}:{os.getpid()}"

    def acquire(self) -> bool:
        """Take the lock when nobody holds it, or keep it (and extend it) when we do."""
        return self.client.store.delayed.master_lock(scripts.SCHEDULER_LOCK_ACQUIRE, self.key, self.value,
                                                     self.timeout)

    def release(self) -> bool:
        """Give the lock up if it is ours."""
        return self.client.store.delayed.master_lock(scripts.SCHEDULER_LOCK_RELEASE, self.key, self.value, self.timeout)


class Scheduler:
    """Moves due delayed jobs every ``interval`` seconds while it holds the master lock."""

    def __init__(self, client: Resque, interval: float = 5.0, batch: int = 100, lock: MasterLock | None = None) -> None:
        self.client = client
        self.interval = interval
        self.batch = batch
        self.lock = lock or MasterLock(client)
        self._stop = threading.Event()

    def tick(self) -> int:
        """One round: take or keep the lock, then move what is due; the number moved."""
        if not self.lock.acquire():
            return 0
        return self.client.delayed.enqueue_due(batch=self.batch)

    def run(self, once: bool = False) -> int:
        """Tick until QUIT, TERM or INT (or once); releases the lock on the way out.
        Returns how many jobs it moved."""
        if not once and threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGQUIT, signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, self._on_signal)
        total = 0
        try:
            while True:
                try:
                    moved = self.tick()
                    total += moved
                    if moved:
                        log.info("queued %d delayed jobs", moved)
                except (redis.ConnectionError, redis.TimeoutError) as exc:
                    log.error("lost Redis (%r); retrying in %.1fs", exc, self.interval)
                if once or self._stop.wait(self.interval):
                    return total
        finally:
            try:
                self.lock.release()
            except redis.RedisError as exc:
                log.error("could not release the master lock: %r", exc)

    def stop(self) -> None:
        """Ask :meth:`run` to return after the current round."""
        self._stop.set()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.stop()
