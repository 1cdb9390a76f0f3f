"""The one line a worker prints when it starts, so that a log shows what runs
where without ``ps``: its id, queues, whether it forks, the Redis it uses
(address only: a URL's password never reaches a log), the app module and the
job names registered."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .worker import Worker


def worker_banner(worker: Worker, app: str | None) -> str:
    """``worker host:pid:q starting: queues q, forks a child per job, Redis redis://h:6379/0
    (namespace resque), app myapp.jobs, jobs Archive, ArchiveJob``."""
    client = worker.client
    queues = ",".join([*worker.queue_list.patterns, *(f"!{s}" for s in worker.queue_list.skips)])
    forks = "forks a child per job" if worker.config.fork_per_job else "runs jobs in-process (no fork)"
    names = client.registry.names()
    jobs = ", ".join(names) if names else "none registered (-A names the module that registers them)"
    return (
        f"worker {worker.id} starting: queues {queues}, {forks}, Redis {client.redis_id} "
        f"(namespace {client.keys.namespace}), app {app or 'none'}, jobs {jobs}"
    )
