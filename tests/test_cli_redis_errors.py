"""Every CLI command ends a Redis error with one line saying what to do and exit status 1 (never a
traceback): a full Redis, a read-only replica, a snapshot that cannot be saved, a password, a key
of the wrong type, a stall. Each against a private redis-server put in that state."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from click.testing import CliRunner

from resque_interop import Registry, Resque
from resque_interop.cli import main
from resque_interop.dev.redis_server import RedisServer, free_port
from resque_interop.failure import FailureInfo

from .support.waiting import wait_for
from .support.workers import HOST, ROOT


@pytest.fixture
def server() -> Iterator[RedisServer]:
    with RedisServer() as srv:
        yield srv


def run_cli(server: RedisServer, *args: str, url: str | None = None) -> str:
    """The command's output, checked to be one error line with exit status 1."""
    result = CliRunner().invoke(main, [*args, "-r", url or server.url], catch_exceptions=False)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 1, result.output
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0]


def seed(server: RedisServer) -> None:
    """A queued job, a failure and a worker that no longer runs, for commands that change them."""
    client = Resque(server.url, registry=Registry())
    client.enqueue_ruby("Archive", 1, queue="q")
    client.save_failure(FailureInfo({"class": "Archive", "args": [1]}, "RuntimeError", "boom", [], "w", "q"))
    client.redis.sadd("resque:workers", f"{HOST}:999999:q")  # this host, a pid that no longer runs


WRITING_COMMANDS = [
    ("enqueue", "Archive", "[1]", "--ruby", "-q", "q"),
    ("enqueue", "Archive", "[1]", "--ruby", "-q", "q", "--in", "60"),
    ("pause",),
    ("failed", "retry", "0"),
]


def test_out_of_memory(server: RedisServer) -> None:
    seed(server)
    redis.Redis(port=server.port).config_set("maxmemory", 1)
    for args in WRITING_COMMANDS:
        assert run_cli(server, *args).startswith("Error: Redis is out of memory (maxmemory"), args


def test_read_only_replica(server: RedisServer) -> None:
    seed(server)
    redis.Redis(port=server.port).replicaof("127.0.0.1", free_port())  # its data stays; writes are refused
    for args in [*WRITING_COMMANDS, ("resume",), ("clear", "q", "--yes"), ("failed", "clear", "--yes"),
                 ("failed", "remove", "0", "--yes"),
                 ("prune",)]:
        line = run_cli(server, *args)
        assert line.startswith("Error: Redis is a read-only replica: point REDIS_URL at the primary"), args


def test_snapshot_that_cannot_be_saved(server: RedisServer) -> None:
    client = redis.Redis(port=server.port)
    gone = tempfile.mkdtemp()
    client.config_set("dir", gone)
    client.config_set("save", "3600 1")
    shutil.rmtree(gone)
    client.bgsave()
    wait_for(lambda: client.info("persistence")["rdb_last_bgsave_status"] == "err", what="the failed snapshot")
    assert "cannot save its snapshot" in run_cli(server, "pause")
    client.config_set("save", "")  # else the server's shutdown waits on one more failing save


def test_password_wrong_type_and_stall(server: RedisServer) -> None:
    client = redis.Redis(port=server.port)
    client.set("resque:queues", "not a set")
    assert "wrong type" in run_cli(server, "queues")
    assert "wrong type" in run_cli(server, "info")

    stalled = threading.Thread(target=lambda: redis.Redis(port=server.port).execute_command("DEBUG", "SLEEP", "3"))
    stalled.start()
    line = run_cli(server, "queues", url=f"{server.url}?socket_timeout=0.3&socket_connect_timeout=0.3")
    stalled.join()
    assert line.startswith(f"Error: Redis at redis://127.0.0.1:{server.port}/0 did not answer in time"), line

    client.config_set("requirepass", "secret")
    assert run_cli(server, "queues").startswith("Error: Redis requires a password: put it in REDIS_URL")
    line = run_cli(server, "queues", url=f"redis://:wrong@127.0.0.1:{server.port}/0")
    assert line.startswith("Error: Redis rejected the user name or password") and "wrong@" not in line
    redis.Redis(port=server.port, password="secret").config_set("requirepass", "")


def test_worker_on_a_read_only_replica_names_it_without_a_traceback(server: RedisServer, tmp_path: Path) -> None:
    redis.Redis(port=server.port).replicaof("127.0.0.1", free_port())
    log = tmp_path / "worker.log"
    env = {"REDIS_URL": server.url, "RESQUE_TEST_REDIS_URL": server.url, "PYTHONPATH": str(ROOT),
           "PATH": "/usr/bin:/bin"}
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "resque_interop", "work", "-A", "tests.jobs", "-q", "q"],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        # it may exit (one line) or wait for writes to be accepted (a log line); either way it says why
        wait_for(lambda: re.search(r"read[- ]only replica", log.read_text(), re.IGNORECASE), what="the reason")
    finally:
        proc.kill()
        proc.wait(10)
    assert "Traceback" not in log.read_text()
