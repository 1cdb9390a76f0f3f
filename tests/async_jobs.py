"""``async def`` jobs and hooks for the worker processes tests/test_async_jobs.py starts
(``-A tests.async_jobs``). Each records what it did in the test Redis through redis.asyncio,
after a real suspension (``asyncio.sleep``), so a record exists only if an event loop ran it."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable, Coroutine
from typing import Any

import redis
import redis.asyncio as aioredis

from resque_interop import Hooks, job, register_hooks

ORDER = "async:order"
RESULTS = "async:results"


def _url() -> str:
    return os.environ["RESQUE_TEST_REDIS_URL"]  # the suite's private Redis only


async def record(key: str, value: str) -> None:
    await asyncio.sleep(0.005)
    client = aioredis.Redis.from_url(_url())
    try:
        await client.rpush(key, value)
    finally:
        await client.connection_pool.disconnect()


def record_now(key: str, value: str) -> None:
    """The same from synchronous code."""
    with redis.Redis.from_url(_url()) as client:
        client.rpush(key, value)


@job("AsyncArchive", queue="async")
async def async_archive(*args: Any) -> None:
    await record(RESULTS, json.dumps(["AsyncArchive", *args]))


class AsyncFailure(Exception):
    """What AsyncFailing raises after it has awaited something."""


@job("AsyncFailing", queue="async")
async def async_failing(number: int) -> None:
    await asyncio.sleep(0.005)
    raise AsyncFailure(f"async boom {number}")


@job("ReturnsAwaitable", queue="async")
def returns_awaitable(number: int) -> Coroutine[Any, Any, None]:
    """Not ``async def`` itself: it returns a coroutine (as a decorator around an async function may)."""
    return record(RESULTS, json.dumps(["ReturnsAwaitable", number]))


@job("AsyncHooked", queue="async")
class AsyncHooked:
    """An async perform inside per-job hooks of both kinds (run in name order: _a outside _b)."""

    @staticmethod
    async def before_perform_a(number: int) -> None:
        await record(ORDER, "job before")

    @staticmethod
    def around_perform_a(call: Callable[[], Any], number: int) -> None:
        record_now(ORDER, "job sync around in")
        call()
        record_now(ORDER, "job sync around out")

    @staticmethod
    async def around_perform_b(call: Callable[[], Any], number: int) -> None:
        await record(ORDER, "job async around in")
        await call()
        await record(ORDER, "job async around out")

    @staticmethod
    async def perform(number: int) -> None:
        await record(ORDER, f"perform {number}")

    @staticmethod
    async def after_perform_a(number: int) -> None:
        await record(ORDER, "job after")

    @staticmethod
    async def on_failure_a(exc: BaseException, number: int) -> None:
        await record(ORDER, f"job on_failure {type(exc).__name__}")


class AsyncGlobalHooks(Hooks):
    """Global hooks written as coroutines: each must have run before the worker goes on."""

    async def before_first_fork(self, worker: Any) -> None:
        await record(ORDER, "before_first_fork")

    async def after_fork(self, worker: Any, job_: Any) -> None:
        await record(ORDER, "after_fork")

    async def before_perform(self, job_: Any) -> None:
        await record(ORDER, "global before")

    async def around_perform(self, job_: Any, call: Callable[[], Any]) -> Any:
        await record(ORDER, "global around in")
        result = await call()
        await record(ORDER, "global around out")
        return result

    async def after_perform(self, job_: Any) -> None:
        await record(ORDER, "global after")

    async def on_failure(self, job_: Any, exc: BaseException) -> None:
        await record(ORDER, f"global on_failure {type(exc).__name__}")


register_hooks(AsyncGlobalHooks())
