"""The zero-setup demo: a private Redis unless REDIS_URL names one, a few jobs
enqueued as a Rails app would, a worker that drains them, and what a Ruby
resque-web would read."""

from __future__ import annotations

import os
from collections.abc import Callable

from ..client.registry import Registry
from ..client.resque import Resque
from ..runtime.logfmt import format_args
from ..worker.worker import Worker
from .redis_server import NoRedisServer, RedisServer

Echo = Callable[[str], None]
#: where the demo writes, whatever RESQUE_NAMESPACE says: never a real Resque's keys
DEMO_NAMESPACE = "resque:demo"


def demo_registry() -> Registry:
    """A registry with the demo's ``Archive`` job."""
    registry = Registry()

    @registry.job("Archive", queue="file_serve")
    def archive(episode_id: int, brand: str) -> None:
        if not isinstance(episode_id, int):
            raise ValueError(f"episode id must be a number, got {episode_id!r}")
        print(f"  Archive.perform: archived episode {episode_id} of {brand}", flush=True)

    return registry


def run_demo(echo: Echo, fork_per_job: bool = True) -> int:
    """Run the demo; returns a process exit code."""
    url = os.environ.get("REDIS_URL")
    server: RedisServer | None = None
    # always a namespace of its own: with REDIS_URL (and RESQUE_NAMESPACE) pointing at a real
    # Resque, the demo's jobs must not land on queues real workers take
    namespace = DEMO_NAMESPACE
    if url is None:
        # never a Redis nobody named (a developer's own on localhost:6379): one of our own
        try:
            server = RedisServer().start()
        except NoRedisServer as exc:
            echo(str(exc))
            return 1
        url = server.url
        echo(f"No REDIS_URL set: started a private redis-server at {url} (set REDIS_URL to use your own).")
    try:
        if server is None:
            echo(f"Using the Redis at {url}, namespace {namespace!r}: the keys of a real Resque "
                 "(namespace resque) are left alone.")
        client = Resque(url, namespace=namespace, registry=demo_registry())
        keys = client.keys
        client.store.keyspace.delete(*[k for k in client.store.keyspace.all_keys()
                              if k.startswith(("queue:file_serve", "failed", "stat:"))])
        echo("\nEnqueueing as Rails would (Resque.enqueue(Archive, 44, 'masterbrew')):")
        for args in ((44, "masterbrew"), (45, "radio4"), (46, "bbcthree"), ("oops", "masterbrew")):
            client.enqueue_ruby("Archive", *args)
        for raw in client.store.queues.everything_in_queue("file_serve"):
            echo(f"  {keys.queue('file_serve')} <- {raw.decode()}")
        echo("\nWorking them off with a Python worker (INTERVAL=0: drain, then exit)...")
        Worker(client, ["file_serve"], fork_per_job=fork_per_job).work(0)
        echo(f"\nProcessed: {client.stats.get('processed')}   Failed: {client.failure.count()}")
        for record in client.failure.all(0, 10):
            echo(f"  failed {record.class_name}{format_args(record.args)}: {record.exception}: {record.error}")
        echo("\nThe keys a Ruby resque-web reads now (type and size, as its stats page lists them):")
        for key in client.all_keys():
            kind, size = client.store.keyspace.key_info(key)
            echo(f"  {keys.raw(key):<45} {kind:<7} {size}")
        sample = client.store.failed.failed_range("failed", 0, 1)
        if sample:
            echo(f"\n{keys.failed}[0] = {sample[0].decode()}")
        web = f"resque-interop web -r {url} -N {namespace}"
        if server is None:
            echo(f"\nSee it in the dashboard: {web}  (then open http://127.0.0.1:5678)")
        else:
            echo("\nThe private Redis stops now. To keep the data and see it in the dashboard,")
            echo(f"start a Redis, set REDIS_URL, run the demo again, then: resque-interop web -N {namespace}")
        return 0
    finally:
        if server is not None:
            server.stop()
