"""Shared fixtures: a real redis-server (never a fake), a clean database per test."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--ruby", choices=["auto", "local", "container"], default=None,
                     help="where the live Ruby peers run: ruby on this machine, a container started through "
                          "testcontainers (scripts/containers sets one up), or auto (the default: local if its "
                          "Ruby loads Resque); same as RESQUE_RUBY")


def pytest_configure(config: pytest.Config) -> None:
    # before any test module imports tests/support/ruby_peer.py, whose skip marks pick the back end
    if config.getoption("--ruby"):
        os.environ["RESQUE_RUBY"] = config.getoption("--ruby")
        if "tests.support.ruby_peer" in sys.modules:
            raise pytest.UsageError("tests/support/ruby_peer.py was imported before --ruby was read (by a conftest?)")
    if os.environ.get("RESQUE_RUBY", "auto") != "auto":
        # a back end asked for by name runs every Ruby-live test or the run stops here
        from tests.support import ruby_peer

        missing = ruby_peer.missing_peers()
        if missing:
            raise pytest.UsageError(f"RESQUE_RUBY={os.environ['RESQUE_RUBY']}: " + "; ".join(missing))


def pytest_unconfigure() -> None:
    # after the terminal summary, which asks the peers for their versions
    if "tests.support.ruby_peer" in sys.modules:
        sys.modules["tests.support.ruby_peer"].stop_container()


@pytest.fixture(autouse=True)
def _ruby_processes_reaped() -> Iterator[None]:
    """A Ruby process a test leaves running (say after a failed assertion) is killed at its end."""
    yield
    if "tests.support.ruby_peer" in sys.modules:
        sys.modules["tests.support.ruby_peer"].reap()


@pytest.fixture(scope="session")
def ruby_resque() -> Any:
    """The live Ruby peers (tests/support/ruby_peer.py): ``ruby_resque.ruby(url, ...)``, ``.ruby_worker``,
    ``.ruby_popen``, ``.ruby_run``, ``.scheduler``, ``.backend()`` and ``.describe()``; the test is
    skipped, with the reason, when no back end runs Ruby Resque."""
    from tests.support import ruby_peer

    if ruby_peer.ruby_args() is None:
        pytest.skip(ruby_peer.skip_reason())
    return ruby_peer


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


@pytest.fixture
def web(r: Resque) -> Any:
    """The dashboard over ``r`` in Flask's test client (testing mode: a view's exception is raised)."""
    from resque_interop.web.app import create_app

    app = create_app(r)
    app.testing = True
    return app.test_client()


@pytest.fixture(autouse=True)
def _default_hooks_restored() -> Iterator[None]:
    """Hooks an imported app module registers globally do not leak between tests."""
    from resque_interop.client.hooks import default_hooks

    saved = list(default_hooks)
    yield
    default_hooks[:] = saved
