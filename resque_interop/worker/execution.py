"""How a reserved job runs: in a forked child (Resque's default) or in-process.

The forked child gets fresh Redis connections (redis-py's pool notices the new
pid), runs ``after_fork`` and the job, reports a failure itself, tells the
parent it finished through a pipe, and leaves with ``os._exit`` (``atexit``
callbacks only with RUN_AT_EXIT_HOOKS, as Resque's ``exit!``). A child that
dies by a signal, or exits without saying it finished, becomes a
``Resque::DirtyExit`` failure carrying the job.
"""

from __future__ import annotations

import atexit
import logging
import os
import signal
import sys
import time
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import DirtyExit, JobTimeout, TermException
from ..runtime.logfmt import format_error
from ..runtime.procline import procline
from .config import WorkerConfig
from .timeouts import overdue_message, timeout_for, wait_child

if TYPE_CHECKING:
    from ..client.job import Job

log = logging.getLogger("resque_interop.worker")


class JobHost(Protocol):
    """What an executor uses of its worker (a :class:`~resque_interop.worker.Worker`)."""

    #: True while a job runs in this process
    in_job: bool

    @property
    def config(self) -> WorkerConfig: ...
    def run_hook(self, name: str, *args: Any) -> None: ...
    def perform(self, job: Job) -> None: ...
    def report_failure(self, job: Job, exc: BaseException, count_failed: bool = True) -> None: ...


class InlineExecutor:
    """Runs the job in the worker process (FORK_PER_JOB=false)."""

    def __init__(self, worker: JobHost) -> None:
        self.worker = worker

    def run(self, job: Job) -> None:
        self.worker.perform(job)

    def kill_child(self) -> None:
        """Nothing to kill in-process."""


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"SIG{number}"


class ForkExecutor:
    """Forks one child per job; the parent waits and stays small."""

    def __init__(self, worker: JobHost) -> None:
        self.worker = worker
        self.child: int | None = None
        # a kill asked for between fork() and knowing the child's pid is kept, not lost
        self._forking = False
        self._kill_requested = False

    def run(self, job: Job) -> None:
        worker = self.worker
        try:
            worker.run_hook("before_fork", job)
        except Exception as exc:  # a raising hook fails the job, never the worker
            worker.report_failure(job, exc)
            return
        read_fd, write_fd = os.pipe()
        self._forking, self._kill_requested = True, False
        # Held across fork: a signal sent to the new child before it set its own
        # handlers would run the worker's (inherited) ones; held, it waits for them.
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, _WORKER_SIGNALS)
        try:
            pid = os.fork()
        except BaseException:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            os.close(read_fd)
            os.close(write_fd)
            raise
        if pid == 0:  # the child never returns from here
            os.close(read_fd)
            self._child(job, write_fd, mask)
        os.close(write_fd)
        self.child = pid
        self._forking = False
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        if self._kill_requested:
            self.kill_child()
        procline(f"Forked {pid} at {int(time.time())}")
        seconds = timeout_for(job, worker.config.job_timeout)
        overdue = False
        try:
            status = wait_child(pid, seconds) if seconds is not None else None
            if status is None and seconds is not None:
                overdue = True
                self._kill_overdue(pid)
            if status is None:
                status = self._wait(pid)
            finished = os.read(read_fd, 1) == b"1"
        finally:
            os.close(read_fd)
            self.child = None
        if overdue and not finished and seconds is not None:
            # counted as failed (a failure of the job, unlike a dirty exit) and retryable
            self._record(job, JobTimeout(overdue_message(seconds, pid)), count_failed=True)
        elif os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            # Ruby's Process::Status#to_s: "pid 1210 SIGKILL (signal 9)"
            self._dirty(job, f"Child process received unhandled signal pid {pid} {_signal_name(sig)} (signal {sig})")
        elif not finished:
            code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else status
            self._dirty(job, f"Child process exited before finishing the job: pid {pid} exit {code}")

    def _dirty(self, job: Job, message: str) -> None:
        # As Ruby's perform_with_fork: the failure is saved but stat:failed is
        # not incremented (Ruby calls job.fail, not failed!).
        self._record(job, DirtyExit(message), count_failed=False)

    def _record(self, job: Job, exc: BaseException, count_failed: bool) -> None:
        try:
            self.worker.report_failure(job, exc, count_failed=count_failed)
        except Exception as err:  # noqa: BLE001 - the worker carries on
            log.error("could not record the failure of %r (%s): %s", job, format_error(exc), format_error(err))

    @staticmethod
    def _kill_overdue(pid: int) -> None:
        log.warning("child %s ran past its job timeout: killing it", pid)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass  # it finished meanwhile; waitpid collects it

    @staticmethod
    def _wait(pid: int) -> int:
        while True:
            try:
                _, status = os.waitpid(pid, 0)
                return status
            except ChildProcessError:
                return 0
            except InterruptedError:
                continue

    def _child(self, job: Job, write_fd: int, mask: set[int | signal.Signals]) -> None:
        worker = self.worker
        code = 0
        finished = False
        try:
            for sig in (signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2, signal.SIGCONT, signal.SIGINT):
                signal.signal(sig, signal.SIG_DFL)
            if worker.config.term_child:
                signal.signal(signal.SIGTERM, _raise_term)
                worker.in_job = True
            else:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # what arrived meanwhile lands now
            worker.run_hook("after_fork", job)
            worker.perform(job)  # reports the job's own failure
            finished = True
        except BaseException as exc:  # noqa: BLE001 - the child must always reach _exit
            try:
                worker.report_failure(job, exc)
                finished = True
            except BaseException:  # noqa: BLE001
                code = 1
        finally:
            if finished:
                try:
                    os.write(write_fd, b"1")
                except OSError:
                    pass  # the parent is gone (killed): nobody to tell, and the job did run
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            except Exception:  # noqa: BLE001
                pass
            if worker.config.run_at_exit_hooks:
                atexit._run_exitfuncs()
            os._exit(code)

    def kill_child(self) -> None:
        """KILL the child now; with TERM_CHILD: wait RESQUE_PRE_SHUTDOWN_TIMEOUT, TERM,
        wait RESQUE_TERM_TIMEOUT, then KILL."""
        pid = self.child
        if pid is None:
            if self._forking:
                self._kill_requested = True
            return
        config = self.worker.config
        try:
            if not config.term_child:
                log.debug("Killing child at %s", pid)
                os.kill(pid, signal.SIGKILL)
                return
            if config.pre_shutdown_timeout > 0 and self._wait_exit(pid, config.pre_shutdown_timeout):
                return
            log.debug("Sending TERM signal to child %s", pid)
            os.kill(pid, signal.SIGTERM)
            if not self._wait_exit(pid, config.term_timeout):
                log.debug("Sending KILL signal to child %s", pid)
                os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            log.debug("Child %s already quit", pid)

    @staticmethod
    def _wait_exit(pid: int, timeout: float) -> bool:
        # poll without reaping: the parent's waitpid in run() collects the status
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return True
            try:
                with open(f"/proc/{pid}/stat") as fh:
                    if fh.read().split(") ", 1)[1].startswith("Z"):
                        return True
            except (OSError, IndexError):
                pass
            time.sleep(0.1)
        return False


#: The signals the worker handles; the child sets its own before it takes any.
_WORKER_SIGNALS = {
    signal.SIGTERM,
    signal.SIGINT,
    signal.SIGQUIT,
    signal.SIGUSR1,
    signal.SIGUSR2,
    signal.SIGCONT,
}


def _raise_term(*_: object) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise TermException("SIGTERM")
