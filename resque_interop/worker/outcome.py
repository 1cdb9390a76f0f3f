"""The job a worker holds in ``worker:<id>`` and the writing of its outcome: the
finish (DEL ``worker:<id>``, counted processed), a failure with its counters, both
kept and sent again while Redis is away, never twice.

``held`` is the ``worker:<id>`` value this worker left, byte for byte: the reserve
script and :meth:`~resque_interop.store.datastore.DataStore.finish_with` finish a
job only while Redis still holds that value, so a lost reply never finishes,
counts or fails a job twice.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import redis

from ..client.job import Job
from ..runtime.logfmt import bounded, format_error
from ..schema import timefmt
from ..schema.payloads import unrunnable_payload
from ..store.pipeline import CommandLog
from ..store.reserve import Finish
from ..store.stats import counts_in_reserve
from .outage import Outage, passing_fault

if TYPE_CHECKING:
    from ..client.resque import Resque

log = logging.getLogger("resque_interop.worker")

# Bytes that another encoder may write differently from Ruby (fractions and
# exponents, escapes, spacing, -0). Payloads without them are Ruby's already.
_MAYBE_FOREIGN = re.compile(rb'[0-9][.eE]|\\[u/]|-0[^.0-9]|[:,] |[{\[] ')
# ... and, for a dialect with ActiveSupport loaded, what it escapes where others write it raw
_MAYBE_FOREIGN_TO_RAILS = re.compile(_MAYBE_FOREIGN.pattern + rb'|[<>&]|\xe2\x80[\xa8\xa9]')


class JobOutcome:
    """What worker ``worker_id`` holds, and writing what became of it. ``stopping`` says a
    shutdown was asked for: an outcome is then retried up to ``term_timeout`` only."""

    def __init__(self, client: Resque, worker_id: str, term_timeout: float, stopping: Callable[[], bool]) -> None:
        self.client = client
        self.worker_id = worker_id
        self.term_timeout = term_timeout
        self.stopping = stopping
        #: the ``worker:<id>`` value this worker left, byte for byte (None: nothing held)
        self.held: bytes | None = None
        self._maybe_foreign = _MAYBE_FOREIGN_TO_RAILS if client.codec.escapes_html else _MAYBE_FOREIGN

    @property
    def finish_after_job(self) -> Finish:
        """How the next reserve finishes a performed job: counted there, unless the stat
        store counts elsewhere (see :meth:`count_processed`)."""
        return Finish.after_job(counts_in_reserve(self.client.stats))

    def count_processed(self) -> None:
        """Count a performed job in a stat store the reserve does not count for."""
        stats = self.client.stats
        if not counts_in_reserve(stats):
            stats.incr("processed")
            stats.incr(f"processed:{self.worker_id}")

    def finish(self, finish: Finish) -> Finish:
        """Finish a job whose completion was not yet sent with a reserve: the same script
        over no queues, so a lost reply is as safe here as there."""
        if finish is not Finish.NOTHING:
            finisher = self.client.store.reserver(self.worker_id, [], [])
            run_at = timefmt.run_at()
            self.held = finisher.held_after(finisher.call(finish, run_at, self.held), run_at)
        return Finish.NOTHING

    def record_working(self, queue: str, payload: Any) -> None:
        """Rewrite ``worker:<id>`` in Ruby's dialect; a lost connection only costs the rewrite
        (the held value stays the one Redis has, so the next reserve finishes the job)."""
        data = self.client.codec.encode({"queue": queue, "run_at": timefmt.run_at(), "payload": payload})
        try:
            self.client.store.workers.set_worker_payload(self.worker_id, data)
        except redis.RedisError as exc:
            log.error("could not rewrite %s (%s)", self.client.keys.worker(self.worker_id), format_error(exc))
            return
        self.held = data

    def rewrite_if_foreign(self, queue: str, payload: Any, raw: bytes) -> None:
        """Write ``worker:<id>`` in Ruby's dialect when ``raw`` came from another peer's encoder."""
        try:
            foreign = self._maybe_foreign.search(raw) is not None and self.client.codec.encode(payload) != raw
        except Exception:  # noqa: BLE001 - not ours to rewrite; it still runs
            foreign = False
        if foreign:
            self.record_working(queue, payload)

    def unrunnable(self, queue: str, raw: bytes, problem: Exception) -> Job:
        """The job to fail for bytes that are not a job Ruby could run: a failure that keeps
        them (see :func:`~resque_interop.schema.payloads.unrunnable_payload`). ``worker:<id>``
        becomes something every peer's parser reads, until the failure step removes it."""
        payload = unrunnable_payload(raw, bounded(str(problem), 200))
        self.record_working(queue, payload)
        log.error("cannot run a job from %s: %s", queue, format_error(problem))
        return Job(self.client, queue, payload, raw, self.worker_id)

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
            self.client.stats.incr(f"failed:{self.worker_id}", pipe=writes)
        self.write(writes, f"the failure of {job!r}")

    def write(self, writes: CommandLog, what: str) -> bool:
        """Send ``writes`` with the finish of the held job, retrying while Redis is away
        (after a shutdown request, up to the term timeout: past it the job stays in
        ``worker:<id>`` and pruning fails it). True when written now."""
        count = counts_in_reserve(self.client.stats)
        patience = max(self.term_timeout, 1.0)
        outage = Outage()
        shutdown_seen: float | None = None  # the outage's age when a shutdown was first seen
        while True:
            try:
                done = self.client.store.finish_with(self.worker_id, self.held, writes, count)
            except redis.RedisError as exc:
                fault = passing_fault(exc)
                if fault is None:
                    raise
                if outage.begin(fault):
                    until = "it accepts writes" if outage.refused else "Redis answers"
                    log.error("%s while recording %s; kept until %s", fault, what, until)
                if self.stopping():
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
            self.held = None
            return done
