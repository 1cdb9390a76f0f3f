"""Pruning dead workers with Ruby Resque 3.0's algorithm, so that Ruby and
Python workers sharing a Redis remove each other only when really dead.

1. Take ``pruning_dead_workers_in_progress`` (SET NX EX heartbeat interval);
   whoever holds it prunes, the others skip.
2. Every worker whose heartbeat is older than the prune interval is
   unregistered; a job it held becomes a ``Resque::PruneDeadWorkerDirtyExit``.
3. Of the rest, a worker on this host, on the same queues as the pruner (any
   queues when the pruner listens on ``*``), whose pid shows no Resque
   process title, is unregistered; a job it held becomes a ``Resque::DirtyExit``.
Workers that never sent a heartbeat (other libraries) are left to rule 3.

A Redis stall (a fork for a snapshot, a slow disk, a long script, DEBUG SLEEP) stops every
heartbeat at once, so right after it every peer's heartbeat looks old. A pruner therefore
prunes by heartbeat age only while its own view is current (see :class:`StallGuard`): not
while it has had a gap in its own replies from Redis longer than the slack a live worker's
heartbeat has (``max(prune - heartbeat interval, 2 x heartbeat interval)``) within the last
prune interval, nor when its own heartbeat, as Redis holds it, is stale, nor when the
pruning's first reply itself took that long. A dead worker is then pruned one prune
interval after the stall at most later than without it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..client.job import Job
from ..errors import DecodeError, DirtyExit, PruneDeadWorkerDirtyExit
from ..runtime.logfmt import format_error
from ..runtime.procline import live_worker_pids
from ..schema.payloads import is_job, job_class, original_bytes, unrunnable_payload
from ..schema.timefmt import parse_time
from ..schema.workers import heartbeat_expired, split_worker_id
from ..store.pipeline import CommandLog

if TYPE_CHECKING:
    from ..client.resque import Resque

log = logging.getLogger("resque_interop.worker")


def held_job(client: Resque, raw: bytes) -> tuple[str, Any]:
    """(queue, payload) of a ``worker:<id>`` value, whatever it holds: a payload that is
    not a job, or a value that does not decode, comes back as an unrunnable payload
    keeping the bytes (so a failure records it and Ruby's requeue refuses it)."""
    try:
        working: Any = client.codec.decode(raw)
    except DecodeError as exc:
        return "", unrunnable_payload(raw, f"worker record is not JSON: {exc}")
    if not isinstance(working, dict):
        return "", unrunnable_payload(raw, "worker record is not a JSON object")
    queue = working.get("queue")
    queue = queue if isinstance(queue, str) else ""
    payload = working.get("payload")
    if is_job(payload) or original_bytes(payload) is not None:
        return queue, payload
    try:
        inner = client.codec.encode(payload)
    except Exception:  # noqa: BLE001 - keep the whole record instead
        inner = raw
    return queue, unrunnable_payload(inner, "the job held is not a JSON object with a string class")


def unregister_worker(client: Resque, worker_id: str, exc: BaseException | None = None) -> None:
    """Ruby's ``unregister_worker``: a job still held becomes a failure, then every
    per-worker key goes (set member, job, started, heartbeat, counters), in one
    MULTI/EXEC with the failure, so neither happens without the other."""
    for _ in range(5):
        raw = client.store.workers.worker_payload(worker_id)
        writes = CommandLog()
        if raw:
            queue, payload = held_job(client, raw)
            failure = exc or DirtyExit("Job still being processed")
            try:
                # a job with a Retry counts it as an attempt (Ruby's job.fail runs resque-retry's hook)
                Job(client, queue, payload, raw, worker_id).save_failure(failure, writes)
            except Exception as err:  # noqa: BLE001 - unregistering must go on
                log.error("could not record the failure of %s: %s", worker_id, format_error(err))
        if client.store.unregister_worker_with(worker_id, raw, writes):
            return
    log.error("%s kept changing while being unregistered; left for the next pruning", worker_id)


def held_class(client: Resque, raw: bytes | None) -> str | None:
    """The job class a ``worker:<id>`` value names, if it names one."""
    if not raw:
        return None
    return job_class(held_job(client, raw)[1])


def stall_slack(client: Resque) -> float:
    """How long a live worker's heartbeat may lag before pruning could take it for dead: the
    longest silence from Redis a pruner may have had and still trust heartbeat ages."""
    return max(client.prune_interval - client.heartbeat_interval, 2 * client.heartbeat_interval)


class StallGuard:
    """What a worker knows of its own link to Redis, to tell a stalled Redis (or a frozen
    process) from dead peers. ``heard()`` after each heartbeat Redis answered; pruning by
    heartbeat age is safe when ``unsafe_for()`` is None."""

    def __init__(self, client: Resque, clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.clock = clock
        self._last_reply: float | None = None
        self._steady_from: float | None = None  # no gap since then

    def heard(self) -> None:
        """A heartbeat Redis answered, just now."""
        now = self.clock()
        if self._last_reply is not None and now - self._last_reply > stall_slack(self.client):
            log.warning(
                "no heartbeat reply from Redis for %.1fs (Redis stalled, or this process was frozen): "
                "not pruning by heartbeat age for the next %ss, until every live worker has beaten again",
                now - self._last_reply, self.client.prune_interval,
            )
            self._steady_from = now
        self._last_reply = now

    def unsafe_for(self) -> str | None:
        """Why pruning by heartbeat age would not be safe now, or None."""
        if self._steady_from is None:
            return None
        quiet = self.client.prune_interval - (self.clock() - self._steady_from)
        if quiet > 0:
            return f"Redis answered again only {self.client.prune_interval - quiet:.1f}s ago after a stall"
        self._steady_from = None
        return None


def expired_workers(client: Resque, now: float | None = None,
                    heartbeats: dict[str, str] | None = None) -> list[str]:
    """Ids whose heartbeat is older than the prune interval (Redis server time)."""
    now = client.store.workers.server_time() if now is None else now
    beats = client.store.workers.all_heartbeats() if heartbeats is None else heartbeats
    out = []
    for worker_id, beat in beats.items():
        when = parse_time(beat)
        if when is not None and heartbeat_expired(now - when.timestamp(), client.prune_interval):
            out.append(worker_id)
    return out


def _stale_view(client: Resque, pruner_id: str, guard: StallGuard | None) -> tuple[str | None, list[str]]:
    """(why heartbeat ages cannot be trusted now or None, the expired ids)."""
    if guard is not None and (reason := guard.unsafe_for()) is not None:
        return reason, []
    asked = time.monotonic()
    now = client.store.workers.server_time()
    waited = time.monotonic() - asked
    if waited > stall_slack(client):
        return f"Redis took {waited:.1f}s to answer (a stall)", []
    beats = client.store.workers.all_heartbeats()
    own = parse_time(beats.get(pruner_id) or "")
    # (a beat is stored to the second, hence the second more)
    if own is not None and now - own.timestamp() > stall_slack(client) + 1:
        return f"its own heartbeat is {now - own.timestamp():.0f}s old", []
    return None, expired_workers(client, now, beats)


def prune_dead_workers(
    client: Resque, pruner_id: str, pruner_queues: list[str], hostname: str, force: bool = False,
    guard: StallGuard | None = None,
) -> list[str]:
    """Prune as a worker ``pruner_id`` on ``pruner_queues`` at ``hostname``; returns the
    ids removed. ``force`` skips the lock and the stall checks (the CLI's ``prune``);
    ``guard`` is the pruner's own record of its link to Redis."""
    if not force and not client.store.workers.acquire_prune_lock(pruner_id, int(client.heartbeat_interval)):
        return []
    all_ids = client.store.workers.worker_ids()
    known = live_worker_pids()
    if force:
        expired = expired_workers(client)
    else:
        unsafe, expired = _stale_view(client, pruner_id, guard)
        if unsafe is not None:
            log.info("not pruning by heartbeat age: %s", unsafe)
            # rule 3 still holds: a pid gone from this host is dead whatever Redis did
    removed = []
    for worker_id in expired:
        if worker_id == pruner_id:
            continue  # a pruner is alive by definition (it beat just before pruning)
        log.info("Pruning dead worker: %s", worker_id)
        cls = held_class(client, client.store.workers.worker_payload(worker_id))
        unregister_worker(client, worker_id, PruneDeadWorkerDirtyExit(worker_id, cls))
        removed.append(worker_id)
    wanted = set(pruner_queues)
    for worker_id in all_ids:
        if worker_id in expired or worker_id == pruner_id:
            continue
        host, pid, queues = split_worker_id(worker_id)
        # a worker on other queues may be another library's (or language's): not ours to judge
        if "*" not in wanted and set(queues) != wanted:
            continue
        if host != hostname or pid in known:
            continue
        log.debug("Pruning dead worker: %s", worker_id)
        unregister_worker(client, worker_id)
        removed.append(worker_id)
    return removed
