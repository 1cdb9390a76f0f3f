"""A registered worker as resque-web shows it (Ruby's, node-resque's and ours): its id's parts, its
runtime, its counters; reading them from Redis is :mod:`resque_interop.store.worker_listing`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .readable import not_an_integer, raw_text, to_int
from .timefmt import parse_time


@dataclass
class WorkerInfo:
    """One registered worker, read from Redis."""

    id: str
    host: str
    pid: str
    queues: list[str]
    job: dict[str, Any] | None = None
    raw_job: bytes | None = None
    started: str | None = None
    heartbeat: str | None = None
    processed: int = 0
    failed: int = 0
    problems: list[str] = field(default_factory=list)
    #: Redis server time (epoch seconds) when it was read: what ages are measured against
    read_at: float | None = None
    #: seconds since its heartbeat by Redis's clock (None without a readable heartbeat)
    heartbeat_age: float | None = None
    #: its heartbeat is older than the prune interval: the next prune removes it
    stale: bool = False

    @property
    def state(self) -> str:
        """``working`` while ``worker:<id>`` holds a value, else ``idle`` (Ruby's rule)."""
        return "working" if self.raw_job else "idle"

    @property
    def dialect(self) -> str:
        """Who wrote it, judged from the formats: ``node`` writes epoch ``started``."""
        return "node" if self.started and self.started.isdigit() else "resque"

    @property
    def job_class(self) -> str | None:
        payload = (self.job or {}).get("payload")
        value = payload.get("class") if isinstance(payload, dict) else None
        return value if isinstance(value, str) else None

    @property
    def run_at(self) -> str | None:
        value = (self.job or {}).get("run_at")
        return str(value) if value is not None else None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-able view for the API and the CLI."""
        started = parse_time(self.started)
        return {
            "id": self.id,
            "host": self.host,
            "pid": self.pid,
            "queues": self.queues,
            "state": self.state,
            "job": self.job,
            "raw_job": raw_text(self.raw_job) if self.raw_job and self.job is None else None,
            "started": self.started,
            "started_iso": started.isoformat() if started else None,
            "heartbeat": self.heartbeat,
            "heartbeat_age": self.heartbeat_age,
            "stale": self.stale,
            "processed": self.processed,
            "failed": self.failed,
            "dialect": self.dialect,
            "problems": self.problems,
        }


#: a resque_interop worker names its Redis connections ``resque_interop:<host>:<pid>``
#: (CLIENT SETNAME: no key, no byte Ruby reads); Ruby's and node-resque's are unnamed
CLIENT_NAME_PREFIX = "resque_interop:"


def interop_client_name(host: str, pid: str | int) -> str | None:
    """The connection name of a resque_interop worker on ``host`` with ``pid``; None when
    the host has characters a connection name cannot hold (spaces, non-ASCII)."""
    name = f"{CLIENT_NAME_PREFIX}{host}:{pid}"
    return name if all("!" <= c <= "~" for c in name) else None


def runtime_of(info: WorkerInfo, connection_names: set[str] | None) -> str:
    """``Python`` (a connection named by resque_interop from its host:pid), ``node`` (its
    formats), ``Ruby`` (a Resque worker with no such connection), or ``unknown`` when the
    server does not list its connections."""
    if info.dialect == "node":
        return "node"
    if connection_names is None:
        return "unknown"
    return "Python" if interop_client_name(info.host, info.pid) in connection_names else "Ruby"


def heartbeat_expired(age: float, prune_interval: float) -> bool:
    """The pruner's rule: a heartbeat ``age`` seconds old (by Redis's clock, as Ruby's
    ``prune_dead_workers`` measures it, in whole seconds) means a dead worker."""
    return int(age) > prune_interval


def split_worker_id(worker_id: str) -> tuple[str, str, list[str]]:
    """``host:pid:q1,q2`` -> (host, pid, queues), as Ruby's ``Worker.find`` splits it."""
    host, _, rest = worker_id.partition(":")
    pid, _, queues = rest.partition(":")
    return host, pid, [q for q in queues.split(",") if q] if queues else []


def worker_counter(info: WorkerInfo, ruby: bytes | None, node: bytes | None, ruby_key: str, node_key: str) -> int:
    """Ruby's per-id counter, else node-resque's per ``host:pid``; one that does not
    parse counts 0 and is noted in ``problems`` (resque-web shows ``to_i`` of it)."""
    raw, key = (ruby, ruby_key) if ruby is not None else (node, node_key)
    if raw is None:
        return 0
    value = to_int(raw)
    if value is None:
        info.problems.append(not_an_integer(key, raw))
        return 0
    return value
