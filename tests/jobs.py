"""Jobs for worker processes started by the tests (``resque-interop work -A tests.jobs``).
They play the Ruby recordings' jobs: Blocking, Failing, Noop, Archive."""

from __future__ import annotations

import json
import os
import signal
import time

import redis

from resque_interop import Hooks, job, register_hooks


def _redis() -> redis.Redis:
    # only the suite's private Redis (never REDIS_URL, which may be a developer's own); no read
    # timeout: Blocking's BLPOP waits as long as the test wants (redis-py 8 defaults to 5 s)
    url = os.environ.get("RESQUE_TEST_REDIS_URL")
    if not url:
        raise RuntimeError("tests.jobs writes only to the test suite's Redis: set RESQUE_TEST_REDIS_URL")
    return redis.Redis.from_url(url, socket_timeout=None)


if os.environ.get("TEST_CHILD_START_DELAY"):
    # widens the moment between fork() and the child setting its own signal handlers
    _delay = float(os.environ["TEST_CHILD_START_DELAY"])
    os.register_at_fork(after_in_child=lambda: time.sleep(_delay))


class ArgumentError(Exception):
    """Stands for Ruby's ArgumentError in the recorded Failing job."""


@job("Blocking", queue="high")
def blocking(key: str) -> None:
    """Blocks until someone RPUSHes ``key`` (the recordings' 'go')."""
    _redis().blpop([key], 0)


@job("Failing", queue="low")
def failing(*args: object) -> None:
    raise ArgumentError("boom <b>")


@job("Noop", queue="low")
def noop(*args: object) -> None:
    return None


@job("Archive", queue="file_serve")
def archive(*args: object) -> None:
    """Records its arguments in ``contract:results`` for the tests to read."""
    _redis().rpush("contract:results", json.dumps(args))


@job("TwoArgs", queue="strict")
def two_args(first: object, second: object) -> None:
    """Takes exactly two arguments: given three, the call itself raises TypeError."""


@job("PythonOnly", queue="file_serve")
def python_only(*args: object) -> None:
    """A class Ruby does not have."""
    _redis().rpush("contract:results", json.dumps(args))


@job("AtExit", queue="file_serve")
def at_exit(path: str) -> None:
    """Registers an atexit callback in the job's process (the forked child)."""
    import atexit

    atexit.register(lambda: open(path, "a").write("ran"))


@job("Sleep", queue="high")
def sleep(seconds: float) -> None:
    import time

    time.sleep(seconds)


@job("Exit", queue="high")
def exit_hard(code: int) -> None:
    os._exit(code)


@job("KillWorker", queue="high")
def kill_worker() -> None:
    """Kills its worker (the forked child's parent), then finishes normally."""
    parent = os.getppid()
    os.kill(parent, signal.SIGKILL)
    while os.getppid() == parent:  # re-parented once the worker is gone
        time.sleep(0.01)
    _redis().rpush("contract:results", json.dumps(["KillWorker", os.getpid()]))


class RecordAfterPerform(Hooks):
    """Global hooks registered by the app module, as a Rails app sets Resque.after_fork."""

    def after_perform(self, job_: object) -> None:
        if os.environ.get("RECORD_HOOKS"):
            _redis().rpush("contract:hooks", f"after_perform {getattr(job_, 'class_name', '')} {os.getpid()}")


register_hooks(RecordAfterPerform())


@job("SlowFail", queue="high")
def slow_fail(seconds: float) -> None:
    """Runs a while (a test restarts Redis meanwhile), then raises."""
    time.sleep(seconds)
    raise ArgumentError(f"failed after {seconds}s")


@job("Journal", queue="chaos")
def journal(number: int, fail: bool = False) -> None:
    """Appends its number to ``JOURNAL_FILE`` (not Redis: it may be down), then raises
    when asked to: the chaos test's record of what ran."""
    with open(os.environ["JOURNAL_FILE"], "a") as fh:
        fh.write(f"{number} {'raised' if fail else 'done'}\n")
    if fail:
        raise ArgumentError(f"job {number} raises")
    time.sleep(0.002)
