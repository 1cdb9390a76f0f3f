"""Processes a test starts (Ruby peers, Python schedulers), each stopped at its end: TERM, then
KILL for one that does not exit within 15 s."""

from __future__ import annotations

import subprocess
from typing import TypeVar

from .ruby_peer import PeerProcess

P = TypeVar("P", subprocess.Popen[str], PeerProcess)


class StartedProcesses:
    """What a test started; :meth:`stop` ends them all."""

    def __init__(self, redis_url: str) -> None:
        self.redis_url = redis_url
        self.started: list[subprocess.Popen[str] | PeerProcess] = []

    def keep(self, proc: P) -> P:
        """Remember ``proc`` for :meth:`stop`; returns it."""
        self.started.append(proc)
        return proc

    def popen(self, args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
        """Start ``args`` with its output discarded, remembered for :meth:`stop`."""
        return self.keep(subprocess.Popen(args, env=env, text=True, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL))

    def stop(self) -> None:
        """TERM every process still running, then wait (KILL after 15 s)."""
        for proc in self.started:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.started:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
