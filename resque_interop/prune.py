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

from .errors import DecodeError, DirtyExit, PruneDeadWorkerDirtyExit
from .failure.base import FailureInfo
from .payloads import job_class
from .procline import live_worker_pids
from .timefmt import parse_time
from .worker_info import split_worker_id

if TYPE_CHECKING:
    from .client import Resque

log = logging.getLogger("resque_interop.worker")


def unregister_worker(client: Resque, worker_id: str, exc: BaseException | None = None) -> None:
    """Ruby's ``unregister_worker``: a job still held becomes a failure, then every
    per-worker key goes (set member, job, started, heartbeat, counters)."""
    raw = client.store.worker_payload(worker_id)
    if raw:
        try:
            working: Any = client.codec.decode(raw)
        except DecodeError:
            working = None
        if isinstance(working, dict) and working:
            failure = exc or DirtyExit("Job still being processed")
            info = FailureInfo.from_exception(
                failure, working.get("payload"), worker_id, str(working.get("queue", ""))
            )
            try:
                client.save_failure(info)
            except Exception as err:  # noqa: BLE001 - unregistering must go on
                log.error("could not record the failure of %s: %r", worker_id, err)
    client.store.unregister_worker(worker_id)


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
        log.info("Pruning dead worker: %s", worker_id)
        raw = client.store.worker_payload(worker_id)
        cls = None
        if raw:
            try:
                cls = job_class((client.codec.decode(raw) or {}).get("payload"))
            except (DecodeError, AttributeError):
                cls = None
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
