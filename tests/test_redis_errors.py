"""describe_redis_error: each Redis refusal, raised by a real redis-server, named with what to do."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from resque_interop.dev.redis_server import RedisServer, free_port
from resque_interop.store.redis_errors import describe_redis_error, error_code, refuses_writes

from .support.waiting import wait_for


@pytest.fixture
def server() -> Iterator[RedisServer]:
    """A private redis-server each test may misconfigure."""
    with RedisServer() as srv:
        yield srv


def raised(call: Callable[[], Any]) -> BaseException:
    try:
        call()
    except redis.RedisError as exc:
        return exc
    raise AssertionError("no Redis error raised")


def test_out_of_memory_in_a_command_a_script_and_a_pipeline(server: RedisServer) -> None:
    client = redis.Redis(port=server.port)
    client.config_set("maxmemory", 1)

    def pipeline() -> None:
        pipe = client.pipeline()
        pipe.set("a", "b").incr("c").execute()

    for call in (lambda: client.set("a", "b"), lambda: client.eval("return redis.call('set', 'a', 'b')", 0), pipeline):
        exc = raised(call)
        assert error_code(exc) == "OOM" and refuses_writes(exc)
        text = describe_redis_error(exc)
        assert text.startswith("Redis is out of memory (maxmemory") and "\n" not in text


def test_read_only_replica(server: RedisServer) -> None:
    client = redis.Redis(port=server.port)
    client.replicaof("127.0.0.1", free_port())  # a primary that is never reached: the replica stays read-only
    for call in (lambda: client.lpush("q", 1), lambda: client.eval("return redis.call('set', 'a', 'b')", 0)):
        exc = raised(call)
        assert refuses_writes(exc)
        assert describe_redis_error(exc).startswith("Redis is a read-only replica: point REDIS_URL at the primary")


def test_misconf_when_the_snapshot_cannot_be_written(server: RedisServer) -> None:
    client = redis.Redis(port=server.port)
    gone = tempfile.mkdtemp()
    client.config_set("dir", gone)
    client.config_set("save", "3600 1")
    shutil.rmtree(gone)  # even root cannot write a snapshot into a removed directory
    client.bgsave()
    wait_for(lambda: client.info("persistence")["rdb_last_bgsave_status"] == "err", what="the failed snapshot")
    exc = raised(lambda: client.set("a", "b"))
    assert error_code(exc) == "MISCONF" and refuses_writes(exc)
    assert "cannot save its snapshot" in describe_redis_error(exc)
    client.config_set("save", "")
    client.config_set("stop-writes-on-bgsave-error", "no")


def test_wrong_type_auth_timeout_and_refused(server: RedisServer) -> None:
    no_retry = Retry(NoBackoff(), 0)  # redis-py 8 retries (and resends DEBUG SLEEP) for seconds by default
    client = redis.Redis(port=server.port)
    client.set("resque:queue:q", "not a list")
    exc = raised(lambda: client.lpush("resque:queue:q", 1))
    assert error_code(exc) == "WRONGTYPE" and not refuses_writes(exc)
    assert "wrong type" in describe_redis_error(exc) and "RESQUE_NAMESPACE" in describe_redis_error(exc)

    exc = raised(lambda: redis.Redis(port=server.port, socket_timeout=0.2, retry=no_retry).execute_command("DEBUG", "SLEEP", "1"))
    assert describe_redis_error(exc).startswith("Redis did not answer in time")

    client.config_set("requirepass", "secret")
    exc = raised(lambda: redis.Redis(port=server.port, retry=no_retry).get("a"))
    assert describe_redis_error(exc).startswith("Redis requires a password: put it in REDIS_URL")
    exc = raised(lambda: redis.Redis(port=server.port, password="wrong", retry=no_retry).get("a"))
    assert describe_redis_error(exc).startswith("Redis rejected the user name or password")
    redis.Redis(port=server.port, password="secret").config_set("requirepass", "")

    exc = raised(lambda: redis.Redis(port=free_port(), retry=no_retry).get("a"))
    assert describe_redis_error(exc, "redis://127.0.0.1:1/0").startswith("cannot reach Redis at redis://127.0.0.1:1/0")
