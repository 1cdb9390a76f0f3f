"""AsyncResque writes what Resque writes (the Ruby recordings, byte for byte, in both
dialects), holds up under concurrency, and what it enqueues runs in Ruby and node-resque."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from typing import Any, TypeVar

import pytest
import redis

from resque_interop import Hooks, NoClassError, NoQueueError, Registry, Resque
from resque_interop.aio import AsyncResque
from resque_interop.errors import EncodeError

from .support.keyspace import dump, load, step
from .support.node_peer import needs_node, node
from .support.recordings import RUBY_ARGS, Archive, recording_registry
from .support.ruby_peer import needs_ruby, needs_scheduler, ruby_worker, scheduler
from .support.waiting import wait_for

T = TypeVar("T")


def run(factory: Callable[[AsyncResque], Awaitable[T]], redis_url: str, **kwargs: Any) -> T:
    """Run ``factory(client)`` on a fresh event loop with a client that is closed after."""

    async def main() -> T:
        async with AsyncResque(redis_url, **kwargs) as client:
            return await factory(client)

    return asyncio.run(main())


@pytest.mark.parametrize("fixture,dialect", [("enqueue_payloads.json", "json"), ("enqueue_payloads_oj.json", "oj")])
def test_enqueue_payloads_scenario(fixture: str, dialect: str, raw_redis: redis.Redis, redis_url: str) -> None:
    registry = recording_registry()
    rec = load(fixture)

    async def each_arg(r: AsyncResque) -> None:
        for a in RUBY_ARGS:
            assert await r.enqueue(Archive, a) is True

    actions: dict[str, Callable[[AsyncResque], Awaitable[Any]]] = {
        "enqueue Archive 44 masterbrew": lambda r: r.enqueue(Archive, 44, "masterbrew"),
        "enqueue without args": lambda r: r.enqueue("Noop"),
        "each arg kind alone": each_arg,
        "all args in one job": lambda r: r.enqueue(Archive, *RUBY_ARGS),
        "module class": lambda r: r.enqueue("Foo::Bar", 1),
        "enqueue_to": lambda r: r.enqueue_to("odd queue:name/é", Archive, 1),
        "push raw hash": lambda r: r.push("raw", {"class": "Archive", "args": [1], "extra": "kept"}),
    }

    async def scenario(r: AsyncResque) -> None:
        for s in rec["steps"]:
            assert dump(raw_redis) == s["keyspace_before"], s["step"]
            result = await actions[s["step"]](r)
            if s["result"] is True:
                assert result is True, s["step"]
            assert dump(raw_redis) == s["keyspace"], s["step"]

    run(scenario, redis_url, registry=registry, dialect=dialect, hooks=[])


def test_queue_introspection_scenario(raw_redis: redis.Redis, redis_url: str) -> None:
    rec = load("queue_introspection.json")
    registry = Registry()
    registry.register("Archive", lambda *a: None, queue="file_serve")
    registry.register("Noop", lambda *a: None, queue="low")

    async def scenario(r: AsyncResque) -> dict[str, Any]:
        for a in (1, 1, 1, 2, 3, 2):
            await r.enqueue("Archive", a)
        await r.enqueue("Noop")
        await r.enqueue("Noop", 9)
        assert dump(raw_redis) == step(rec, "setup")["keyspace"]
        assert await r.size("file_serve") == step(rec, "size")["result"]
        assert await r.size("nope") == 0
        assert await r.peek("file_serve", 0, 2) == step(rec, "peek two")["result"]
        assert await r.peek("file_serve") == step(rec, "peek one (a Hash, not an Array)")["result"]
        assert await r.peek("file_serve", 100, 1) is None
        assert await r.queues() == step(rec, "queues")["result"]
        return await r.info()

    info = run(scenario, redis_url, registry=registry, hooks=[])
    sync_info = Resque(redis_url, registry=registry).info()
    assert info == sync_info
    info.pop("servers")
    assert info == step(rec, "info")["result"]


def test_info_counts_workers_working_and_both_failure_layouts(raw_redis: redis.Redis, redis_url: str) -> None:
    raw_redis.sadd("resque:workers", "h:1:q", "h:2:q")
    raw_redis.set("resque:worker:h:2:q", b'{"queue":"q","run_at":"x","payload":{}}')
    raw_redis.set("resque:stat:processed", 7)
    raw_redis.rpush("resque:failed", b"{}", b"{}")
    raw_redis.sadd("resque:failed_queues", "low_failed", "high_failed")
    raw_redis.rpush("resque:low_failed", b"{}")
    raw_redis.rpush("resque:high_failed", b"{}", b"{}", b"{}")
    for backend in ("redis", "redis_multi_queue"):
        ours = run(lambda r: r.info(), redis_url, failure_backend=backend)
        assert ours == Resque(redis_url, failure_backend=backend).info()
        assert (ours["workers"], ours["working"], ours["processed"]) == (2, 1, 7)
        assert ours["failed"] == (2 if backend == "redis" else 4)
    # FAILURE_BACKEND as the workers read it: the first backend named is the one counted
    assert run(lambda r: r.info(), redis_url, failure_backend="redis_multi_queue,sentry")["failed"] == 4
    with pytest.raises(ValueError, match="first when several"):
        AsyncResque(redis_url, failure_backend="sentry,redis")


def test_thousand_concurrent_enqueues_all_land(raw_redis: redis.Redis, redis_url: str) -> None:
    async def burst(r: AsyncResque) -> list[bool | None]:
        return await asyncio.gather(*(r.enqueue_ruby("Archive", i, 0.5, queue=f"q{i % 3}") for i in range(1000)))

    assert run(burst, redis_url, registry=Registry()) == [True] * 1000
    sync = Resque(redis_url, registry=Registry())
    landed = sorted(item for q in ("q0", "q1", "q2") for item in raw_redis.lrange(f"resque:queue:{q}", 0, -1))
    assert landed == sorted(sync.codec.encode_job("Archive", [i, 0.5]) for i in range(1000))
    assert raw_redis.smembers("resque:queues") == {b"q0", b"q1", b"q2"}


def test_concurrent_enqueues_share_a_bounded_set_of_connections(raw_redis: redis.Redis, redis_url: str) -> None:
    def clients() -> int:
        return int(raw_redis.info("clients")["connected_clients"])

    before = clients()

    async def burst(r: AsyncResque) -> int:
        assert await asyncio.gather(*(r.enqueue_ruby("Archive", i, queue="b") for i in range(500))) == [True] * 500
        return clients()  # the lane keeps what it opened: its connections, all still there

    assert run(burst, redis_url, registry=Registry(), max_connections=8) - before <= 8
    assert raw_redis.llen("resque:queue:b") == 500
    wait_for(lambda: clients() == before, what="aclose to close the lane's connections")


def test_enqueues_go_on_after_redis_restarts() -> None:
    from resque_interop.dev.redis_server import RedisServer

    servers = [RedisServer().start()]
    try:
        async def scenario() -> None:
            async with AsyncResque(servers[0].url, registry=Registry()) as r:
                await asyncio.gather(*(r.enqueue_ruby("Archive", i, queue="q") for i in range(20)))
                servers[0].stop()  # every kept connection is now dead
                servers.append(RedisServer(port=servers[0].port).start())
                assert await r.enqueue_ruby("Archive", "again", queue="q") is True
                assert await r.peek("q", 0, 5) == [{"class": "Archive", "args": ["again"]}]

        asyncio.run(scenario())
    finally:
        for server in servers:
            server.stop()


def test_a_cancelled_enqueue_leaves_the_next_calls_whole(raw_redis: redis.Redis, redis_url: str) -> None:
    # tasks cancelled at every point of their round trip: a connection that still owes
    # replies must never serve the next call (it would read someone else's replies)
    async def scenario(r: AsyncResque) -> None:
        for delay in (0, 0.0001, 0.001):
            tasks = [asyncio.ensure_future(r.enqueue_ruby("Archive", i, queue="c")) for i in range(200)]
            await asyncio.sleep(delay)
            for task in tasks[::2]:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        before = await r.size("c")
        assert await asyncio.gather(*(r.enqueue_ruby("Archive", "after", queue="c") for _ in range(50))) == [True] * 50
        assert await r.size("c") == before + 50
        assert await r.queues() == ["c"]

    run(scenario, redis_url, registry=Registry())
    assert all(json.loads(x)["class"] == "Archive" for x in raw_redis.lrange("resque:queue:c", 0, -1))


def test_enqueue_many_matches_the_blocking_client(raw_redis: redis.Redis, redis_url: str) -> None:
    registry = Registry()
    registry.register("Archive", lambda *a: None, queue="file_serve")
    jobs = [("Archive", [i]) for i in range(2500)] + [("other", "Ruby::Only", [1.5])]
    assert run(lambda r: r.enqueue_many(jobs, batch=1000), redis_url, registry=registry) == 2501
    ours = dump(raw_redis)
    raw_redis.flushdb()
    Resque(redis_url, registry=registry).enqueue_many(jobs, batch=1000)
    assert ours == dump(raw_redis)


def test_errors_match_the_blocking_client_and_touch_nothing(raw_redis: redis.Redis, redis_url: str) -> None:
    registry = Registry()
    registry.register("NoQueue", lambda *a: None)
    rec = load("queue_names_and_validation.json")

    async def scenario(r: AsyncResque) -> None:
        with pytest.raises(NoQueueError) as info:
            await r.enqueue("NoQueue", 6)
        assert str(info.value) == step(rec, "no queue")["result"].split(": ", 1)[1]
        for name in ("", None):
            with pytest.raises(NoClassError, match="Jobs must be given a class."):
                await r.enqueue_to("low", name, 7)
        with pytest.raises(NoQueueError):
            await r.enqueue_ruby("Unregistered", 1)
        with pytest.raises(EncodeError):
            await r.enqueue_ruby("Archive", object(), queue="file_serve")

    run(scenario, redis_url, registry=registry, hooks=[])
    assert raw_redis.keys("*") == []


def test_sync_and_async_hooks_run_in_order_and_can_cancel(raw_redis: redis.Redis, redis_url: str) -> None:
    calls: list[str] = []

    class Audit(Hooks):
        def before_enqueue(self, queue: str, class_name: str, args: list[object]) -> bool | None:
            calls.append(f"sync before {class_name} {args}")
            return None

        def after_enqueue(self, queue: str, class_name: str, args: list[object]) -> None:
            calls.append(f"sync after {class_name}")

    class AsyncAudit(Hooks):
        async def before_enqueue(self, queue: str, class_name: str, args: list[object]) -> bool | None:  # type: ignore[override]
            await asyncio.sleep(0)
            calls.append(f"async before {class_name}")
            return class_name != "Blocked"

        async def after_enqueue(self, queue: str, class_name: str, args: list[object]) -> None:  # type: ignore[override]
            await asyncio.sleep(0)
            calls.append(f"async after {class_name}")

    class Vetoed:
        queue = "low"

        @staticmethod
        def perform(*args: object) -> None: ...

        @staticmethod
        def before_enqueue_veto(*args: object) -> bool:
            calls.append(f"job hook {list(args)}")
            return list(args) != [1]

    registry = Registry()
    registry.register("Vetoed", Vetoed)

    async def scenario(r: AsyncResque) -> list[bool | None]:
        return [await r.enqueue_to("q", "Blocked", 1), await r.enqueue_to("q", "Fine", 2),
                await r.enqueue(Vetoed, 1), await r.enqueue(Vetoed, 9)]

    assert run(scenario, redis_url, registry=registry, hooks=[Audit(), AsyncAudit()]) == [None, True, None, True]
    assert calls == [
        "sync before Blocked [1]", "async before Blocked",
        "sync before Fine [2]", "async before Fine", "sync after Fine", "async after Fine",
        "job hook [1]", "sync before Vetoed [1]", "async before Vetoed",
        "job hook [9]", "sync before Vetoed [9]", "async before Vetoed", "sync after Vetoed", "async after Vetoed",
    ]
    assert raw_redis.lrange("resque:queue:q", 0, -1) == [b'{"class":"Fine","args":[2]}']
    assert raw_redis.lrange("resque:queue:low", 0, -1) == [b'{"class":"Vetoed","args":[9]}']


def test_delayed_jobs_follow_the_scheduler_recording(raw_redis: redis.Redis, redis_url: str) -> None:
    rec = load("scheduler.json")
    when = datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    registry = Registry()
    registry.register("Archive", lambda *a: None, queue="file_serve")

    async def scenario(r: AsyncResque) -> None:
        assert await r.delayed.enqueue_at(when, "Archive", 44, "masterbrew") is True
        assert dump(raw_redis) == step(rec, "enqueue_at")["keyspace"]
        assert await r.delayed.enqueue_at(when, "Archive", 45) is True
        assert dump(raw_redis) == step(rec, "same time, other args")["keyspace"]
        assert await r.delayed.enqueue_at_with_queue("other", when.timestamp() + 60, "Archive", 1) is True
        assert dump(raw_redis) == step(rec, "enqueue_at_with_queue")["keyspace"]
        assert await r.delayed.enqueue_in(-10, "Archive", "due") is True  # not in the future: queued now
        assert raw_redis.lrange("resque:queue:file_serve", 0, -1) == [b'{"class":"Archive","args":["due"]}']
        assert await r.delayed.enqueue_in_with_queue("later", 3600, "Archive", 2) is True
        with pytest.raises(TypeError):
            await r.delayed.enqueue_in("soon", "Archive")  # type: ignore[arg-type]

    run(scenario, redis_url, registry=registry, hooks=[])
    sync = Resque(redis_url, registry=registry)
    (ts,) = [t for t in sync.delayed.peek(0, 5) if t < when.timestamp()]
    assert abs(ts - (time.time() + 3600)) < 5
    assert sync.delayed.timestamp_peek(ts) == [{"class": "Archive", "args": [2], "queue": "later"}]


def test_activejob_matches_the_blocking_client(raw_redis: redis.Redis, redis_url: str) -> None:
    async def scenario(r: AsyncResque) -> list[str]:
        return [await r.enqueue_activejob("ArchiveJob", 44, "masterbrew", queue="file_serve",
                                          kwargs={"flag": True}),
                await r.enqueue_activejob("ArchiveJob", 45, queue="file_serve", wait=3600)]

    now_id, later_id = run(scenario, redis_url, registry=Registry())
    (now,) = raw_redis.lrange("resque:queue:file_serve", 0, -1)
    data = json.loads(now)["args"][0]
    assert data["job_id"] == now_id and data["arguments"][0] == 44
    raw_redis.flushdb()
    sync = Resque(redis_url, registry=Registry())
    sync_id = sync.enqueue_activejob("ArchiveJob", 44, "masterbrew", queue="file_serve", kwargs={"flag": True})
    (theirs,) = raw_redis.lrange("resque:queue:file_serve", 0, -1)
    sync_data = json.loads(theirs)["args"][0]
    assert now.replace(now_id.encode(), sync_id.encode()).replace(
        data["enqueued_at"].encode(), sync_data["enqueued_at"].encode()) == theirs
    assert later_id != now_id


def test_a_client_passed_in_stays_open_and_namespaces_apply(raw_redis: redis.Redis, redis_url: str) -> None:
    import redis.asyncio as aioredis

    async def scenario() -> None:
        mine = aioredis.Redis.from_url(redis_url)
        async with AsyncResque(mine, namespace="resque:GitHub") as r:
            await r.enqueue_ruby("Archive", 1, queue="x")
            assert r.redis_id == Resque(redis_url).redis_id
        assert await mine.llen("resque:GitHub:queue:x") == 1  # still open
        await mine.aclose()

    asyncio.run(scenario())
    assert raw_redis.smembers("resque:GitHub:queues") == {b"x"}


@needs_ruby
def test_ruby_worker_runs_what_asyncresque_enqueued(raw_redis: redis.Redis, redis_url: str) -> None:
    async def produce(r: AsyncResque) -> None:
        await asyncio.gather(r.enqueue_ruby("Archive", 45, "radio4", 2**70, queue="file_serve"),
                             r.enqueue_ruby("Archive", 46, 1.0e20, {"a": [None]}, queue="file_serve"))

    run(produce, redis_url, registry=Registry())
    proc = ruby_worker(redis_url, "file_serve", "0")
    assert proc.wait(60) == 0, proc.stdout.read() if proc.stdout else ""
    results = sorted(json.loads(x) for x in raw_redis.lrange("contract:results", 0, -1))
    assert results == [[45, "radio4", 2**70], [46, 1.0e20, {"a": [None]}]]


@needs_node
def test_node_resque_worker_runs_what_asyncresque_enqueued(raw_redis: redis.Redis, redis_url: str) -> None:
    run(lambda r: r.enqueue_ruby("Archive", 44, "masterbrew", 2.5, queue="file_serve"), redis_url,
        registry=Registry())
    out = node(redis_url, "work", "file_serve", "1", "20000")
    assert "worker done 1" in out
    assert [json.loads(x) for x in raw_redis.lrange("contract:results", 0, -1)] == [[44, "masterbrew", 2.5]]


@needs_scheduler
def test_resque_scheduler_finds_and_removes_what_asyncresque_delayed(raw_redis: redis.Redis, redis_url: str) -> None:
    when = datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    registry = Registry()
    registry.register("Archive", lambda *a: None, queue="file_serve")
    run(lambda r: r.delayed.enqueue_at(when, "Archive", 44, "masterbrew"), redis_url, registry=registry)
    assert scheduler(redis_url, "count") == [1, 1]
    assert scheduler(redis_url, "scheduled_at", '[44, "masterbrew"]') == [int(when.timestamp())]
    assert scheduler(redis_url, "remove", '[44, "masterbrew"]') == 1


def test_addresses_are_read_as_the_blocking_client_reads_them(redis_url: str) -> None:
    port = redis_url.rsplit(":", 1)[1].split("/")[0]
    client = AsyncResque(f"127.0.0.1:{port}:2")
    assert client.redis.connection_pool.connection_kwargs["db"] == 2
    assert client.redis_id == Resque(f"127.0.0.1:{port}:2").redis_id
    with pytest.raises(TypeError, match="redis.asyncio client"):
        AsyncResque(redis.Redis.from_url(redis_url))  # type: ignore[arg-type]
    from resque_interop.errors import ConnectionConfigError

    with pytest.raises(ConnectionConfigError):
        AsyncResque("redis-sentinel://h:26379")
