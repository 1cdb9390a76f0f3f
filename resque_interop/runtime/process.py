"""Process plumbing for worker commands: logging, PIDFILE, BACKGROUND, pools."""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Callable
from datetime import datetime

log = logging.getLogger("resque_interop.worker")

FORWARDED = (signal.SIGQUIT, signal.SIGTERM, signal.SIGINT, signal.SIGUSR1, signal.SIGUSR2, signal.SIGCONT)


class TimestampFormatter(logging.Formatter):
    """Resque's line shapes (``*** message``; ``** [time] pid: message`` when very verbose)
    with an ISO 8601 local time, to the millisecond and with its offset, on every line."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds")


LINE = "*** [%(asctime)s] %(message)s"
VERY_VERBOSE_LINE = "** [%(asctime)s] %(process)d: %(message)s"
# the shape this process's log lines have (configure_logging sets it), for log_line
_shape = {"formatter": TimestampFormatter(LINE)}


def configure_logging(verbose: bool = False, very_verbose: bool = False, stream: object = None) -> None:
    """VERBOSE / LOGGING: info; VVERBOSE: debug; else warnings only; every line timestamped."""
    level = logging.DEBUG if very_verbose else logging.INFO if verbose else logging.WARNING
    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
    formatter = TimestampFormatter(VERY_VERBOSE_LINE if very_verbose else LINE)
    _shape["formatter"] = formatter
    handler.setFormatter(formatter)
    root = logging.getLogger("resque_interop")
    root.handlers[:] = [handler]
    root.setLevel(level)


def log_line(message: str) -> str:
    """``message`` shaped and timestamped as this process's log lines (``*** [time] message``):
    what a long-running command prints outside its log (the start banner, the error it ends
    with) reads as one more log line, whatever the log level."""
    record = logging.LogRecord("resque_interop", logging.INFO, __file__, 0, message, None, None)
    return _shape["formatter"].format(record)


def daemonize() -> None:
    """BACKGROUND: detach as Ruby's ``Process.daemon(true)`` (cwd kept, stdio to /dev/null)."""
    if os.fork() > 0:
        os._exit(0)
    os.setsid()
    if os.fork() > 0:
        os._exit(0)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)


def write_pidfile(path: str) -> None:
    """PIDFILE: write this process's pid."""
    with open(path, "w") as fh:
        fh.write(str(os.getpid()))


def run_pool(count: int, run_one: Callable[[int], None]) -> int:
    """Start ``count`` worker processes (``run_one(index)`` in each), forward Resque's
    signals to them and return when all have exited; a worker that dies is not
    restarted (a supervisor's job), so the pool ends with its last worker."""
    children: dict[int, int] = {}
    for index in range(count):
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                for sig in FORWARDED:
                    signal.signal(sig, signal.SIG_DFL)
                run_one(index)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException:  # noqa: BLE001 - reported, then the child ends
                log.exception("worker %d crashed", index)
                code = 1
            finally:
                os._exit(code)
        children[pid] = index

    def forward(signum: int, _frame: object) -> None:
        for pid in list(children):
            try:
                os.kill(pid, signum)
            except ProcessLookupError:
                pass

    for sig in FORWARDED:
        signal.signal(sig, forward)
    worst = 0
    while children:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        children.pop(pid, None)
        code = os.waitstatus_to_exitcode(status)
        worst = max(worst, abs(code))
        if code:
            log.warning("worker process %d exited with %d", pid, code)
    return worst
