"""Job timeouts: ``@job(..., timeout=30)`` or the worker's default (``--job-timeout``).

With fork (the default) the parent waits for the child at most that long, then KILLs it
and records a :class:`~resque_interop.errors.JobTimeout` failure (retried when the job
has a Retry; its attempt is read from Redis, as for a dirty exit). That is a hard limit:
nothing the job does can outlast it.

Without fork there is no child to kill and no thread can be stopped from outside, so the
limit is soft: on the main thread a ``SIGALRM`` timer raises ``JobTimeout`` inside the job
at its next Python instruction (a blocking system call returns early), disarmed before
the outcome is written. Code stuck inside a C extension that never returns to Python is
not interrupted, and ``finally`` blocks of the job see the exception like any other. Off
the main thread (a worker run from a thread) no timer can be set: the timeout is logged
as unenforced once and the job runs without it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import signal
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..errors import JobTimeout

if TYPE_CHECKING:
    from ..client.job import Job

log = logging.getLogger("resque_interop.worker")
_warned_thread = False


def timeout_for(job: Job, default: float | None) -> float | None:
    """The job's own timeout when registered with one, else the worker's default."""
    spec = job.spec
    if spec is not None and spec.timeout is not None:
        return spec.timeout
    return default if default and default > 0 else None


def wait_child(pid: int, seconds: float) -> int | None:
    """``waitpid`` for at most ``seconds``: the status, or None when the child still runs."""
    deadline = time.monotonic() + seconds
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):  # no pidfd (old kernel, not Linux): poll
        fd = -1
    try:
        while True:
            try:
                done, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                return 0
            if done:
                return status
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            if fd >= 0:
                poller = select.poll()
                poller.register(fd, select.POLLIN)
                poller.poll(left * 1000)
            else:
                time.sleep(min(left, 0.05))
    finally:
        if fd >= 0:
            os.close(fd)


def overdue_message(seconds: float, pid: int | None = None) -> str:
    """The failure's error text."""
    who = f": the worker killed its child pid {pid} (SIGKILL)" if pid is not None else ""
    return f"Job exceeded its timeout of {seconds:g}s{who}"


@contextlib.contextmanager
def inline_deadline(seconds: float | None) -> Iterator[None]:
    """Raise JobTimeout in the running job after ``seconds`` (main thread only)."""
    global _warned_thread
    if seconds is None:
        yield
        return
    if threading.current_thread() is not threading.main_thread():
        if not _warned_thread:
            _warned_thread = True
            log.warning("job timeouts are not enforced for a worker without fork off the main thread")
        yield
        return

    def expire(*_: object) -> None:
        raise JobTimeout(overdue_message(seconds))

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
