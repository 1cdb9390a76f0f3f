"""Reading registered workers back from Redis: ids, jobs, start times, heartbeats and counters."""

from __future__ import annotations

from ..errors import DecodeError
from ..schema.codec import Codec
from ..schema.readable import text
from ..schema.timefmt import parse_time
from ..schema.workers import WorkerInfo, heartbeat_expired, split_worker_id, worker_counter
from .datastore import DataStore


def list_workers(store: DataStore, codec: Codec, ids: list[str] | None = None,
                 prune_interval: float | None = None) -> list[WorkerInfo]:
    """Every registered worker (or those in ``ids``) with its job, times and counters,
    in two round trips; heartbeat ages are by Redis's clock (TIME, as the pruner's), and
    with ``prune_interval`` a worker the pruner would remove is marked ``stale``."""
    keys = store.keys
    if ids is None:
        ids = store.workers.worker_ids()
    if not ids:
        return []
    pipe = store.pipeline()
    pipe.mget([keys.worker(i) for i in ids])
    pipe.mget([keys.worker_started(i) for i in ids])
    pipe.hgetall(keys.heartbeats)
    pipe.time()
    # Ruby counts per worker id; node-resque per ``host:pid``
    names = []
    for worker_id in ids:
        host, pid, _ = split_worker_id(worker_id)
        names.append((worker_id, f"{host}:{pid}"))
    stat_keys = []
    for worker_id, short in names:
        stat_keys += [keys.stat(f"processed:{worker_id}"), keys.stat(f"failed:{worker_id}"),
                      keys.stat(f"processed:{short}"), keys.stat(f"failed:{short}")]
    pipe.mget(stat_keys)
    jobs, starts, beats, clock, stats = pipe.execute(raise_on_error=False)
    now = float(clock[0] + clock[1] / 1e6) if isinstance(clock, tuple) else None
    if not isinstance(beats, dict):  # workers:heartbeat of another type: no heartbeats to show
        beats = {}
    beats = {text(k): text(v) for k, v in beats.items()}
    out = []
    for i, worker_id in enumerate(ids):
        host, pid, queues = split_worker_id(worker_id)
        info = WorkerInfo(worker_id, host, pid, queues)
        raw = jobs[i]
        if raw:
            info.raw_job = raw
            try:
                decoded = codec.decode(raw)
                info.job = decoded if isinstance(decoded, dict) else None
            except DecodeError:
                info.problems.append("worker value is not JSON")
        started = starts[i]
        info.started = text(started) if started else None
        info.heartbeat = beats.get(worker_id)
        info.read_at = now
        beat = parse_time(info.heartbeat) if info.heartbeat else None
        if beat is not None and now is not None:
            info.heartbeat_age = now - beat.timestamp()
            info.stale = prune_interval is not None and heartbeat_expired(info.heartbeat_age, prune_interval)
        p1, f1, p2, f2 = stats[4 * i: 4 * i + 4]
        short = names[i][1]
        info.processed = worker_counter(info, p1, p2, f"stat:processed:{worker_id}", f"stat:processed:{short}")
        info.failed = worker_counter(info, f1, f2, f"stat:failed:{worker_id}", f"stat:failed:{short}")
        out.append(info)
    return out
