"""A redis-server a test can stop and restart on the same port and data (append-only
file on), as an operator's restart or a crash does."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time

import pytest
import redis

from resque_interop.dev.redis_server import find_redis_server, free_port


class RestartableRedis:
    """``with RestartableRedis() as server``: ``stop()`` (SIGTERM, or SIGKILL with
    ``crash=True``) and ``start()`` again keep the port and the append-only file."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="resque-interop-faults-")
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RestartableRedis:
        self.proc = subprocess.Popen(
            [find_redis_server(), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes", "--appendfsync", "always", "--dir", self.dir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                client.ping()
                return self
            except (redis.ConnectionError, redis.BusyLoadingError):
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not come up on {self.port}")

    def stop(self, crash: bool = False) -> None:
        if self.proc is not None and self.proc.poll() is None:
            (self.proc.kill if crash else self.proc.terminate)()
            self.proc.wait(15)
        self.proc = None

    def restart(self, down_for: float = 0.0) -> None:
        self.stop()
        time.sleep(down_for)
        self.start()

    def __enter__(self) -> RestartableRedis:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


REFUSALS = ("out of memory", "read-only replica", "cannot save")


def refuse_writes(admin: redis.Redis[bytes], kind: str, scratch: str) -> None:
    """Make a running server refuse writes while it still answers: ``out of memory``
    (maxmemory 1 byte, noeviction), ``read-only replica`` (REPLICAOF a port where no
    primary answers: the data stays), ``cannot save`` (a save point and a failed
    BGSAVE: MISCONF). ``scratch`` is a directory of the test's own."""
    if kind == "out of memory":
        admin.config_set("maxmemory-policy", "noeviction")
        admin.config_set("maxmemory", 1)
    elif kind == "read-only replica":
        from resque_interop.dev.redis_server import free_port

        admin.replicaof("127.0.0.1", free_port())
    elif kind == "cannot save":
        gone = os.path.join(scratch, "gone")
        os.makedirs(gone, exist_ok=True)
        try:
            admin.config_set("dir", gone)
        except redis.ResponseError as exc:  # Redis 7 protects dir unless enable-protected-configs
            pytest.skip(f"cannot move this Redis's dir to make its save fail: {exc}")
        admin.config_set("save", "3600 1")
        os.rmdir(gone)  # the snapshot below cannot be written
        admin.bgsave()
        deadline = time.monotonic() + 10
        while admin.info("persistence")["rdb_last_bgsave_status"] != "err":
            if time.monotonic() > deadline:
                raise RuntimeError("BGSAVE did not fail")
            time.sleep(0.02)
    else:
        raise ValueError(kind)


def accept_writes(admin: redis.Redis[bytes], kind: str, scratch: str) -> None:
    """Undo :func:`refuse_writes` as an operator would."""
    if kind == "out of memory":
        admin.config_set("maxmemory", 0)
    elif kind == "read-only replica":
        admin.replicaof("NO", "ONE")
    elif kind == "cannot save":
        admin.config_set("dir", scratch)
        admin.bgsave()
        deadline = time.monotonic() + 10
        while admin.info("persistence")["rdb_last_bgsave_status"] != "ok":
            if time.monotonic() > deadline:
                raise RuntimeError("BGSAVE did not succeed")
            time.sleep(0.02)
        admin.config_set("save", "")
