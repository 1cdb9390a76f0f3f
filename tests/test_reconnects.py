"""Reconnecting never uses up connections: a process lives through any number of dropped
connections and outages of any length. redis-py's pool refuses a 101st connection
(``MaxConnectionsError``); each test below reconnects more often than that, against a
real redis-server of its own (CLIENT KILL, stops and restarts)."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest
import redis

from resque_interop import Registry, Resque
from resque_interop.aio import AsyncResque

from .support.faults import RestartableRedis
from .support.waiting import wait_for
from .support.workers import WorkerProcess


def _drop_clients(admin: redis.Redis) -> int:
    """CLIENT KILL every normal connection but the admin's own."""
    return int(admin.execute_command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"))


def _pool_size(client: Resque) -> int:
    pool = client.redis.connection_pool
    return len(pool._in_use_connections) + len(pool._available_connections)


def test_a_producer_enqueues_through_thousands_of_dropped_connections() -> None:
    with RestartableRedis() as server:
        client = Resque(server.url, registry=Registry())
        admin = redis.Redis.from_url(server.url)
        for n in range(2000):
            assert _drop_clients(admin) >= (1 if n else 0)
            client.enqueue_ruby("Archive", n, queue="q")
        assert client.size("q") == 2000
        assert _pool_size(client) <= 2  # the lane's one connection and redis-py's own


def test_a_producer_that_failed_many_enqueues_during_an_outage_recovers() -> None:
    with RestartableRedis() as server:
        client = Resque(server.url, registry=Registry())
        client.enqueue_ruby("Archive", "before", queue="q")
        server.stop()
        refused = 0
        for n in range(150):
            with pytest.raises(redis.ConnectionError) as caught:
                client.enqueue_ruby("Archive", n, queue="q")
            refused += not isinstance(caught.value, redis.exceptions.MaxConnectionsError)
        assert refused == 150  # each one a refused connection, never "Too many connections"
        server.start()
        client.enqueue_ruby("Archive", "after", queue="q")
        assert client.size("q") == 2


def test_threads_that_come_and_go_give_their_connection_back() -> None:
    # a thread per request (a WSGI server's, a script's): each one's lane connection
    # returns to the pool when the thread ends
    with RestartableRedis() as server:
        client = Resque(server.url, registry=Registry())
        errors: list[BaseException] = []

        def enqueue(n: int) -> None:
            try:
                client.enqueue_ruby("Archive", n, queue="q")
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        for n in range(300):
            thread = threading.Thread(target=enqueue, args=(n,))
            thread.start()
            thread.join()
        assert not errors, errors[:3]
        assert client.size("q") == 300
        assert _pool_size(client) <= 3


def test_async_resque_enqueues_through_hundreds_of_dropped_connections() -> None:
    with RestartableRedis() as server:
        admin = redis.Redis.from_url(server.url)

        async def main() -> int:
            client = AsyncResque(server.url)
            try:
                for n in range(300):
                    _drop_clients(admin)
                    await client.enqueue_ruby("Archive", n, queue="q")
                return await client.size("q")
            finally:
                await client.aclose()

        assert asyncio.run(main()) == 300


@pytest.mark.timeout(180)
def test_a_worker_whose_connections_drop_at_every_job_keeps_working(tmp_path: Path) -> None:
    with RestartableRedis() as server:
        client = Resque(server.url, registry=Registry())
        admin = redis.Redis.from_url(server.url)
        raw = redis.Redis.from_url(server.url)
        with WorkerProcess(server.url, "q", "-i", "0.1", "--no-fork", log_path=str(tmp_path / "w.log")) as worker:
            worker.worker_id()
            for n in range(1, 321):
                client.enqueue_ruby("Archive", n, queue="q")
                wait_for(lambda n=n: int(raw.llen("contract:results")) == n, timeout=10,
                         what=f"job {n} run (worker log: {worker.output()[-500:]})")
                _drop_clients(admin)
            wait_for(lambda: raw.get("resque:stat:processed") == b"320", what="the last job counted")
            assert worker.stop() == 0
        assert "Too many connections" not in worker.output()


@pytest.mark.timeout(180)
def test_an_idle_worker_lives_through_an_outage_of_hundreds_of_reconnects(tmp_path: Path) -> None:
    # the back-off capped at 20 ms: a 6 s outage makes about 300 tries to reconnect, as
    # 10 minutes do at the default 2 s
    with RestartableRedis() as server:
        client = Resque(server.url, registry=Registry())
        env = {"RESQUE_MAX_BACKOFF": "0.02"}
        with WorkerProcess(server.url, "q", "-i", "0.1", env=env, log_path=str(tmp_path / "w.log")) as worker:
            worker.worker_id()
            server.stop()
            wait_for(lambda: "lost Redis" in worker.output(), what="the worker in its back-off")
            time.sleep(6.0)  # the outage itself: nothing to wait on but the clock
            server.start()
            client.enqueue_ruby("Archive", "after the outage", queue="q")
            raw = redis.Redis.from_url(server.url)
            wait_for(lambda: raw.llen("contract:results") == 1, timeout=20,
                     what=f"the job after the outage (worker log: {worker.output()[-500:]})")
            assert worker.stop() == 0
        assert "Redis is back after" in worker.output()
