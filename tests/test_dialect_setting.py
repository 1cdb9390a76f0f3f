"""One setting chooses the JSON dialect everywhere: ``Resque(dialect=...)``, ``RESQUE_DIALECT``,
``--dialect``; the worker, enqueue, failed retry, the scheduler, the dashboard and AsyncResque honour it."""

from __future__ import annotations

import asyncio
import time

import pytest
import redis
from click.testing import CliRunner

from resque_interop import Registry, Resque
from resque_interop.aio import AsyncResque
from resque_interop.cli import main
from resque_interop.failure import FailureInfo
from resque_interop.web.app import create_app

RAILS_JOB = b'{"class":"Transcode","args":["\\u003cb\\u003e\\u0026",1.0e+15]}'
OJ_JOB = b'{"class":"Transcode","args":["<b>&",1000000000000000.0]}'


@pytest.fixture
def cli(redis_url: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.delenv("RESQUE_NAMESPACE", raising=False)
    monkeypatch.delenv("RESQUE_DIALECT", raising=False)
    runner = CliRunner()

    def run(*args: str, ok: bool = True, env: dict[str, str] | None = None) -> str:
        result = runner.invoke(main, list(args), catch_exceptions=False, env=env)
        assert (result.exit_code == 0) == ok, result.output
        return result.output

    return run


def test_the_client_takes_the_dialect_from_the_environment(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RESQUE_DIALECT", raising=False)
    assert Resque(redis_url).codec.dialect == "json"
    monkeypatch.setenv("RESQUE_DIALECT", "Rails")
    assert Resque(redis_url).codec.dialect == "rails"
    assert Resque(redis_url, dialect="oj").codec.dialect == "oj"  # the argument wins
    monkeypatch.setenv("RESQUE_DIALECT", "yaml")
    with pytest.raises(ValueError, match="RESQUE_DIALECT='yaml'.*json, oj, rails, oj_rails, rails_oj"):
        Resque(redis_url)


def test_async_client_honours_the_environment(redis_url: str, raw_redis: redis.Redis,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESQUE_DIALECT", "rails")

    async def go() -> None:
        async with AsyncResque(redis_url, registry=Registry()) as client:
            await client.enqueue_ruby("Transcode", "<b>&", 1e15, queue="media")

    asyncio.run(go())
    assert raw_redis.lrange("resque:queue:media", 0, -1) == [RAILS_JOB]


def test_cli_enqueue_takes_the_option_and_the_environment(cli, raw_redis: redis.Redis) -> None:  # type: ignore[no-untyped-def]
    cli("enqueue", "Transcode", '["<b>&", 1e15]', "-q", "media", "--ruby", "--dialect", "rails")
    cli("enqueue", "Transcode", '["<b>&", 1e15]', "-q", "media", "--ruby", env={"RESQUE_DIALECT": "oj"})
    assert raw_redis.lrange("resque:queue:media", 0, -1) == [RAILS_JOB, OJ_JOB]
    assert "is not one of" in cli("enqueue", "Transcode", "[]", "-q", "media", "--ruby", "--dialect", "yaml", ok=False)


def test_cli_enqueue_reads_integers_of_any_size(cli, raw_redis: redis.Redis) -> None:  # type: ignore[no-untyped-def]
    huge = "7" * 5000
    cli("enqueue", "Transcode", f"[{huge}]", "-q", "media", "--ruby")
    assert raw_redis.lrange("resque:queue:media", 0, -1) == [b'{"class":"Transcode","args":[' + huge.encode() + b"]}"]


def test_cli_worker_writes_failures_in_the_dialect(cli, raw_redis: redis.Redis) -> None:  # type: ignore[no-untyped-def]
    raw_redis.rpush("resque:queue:low", b'{"class":"Failing","args":["\\u003cb\\u003e",1.0e+15]}')
    raw_redis.sadd("resque:queues", "low")
    cli("work", "-A", "tests.jobs", "-q", "low", "-i", "0", "--no-fork", "--dialect", "rails")
    entry = raw_redis.lindex("resque:failed", 0)
    assert entry is not None
    assert b'"payload":{"class":"Failing","args":["\\u003cb\\u003e",1.0e+15]}' in entry
    assert b'"error":"boom \\u003cb\\u003e"' in entry  # ActiveSupport escapes the message too


def test_cli_failed_retry_in_the_oj_dialect_keeps_ojs_floats(cli, redis_url: str, raw_redis: redis.Redis) -> None:  # type: ignore[no-untyped-def]
    client = Resque(redis_url, registry=Registry(), dialect="oj")
    client.save_failure(FailureInfo({"class": "Transcode", "args": ["<b>&", 1e15]}, "RuntimeError", "x", [], "", "media"))
    cli("failed", "retry", "0", env={"RESQUE_DIALECT": "oj"})
    assert raw_redis.lrange("resque:queue:media", 0, -1) == [OJ_JOB]
    entry = raw_redis.lindex("resque:failed", 0)
    assert entry is not None and b"1000000000000000.0" in entry and b'"retried_at":"' in entry


def test_cli_scheduler_moves_delayed_jobs_in_the_dialect(cli, raw_redis: redis.Redis) -> None:  # type: ignore[no-untyped-def]
    now = int(time.time()) - 1
    raw_redis.rpush(f"resque:delayed:{now}", b'{"class":"Transcode","args":["<b>&",1e15],"queue":"media"}')
    raw_redis.zadd("resque:delayed_queue_schedule", {str(now): now})
    assert "moved 1" in cli("scheduler", "--once", "--dialect", "rails")
    assert raw_redis.lrange("resque:queue:media", 0, -1) == [RAILS_JOB]


def test_dashboard_retry_honours_the_dialect(redis_url: str, raw_redis: redis.Redis,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESQUE_DIALECT", "rails")
    client = Resque(redis_url, registry=Registry())
    client.save_failure(FailureInfo({"class": "Transcode", "args": ["<b>&", 1e15]}, "RuntimeError", "<x>", [], "",
                                    "media"))
    entry = raw_redis.lindex("resque:failed", 0)
    assert entry is not None and b'"error":"\\u003cx\\u003e"' in entry
    app = create_app(client)
    app.testing = True
    http = app.test_client()
    from .support.web_client import fingerprint, post

    assert post(http, "/failed/failed/requeue/0", fingerprint=fingerprint(client, 0)).status_code == 302
    assert raw_redis.lrange("resque:queue:media", 0, -1) == [RAILS_JOB]
