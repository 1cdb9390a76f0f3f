"""A job given the wrong arguments: the failure's backtrace names the job's definition, as
Ruby's ArgumentError names the method that refused them (``archive.rb:3:in `perform'``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import redis

from resque_interop import Resque
from resque_interop.client.job import Job

from . import jobs
from .support.waiting import wait_for
from .support.workers import WorkerProcess


def def_line(path: str, start: str) -> int:
    """The number of the first line of ``path`` that starts with ``start``."""
    lines = Path(path).read_text().splitlines()
    return next(number for number, line in enumerate(lines, 1) if line.startswith(start))


def test_a_worker_records_the_definition_of_a_job_given_the_wrong_arguments(
    r: Resque, raw_redis: redis.Redis, redis_url: str,
) -> None:
    r.enqueue_ruby("TwoArgs", 1, 2, 3, queue="strict")
    with WorkerProcess(redis_url, "strict", "-i", "0.05") as worker:
        worker.worker_id()
        wait_for(lambda: raw_redis.llen("resque:failed"), what="the failure")
    entry = json.loads(raw_redis.lindex("resque:failed", 0) or b"{}")
    assert entry["exception"] == "TypeError" and "3 were given" in entry["error"]
    source = jobs.two_args.__code__.co_filename
    # the def line, not the decorator's (co_firstlineno) above it
    assert entry["backtrace"] == [f"{source}:{def_line(source, 'def two_args(')}:in 'two_args'"]


class Strict:
    calls = 0

    @classmethod
    def perform(cls, first: object) -> None:
        cls.calls += 1


class NarrowHook:
    @classmethod
    def before_perform_check(cls) -> None:  # takes none of the job's arguments
        raise AssertionError("not reached")

    @classmethod
    def perform(cls, first: object) -> None:
        raise AssertionError("not reached")


def failed_entry(r: Resque, raw_redis: redis.Redis, name: str, target: Any, *args: Any) -> dict[str, Any]:
    r.registry.register(name, target, queue="q")
    job = Job(r, "q", {"class": name, "args": list(args)})
    with pytest.raises(TypeError) as raised:
        job.perform()
    job.fail(raised.value)
    return dict(json.loads(raw_redis.lindex("resque:failed", 0) or b"{}"))


def test_a_method_given_the_wrong_arguments_is_named_by_its_def(r: Resque, raw_redis: redis.Redis) -> None:
    entry = failed_entry(r, raw_redis, "Strict", Strict, 1, 2)
    assert entry["backtrace"] == [f"{__file__}:{def_line(__file__, '    def perform(cls, first')}:in 'perform'"]
    assert Strict.calls == 0


def test_a_hook_given_the_wrong_arguments_does_not_name_the_job(r: Resque, raw_redis: redis.Redis) -> None:
    # the call that refused them was the hook's, not the job's: nothing to name, as before
    assert failed_entry(r, raw_redis, "NarrowHook", NarrowHook, 1)["backtrace"] == []
