"""A worker's place in ``workers``: registering as Ruby does (retried while Redis
refuses writes), the heartbeat thread (pruning dead workers after each beat),
registering again after being pruned while alive, and leaving (its last job
finished, then unregistered)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import redis

from ..runtime.logfmt import format_error
from ..runtime.sigsafe import SignalSafeEvent
from ..schema import timefmt
from ..schema.workers import interop_client_name, split_worker_id
from ..store.redis_errors import refusal
from ..store.reserve import Finish
from .outage import Outage, passing_fault
from .outcome import JobOutcome
from .prune import StallGuard, prune_dead_workers, unregister_worker

if TYPE_CHECKING:
    from ..client.resque import Resque

log = logging.getLogger("resque_interop.worker")


class Registration:
    """One worker's registration and heartbeat (``worker_id`` working ``patterns``)."""

    def __init__(self, client: Resque, worker_id: str, hostname: str, patterns: list[str]) -> None:
        self.client = client
        self.worker_id = worker_id
        self.hostname = hostname
        self.patterns = patterns
        #: prune dead workers after every heartbeat, not only at start-up (Ruby prunes at start only)
        self.prune_on_timer = True
        #: this worker's own link to Redis: no pruning by heartbeat age right after a stall
        self.stall_guard = StallGuard(client)
        self._registered = False
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def register(self) -> None:
        """SADD workers + SET worker:<id>:started, as Ruby; and name this process's
        connections so a dashboard can tell a Python worker (see ``interop_client_name``)."""
        host, pid, _ = split_worker_id(self.worker_id)
        name = interop_client_name(host, pid)
        if name:
            self.client.store.workers.name_connections(name)
        self.client.store.workers.register_worker(self.worker_id, timefmt.started_at())
        self._registered = True

    def enter(self, first_time: Callable[[], None], wake: SignalSafeEvent, stopping: Callable[[], bool]) -> bool:
        """Heartbeat, prune, ``first_time`` (``before_first_fork``), register. While Redis
        refuses writes (out of memory, a read-only replica, ...), or is lost after it first
        answered, wait (on ``wake``) and try again, saying so once; False when ``stopping``
        meanwhile (nothing was registered). A Redis that never answered fails at once, as with Ruby."""
        outage = Outage()
        answered = False
        while True:
            try:
                self.beat()  # a write: refused here, before the heartbeat thread would log it too
                answered = True
                self.start()
                self.prune_dead_workers()
                first_time()
                self.register()
                break
            except redis.RedisError as exc:
                fault = passing_fault(exc)
                if fault is None or not (answered or refusal(exc)):
                    raise
                answered = True
                self.stop()
                if outage.begin(fault):
                    log.error("%s; %s waits to register, retrying every %gs at most", fault, self.worker_id, outage.cap)
                if stopping():
                    return False
                wake.wait(outage.next_delay())
        if outage.ongoing:
            log.warning("%s: %s registered", outage.over(), self.worker_id)
        return True

    def leave(self, outcome: JobOutcome, finish: Finish, error: Exception | None) -> None:
        """Finish the last job (``finish``) and unregister, retried while Redis is away, up to
        the term timeout; past it the worker is left for pruning (its job stays held)."""
        patience = max(outcome.term_timeout, 1.0)
        outage = Outage()
        while True:
            try:
                finish = outcome.finish(finish)
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
                        "any job it held", self.worker_id, fault, patience,
                    )
                    return
                log.error("could not unregister %s: %s", self.worker_id, format_error(exc))
                return

    def unregister(self, exc: BaseException | None = None) -> None:
        """Stop the heartbeat and remove every per-worker key; a job still held becomes a failure."""
        self.stop()
        self._registered = False
        unregister_worker(self.client, self.worker_id, exc)

    def beat(self) -> None:
        """HSET workers:heartbeat <id> <server time, ISO 8601>. Once registered, a worker
        that finds itself gone from ``workers`` (pruned while frozen) registers again."""
        workers = self.client.store.workers
        beat = timefmt.heartbeat_at(workers.server_time())
        if not self._registered:
            workers.heartbeat(self.worker_id, beat)
        elif not workers.heartbeat_if_registered(self.worker_id, beat):
            self.reregister("at its heartbeat")

    def reregister(self, when: str) -> None:
        """Back into ``workers`` (with ``:started`` and a heartbeat) after being pruned alive."""
        with self._lock:
            workers = self.client.store.workers
            if workers.worker_exists(self.worker_id):
                return
            log.warning(
                "%s was pruned while alive (no heartbeat for over %ss: frozen or stopped?); "
                "registering again (noticed %s)", self.worker_id, self.client.prune_interval, when,
            )
            self.register()
            workers.heartbeat(self.worker_id, timefmt.heartbeat_at(workers.server_time()))

    def prune_dead_workers(self) -> list[str]:
        """Ruby's pruning, as this worker (see :mod:`resque_interop.worker.prune`)."""
        return prune_dead_workers(self.client, self.worker_id, self.patterns, self.hostname, guard=self.stall_guard)

    def start(self) -> None:
        """Remove any old heartbeat, then beat every heartbeat interval from a thread;
        after each beat, prune dead workers (under Ruby's lock), so that a dead worker's
        job becomes a failure without waiting for some worker to start."""
        self.client.store.workers.remove_heartbeat(self.worker_id)
        self._stop.clear()
        self._thread = threading.Thread(target=self._beat_until_stopped, name="resque-heartbeat", daemon=True)
        self._thread.start()

    def _beat_until_stopped(self) -> None:
        first = True
        failing = ""  # the last failure logged: one line per kind, not one per beat
        while True:
            try:
                self.beat()
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
            if self._stop.wait(self.client.heartbeat_interval):
                return

    def stop(self) -> None:
        """Stop the heartbeat thread (waiting for it, unless called from it)."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        self._thread = None
