"""The process title, in Ruby Resque's format.

A same-host Ruby worker decides which registered workers are alive by
grepping ``ps`` for ``resque-[0-9]``, ``resque:work`` or ``resque: Starting``;
a worker titled otherwise is pruned while alive. So ours read
``{RESQUE_PROCLINE_PREFIX}resque-<version>: <state>``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable

from ..version import __version__

_set: Callable[[str], None] | None
try:
    from setproctitle import setproctitle as _set
except ImportError:  # pragma: no cover - setproctitle is a dependency
    _set = None

LIVE_WORKER = re.compile(r"resque:work|resque:\sStarting|resque-[0-9]")


def procline(state: str, prefix: str | None = None) -> str:
    """Set the title to ``{prefix}resque-<version>: <state>`` and return it."""
    if prefix is None:
        prefix = os.environ.get("RESQUE_PROCLINE_PREFIX", "")
    title = f"{prefix}resque-{__version__}: {state}"
    set_title(title)
    return title


def set_title(title: str) -> None:
    """Set the raw process title (``resque: Starting`` at startup, as Ruby)."""
    if _set is not None:
        _set(title)


def live_worker_pids() -> set[str]:
    """Pids on this host whose command line looks like a Resque worker, as Ruby's
    ``linux_worker_pids`` finds them (resque-web excluded)."""
    pids: set[str] = set()
    try:
        entries = os.listdir("/proc")
    except OSError:
        return _ps_worker_pids()
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                command = fh.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if LIVE_WORKER.search(command) and "resque-web" not in command:
            pids.add(entry)
    return pids


def _ps_worker_pids() -> set[str]:
    import subprocess

    out = subprocess.run(["ps", "-A", "-o", "pid,command"], capture_output=True, text=True).stdout
    return {
        line.split()[0]
        for line in out.splitlines()[1:]
        if LIVE_WORKER.search(line) and "resque-web" not in line
    }
