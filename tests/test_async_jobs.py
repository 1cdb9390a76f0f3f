"""``async def`` jobs run: real workers, forking and not, await each job and each hook on an
event loop they own before the job counts as done; an async job that raises is a failure
with its traceback. (Before, the worker logged ``done`` and counted a coroutine it never ran.)"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
import redis

from resque_interop import Hooks, Registry, Resque

from .support.workers import ROOT, WorkerProcess

# tests/async_jobs.py's lists; not imported from there, as importing it registers global hooks
ORDER, RESULTS = "async:order", "async:results"

FORK_MODES = [pytest.param([], id="fork"), pytest.param(["--no-fork"], id="no-fork")]


def drain(redis_url: str, *args: str) -> str:
    """A worker on the ``async`` queue until it is empty (INTERVAL=0); its log."""
    worker = WorkerProcess(redis_url, "async", "-A", "tests.async_jobs", "-i", "0", "-v", *args)
    assert worker.proc.wait(60) == 0, worker.output()
    return worker.output()


def results(raw_redis: redis.Redis, key: str) -> list[str]:
    return [item.decode() for item in raw_redis.lrange(key, 0, -1)]


@pytest.mark.parametrize("mode", FORK_MODES)
def test_async_jobs_run_before_they_count_as_done(r: Resque, redis_url: str, raw_redis: redis.Redis, mode: list[str]) -> None:
    for n in range(3):
        r.enqueue_ruby("AsyncArchive", n, "masterbrew", queue="async")
    r.enqueue_ruby("ReturnsAwaitable", 9, queue="async")
    log = drain(redis_url, *mode)
    assert sorted(results(raw_redis, RESULTS)) == sorted(
        [json.dumps(["AsyncArchive", n, "masterbrew"]) for n in range(3)] + [json.dumps(["ReturnsAwaitable", 9])]
    )
    assert raw_redis.get("resque:stat:processed") == b"4" and not raw_redis.exists("resque:stat:failed")
    assert "never awaited" not in log


@pytest.mark.parametrize("mode", FORK_MODES)
def test_async_hooks_of_every_kind_run_in_order(r: Resque, redis_url: str, raw_redis: redis.Redis, mode: list[str]) -> None:
    r.enqueue_ruby("AsyncHooked", 7, queue="async")
    drain(redis_url, *mode)
    forked = ["after_fork"] if not mode else []
    assert results(raw_redis, ORDER) == ["before_first_fork", *forked, "global before", "job before",
                                         "global around in", "job sync around in", "job async around in",
                                         "perform 7", "job async around out", "job sync around out",
                                         "global around out", "job after", "global after"]
    assert raw_redis.get("resque:stat:processed") == b"1" and not raw_redis.exists("resque:stat:failed")


@pytest.mark.parametrize("mode", FORK_MODES)
def test_an_async_job_that_raises_is_a_failure_with_its_traceback(r: Resque, redis_url: str, raw_redis: redis.Redis,
                                                                 mode: list[str]) -> None:
    r.enqueue_ruby("AsyncFailing", 3, queue="async")
    drain(redis_url, *mode)
    [entry] = [json.loads(item) for item in raw_redis.lrange("resque:failed", 0, -1)]
    assert entry["exception"].endswith("AsyncFailure") and entry["error"] == "async boom 3"
    assert any("async_jobs.py" in line and "async_failing" in line for line in entry["backtrace"]), entry["backtrace"]
    assert raw_redis.get("resque:stat:failed") == b"1" and raw_redis.get("resque:stat:processed") == b"1"
    assert results(raw_redis, ORDER)[-1:] == ["global on_failure AsyncFailure"]


def test_an_inline_client_awaits_an_async_job(redis_url: str, raw_redis: redis.Redis) -> None:
    # a process of its own: importing the app module registers its global hooks
    code = ("from resque_interop import Resque\nimport tests.async_jobs\n"
            f"Resque({redis_url!r}, inline=True).enqueue_ruby('AsyncArchive', 5, queue='async')\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert results(raw_redis, RESULTS) == [json.dumps(["AsyncArchive", 5])]


def test_an_async_around_hook_that_forgets_to_await_call_fails_the_job(redis_url: str) -> None:
    ran: list[int] = []

    class Forgetful(Hooks):
        async def around_perform(self, job: Any, call: Callable[[], Any]) -> None:
            call()  # not awaited: the job would not run

    registry = Registry()

    @registry.job("Counted", queue="async")
    async def counted() -> None:
        ran.append(1)

    client = Resque(redis_url, registry=registry, hooks=[Forgetful()], inline=True)
    with pytest.raises(RuntimeError, match="must `await call\\(\\)`"):
        client.enqueue_ruby("Counted", queue="async")
    assert ran == []
