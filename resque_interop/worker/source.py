"""Where a worker's jobs come from: its queue list resolved (globs matched against
the known queues), and FINISH_AND_RESERVE (finishing the previous job) retried while
Redis is away, its reply named (see :mod:`resque_interop.store.reserve`)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import msgspec
import redis

from ..runtime.logfmt import format_error
from ..runtime.sigsafe import SignalSafeEvent
from ..schema import timefmt
from ..schema.payloads import HeldJob
from ..store.reserve import Finish, Reserver, ReserveReply, read_reply
from .outage import Outage, passing_fault
from .outcome import JobOutcome
from .queues import QueueList

if TYPE_CHECKING:
    from ..client.resque import Resque

log = logging.getLogger("resque_interop.worker")


class JobSource:
    """The reserve of worker ``worker_id`` over ``queue_list``. Its waits between retries
    end early on ``wake``; ``stopping`` says a shutdown was asked for."""

    def __init__(
        self, client: Resque, worker_id: str, queue_list: QueueList, outcome: JobOutcome,
        wake: SignalSafeEvent, stopping: Callable[[], bool],
    ) -> None:
        self.client = client
        self.worker_id = worker_id
        self.queue_list = queue_list
        self.outcome = outcome
        self.wake = wake
        self.stopping = stopping
        self._queue_json: dict[str, bytes] = {}
        self._reserver: Reserver | None = None
        self._resolved: list[str] = []
        self._resolved_at = -1.0
        self._bad_queue_logged: dict[str, float] = {}

    def queues(self, fresh: bool = False) -> list[str]:
        """The queues to check now, in priority order. Globs are matched against the
        known queues at most once a second while busy (Ruby asks on every reserve)."""
        if not self.queue_list.dynamic:
            return self.queue_list.patterns
        now = time.monotonic()
        if fresh or self._resolved_at + 1.0 < now:
            try:
                names = self.client.store.queues.queue_names()
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

    def reserve(self, queues: list[str], finish: Finish) -> ReserveReply | None:
        """FINISH_AND_RESERVE, retried while Redis is away (back-off capped at
        MAX_BACKOFF); remembers the ``worker:<id>`` value it left. Retrying is safe even
        when a lost reply hid a reservation (see scripts.py). None when a shutdown
        was asked for while Redis was away: the pending finish is then the caller's."""
        reserver = self._reserver
        if reserver is None or reserver.queues != queues:
            reserver = self._reserver = self.client.store.reserver(
                self.worker_id, queues, [self._qjson(q) for q in queues]
            )
        outage = Outage()
        while True:
            if outage.ongoing and self.stopping():
                return None
            run_at = timefmt.run_at()
            try:
                reply = reserver.call(finish, run_at, self.outcome.held)
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
            self.outcome.held = reserver.held_after(reply, run_at)
            if outage.ongoing:
                log.warning("%s", outage.over())
            return read_reply(reply, queues)

    def log_bad_queue(self, queue: str) -> None:
        """Say (once a minute per queue) that ``queue:<queue>`` is not a list."""
        now = time.monotonic()
        if self._bad_queue_logged.get(queue, -1e9) + 60 < now:
            self._bad_queue_logged[queue] = now
            log.error("%s is not a list (wrong type): skipped; its jobs cannot be reserved", self.client.keys.queue(queue))

    @staticmethod
    def adopt(held: bytes) -> tuple[str, bytes]:
        """(queue, payload) of a job an earlier reserve took while its reply was lost."""
        log.warning("a reserve's reply was lost; carrying on with the job it took")
        try:
            job = msgspec.json.decode(held, type=HeldJob)
        except msgspec.DecodeError:
            return "", held  # not Resque's shape: becomes a failure holding the raw text
        return job.queue, bytes(job.payload)
