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
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ..errors import DecodeError, DirtyExit, PruneDeadWorkerDirtyExit
from ..job import Job
from ..runtime.logfmt import format_error
from ..runtime.procline import live_worker_pids
from ..schema.payloads import is_job, job_class, original_bytes, unrunnable_payload
from ..schema.timefmt import parse_time
from ..store.datastore import CommandLog
from ..worker_info import split_worker_id

if TYPE_CHECKING:
    from ..client import Resque

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
        raw = client.store.worker_payload(worker_id)
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


def expired_workers(client: Resque) -> list[str]:
    """Ids whose heartbeat is older than the prune interval (Redis server time)."""
    now = client.store.server_time()
    out = []
    for worker_id, beat in client.store.all_heartbeats().items():
        when = parse_time(beat)
        if when is not None and int(now - when.timestamp()) > client.prune_interval:
            out.append(worker_id)
    return out


def prune_dead_workers(
    client: Resque, pruner_id: str, pruner_queues: list[str], hostname: str, force: bool = False
) -> list[str]:
    """Prune as a worker ``pruner_id`` on ``pruner_queues`` at ``hostname``; returns the
    ids removed. ``force`` skips the lock (the CLI's ``prune``)."""
    if not force and not client.store.acquire_prune_lock(pruner_id, int(client.heartbeat_interval)):
        return []
    all_ids = client.store.worker_ids()
    known = live_worker_pids()
    expired = expired_workers(client)
    removed = []
    for worker_id in expired:
        if worker_id == pruner_id:
            continue  # a pruner is alive by definition (it beat just before pruning)
        log.info("Pruning dead worker: %s", worker_id)
        cls = held_class(client, client.store.worker_payload(worker_id))
        unregister_worker(client, worker_id, PruneDeadWorkerDirtyExit(worker_id, cls))
        removed.append(worker_id)
    wanted = set(pruner_queues)
    for worker_id in all_ids:
        if worker_id in expired:
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
