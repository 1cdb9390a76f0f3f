"""Starting real worker processes for the tests and waiting on Redis state."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import redis

from .waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]
HOST = socket.gethostname()


class WorkerProcess:
    """``resque-interop work`` in a subprocess."""

    def __init__(self, redis_url: str, queues: str, *args: str, env: dict[str, str] | None = None,
                 namespace: str = "resque", command: str = "work", log_path: str | None = None) -> None:
        self.redis = redis.Redis.from_url(redis_url)
        self.namespace = namespace
        full_env = {**os.environ, "REDIS_URL": redis_url, "RESQUE_TEST_REDIS_URL": redis_url,
                    "RESQUE_NAMESPACE": namespace, "PYTHONPATH": str(ROOT), **(env or {})}
        # a log file, not a pipe, for workers that write much (a full pipe would block them)
        self.log_path = log_path
        out = open(log_path, "ab") if log_path else subprocess.PIPE  # noqa: SIM115 - closed by the child's exit
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "resque_interop", command, "-A", "tests.jobs", "-q", queues, *args],
            cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT,
        )
        if log_path:
            out.close()  # type: ignore[union-attr]
        self.pid = self.proc.pid

    @property
    def id_prefix(self) -> str:
        return f"{HOST}:{self.pid}:"

    def worker_id(self, timeout: float = 15.0) -> str:
        def registered() -> str | None:
            for member in self.redis.smembers(f"{self.namespace}:workers"):
                text = member.decode()
                if text.startswith(self.id_prefix):
                    return text
            if self.proc.poll() is not None:
                raise AssertionError(f"worker exited early: {self.output()}")
            return None

        return wait_for(registered, timeout, "worker registration")

    def send(self, sig: int) -> None:
        os.kill(self.pid, sig)

    def stop(self, sig: int = signal.SIGQUIT, timeout: float = 15.0) -> int:
        if self.proc.poll() is None:
            os.kill(self.pid, sig)
        return self.proc.wait(timeout)

    def output(self) -> str:
        if self.log_path:
            with open(self.log_path, "rb") as fh:
                return fh.read().decode("utf-8", "replace")
        if self.proc.poll() is None:
            return "<running>"
        return (self.proc.stdout.read() if self.proc.stdout else b"").decode("utf-8", "replace")

    def title(self) -> str:
        """The worker's process title (setproctitle rewrites its argv)."""
        try:
            with open(f"/proc/{self.pid}/cmdline", "rb") as fh:
                return fh.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
        except OSError:
            return ""

    def children(self) -> list[int]:
        try:
            with open(f"/proc/{self.pid}/task/{self.pid}/children") as fh:
                return [int(p) for p in fh.read().split()]
        except OSError:
            return []

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def __enter__(self) -> WorkerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        for child in self.children():
            try:
                os.kill(child, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.kill()
