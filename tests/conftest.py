"""Shared fixtures: a real redis-server (never a fake), a clean database per test."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from resque_interop import Registry, Resque
from resque_interop.dev.redis_server import RedisServer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The suite reaches no Redis it did not start: a REDIS_URL / RESQUE_REDIS from the shell (a
# developer's own Redis) is replaced, for this process and the workers it starts, by the private
# one, or until that is known by a port where nothing listens (a test that forgets to ask for
# `redis_url` fails there instead of writing into someone's data).
NO_REDIS_HERE = "redis://127.0.0.1:1/0"
os.environ.pop("RESQUE_REDIS", None)
os.environ["REDIS_URL"] = os.environ.get("RESQUE_TEST_REDIS_URL") or NO_REDIS_HERE


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """``RESQUE_TEST_REDIS_URL`` (set by scripts/test), else a private server."""
    url = os.environ.get("RESQUE_TEST_REDIS_URL")
    if url:
        yield url
        return
    with RedisServer() as server:
        os.environ["RESQUE_TEST_REDIS_URL"] = os.environ["REDIS_URL"] = server.url
        yield server.url


@pytest.fixture(autouse=True)
def _clean_database(request: pytest.FixtureRequest) -> None:
    """Every test that reaches the test Redis starts on a flushed database."""
    if "redis_url" in request.fixturenames:
        with redis.Redis.from_url(request.getfixturevalue("redis_url")) as client:
            client.flushall()


@pytest.fixture
def raw_redis(redis_url: str) -> Iterator[redis.Redis]:
    """A plain client on the test database (flushed for each test)."""
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture
def registry() -> Registry:
    return Registry()


@pytest.fixture
def r(raw_redis: redis.Redis, redis_url: str, registry: Registry) -> Resque:
    """A client on a clean database with its own registry and hooks."""
    return Resque(redis_url, registry=registry, hooks=[])


@pytest.fixture(autouse=True)
def _default_hooks_restored() -> Iterator[None]:
    """Hooks an imported app module registers globally do not leak between tests."""
    from resque_interop.hooks import default_hooks

    saved = list(default_hooks)
    yield
    default_hooks[:] = saved
