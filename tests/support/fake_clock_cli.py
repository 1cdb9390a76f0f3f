"""Runs resque_interop's CLI with ``time.time()`` shifted by the seconds in $FAKE_CLOCK_FILE
(libfaketime's ``+N`` format, the file the Ruby peer's libfaketime reads), re-read on
every call, so both schedulers see the same fake clock and its jumps.

Why not libfaketime for Python too: libfaketime 0.9.10 breaks Python 3.11's sleeps
(``time.sleep`` is ``clock_nanosleep`` with an absolute CLOCK_MONOTONIC deadline: EINVAL
with FAKETIME_DONT_FAKE_MONOTONIC=1, a sleep that never returns without it)."""

from __future__ import annotations

import os
import time

_real_time = time.time
_FILE = os.environ["FAKE_CLOCK_FILE"]


def _fake_time() -> float:
    with open(_FILE, encoding="ascii") as fh:
        return _real_time() + float(fh.read().strip() or 0)


time.time = _fake_time

from resque_interop.cli import main  # noqa: E402 - the clock is shifted before the library loads

main()
