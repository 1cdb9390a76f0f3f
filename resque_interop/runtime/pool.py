"""A pool master with resque-pool 0.8.0's behaviour: one worker process per count of
each queue list, kept at that count, and resque-pool's signals.

The master never talks to Redis; it forks workers (``spawn(queues)`` runs one in the
child) and watches them. Once a second it re-reads its configuration (cached until
HUP, as resque-pool) and spawns what is missing or sends QUIT to what is in excess,
so a worker that dies is replaced.

Signals, as resque-pool's ``handle_sig_queue!``:

- USR1, USR2, CONT: sent on to every worker.
- HUP: reload the configuration (a file that no longer loads keeps the one in force),
  stop every worker gracefully (QUIT; TERM with TERM_CHILD), start new ones for the new
  configuration.
- WINCH: with ``handle_winch`` (resque-pool turns it on for ``--daemon``), stop all
  workers and keep running with none; otherwise ignored.
- QUIT: stop workers gracefully and wait for them (TERM_CHILD: the immediate shutdown).
- INT: stop workers gracefully, do not wait.
- TERM: by ``term_behavior``: ``immediate`` (default: TERM to workers, QUIT with
  TERM_CHILD, do not wait), ``graceful`` (as INT) or ``graceful_wait`` (as QUIT).
"""

from __future__ import annotations

import errno
import logging
import os
import select
import signal
import time
from collections import deque
from collections.abc import Callable
from typing import Literal

from .pool_config import PoolConfigError
from .procline import set_title

log = logging.getLogger("resque_interop.pool")

TermBehavior = Literal["immediate", "graceful", "graceful_wait"]
QUEUED_SIGNALS = (signal.SIGQUIT, signal.SIGINT, signal.SIGTERM, signal.SIGUSR1, signal.SIGUSR2,
                  signal.SIGCONT, signal.SIGHUP, signal.SIGWINCH)
#: resque-pool keeps at most this many signals waiting; more are logged and dropped.
SIGNAL_QUEUE_MAX = 5


class PoolMaster:
    """resque-pool's manager: ``PoolMaster(load_config, spawn).run()``."""

    def __init__(
        self,
        load_config: Callable[[], dict[str, int]],
        spawn: Callable[[str], None],
        *,
        app_name: str = "",
        term_behavior: TermBehavior = "immediate",
        term_child: bool = False,
        handle_winch: bool = False,
        spawn_delay: float = 0.0,
        single_process_group: bool = False,
    ) -> None:
        self.load_config = load_config
        self.spawn = spawn
        self.app = f"[{app_name}]" if app_name else ""
        self.term_behavior = term_behavior
        self.term_child = term_child
        self.handle_winch = handle_winch
        self.spawn_delay = spawn_delay
        self.single_process_group = single_process_group
        self.config: dict[str, int] = {}
        self.workers: dict[str, list[int]] = {}  # queue list -> pids, in spawn order
        self._signals: deque[int] = deque()
        self._wake_r, self._wake_w = -1, -1

    # -- running ------------------------------------------------------------
    def run(self) -> int:
        """Start the workers and manage them until a stop signal; returns the exit code."""
        self._title("(starting)")
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_w, False)
        os.set_blocking(self._wake_r, False)
        for sig in QUEUED_SIGNALS:
            signal.signal(sig, self._queue_signal)
        signal.signal(signal.SIGCHLD, self._wake)
        try:
            self.config = self.load_config()
            self.maintain()
            self._title("(started)")
            self._log("started manager")
            pids = self.pids()
            self._log(f"Pool contains worker PIDs: {pids}" if pids else "Pool is empty")
            while True:
                self.reap()
                if self._handle_signal() == "stop":
                    break
                if not self._signals:
                    self._sleep(1.0)
                    self.maintain()
                self._title(f"managing {self.pids()}")
        finally:
            for sig in (*QUEUED_SIGNALS, signal.SIGCHLD):
                signal.signal(sig, signal.SIG_DFL)
            os.close(self._wake_r)
            os.close(self._wake_w)
        self._title("(shutting down)")
        self._log("manager finished")
        return 0

    def pids(self) -> list[int]:
        """Every worker's pid."""
        return [pid for pids in self.workers.values() for pid in pids]

    def maintain(self) -> None:
        """Spawn missing workers and QUIT excess ones, queue list by queue list."""
        for queues in [*self.config, *(q for q in self.workers if q not in self.config)]:
            delta = self.config.get(queues, 0) - len(self.workers.get(queues, []))
            for _ in range(max(delta, 0)):
                self._spawn(queues)
                if self.spawn_delay:
                    time.sleep(self.spawn_delay)
            for pid in self.workers.get(queues, [])[:max(-delta, 0)]:
                self._kill(pid, signal.SIGQUIT)

    def reap(self, block: bool = False) -> None:
        """Collect exited workers (all of them, waiting, when ``block``)."""
        while True:
            try:
                pid, status = os.waitpid(-1, 0 if block else os.WNOHANG)
            except ChildProcessError:
                return
            except InterruptedError:
                continue
            if pid == 0:
                return
            code = os.waitstatus_to_exitcode(status)
            queues = next((q for q, pids in self.workers.items() if pid in pids), None)
            if queues is not None:
                self.workers[queues].remove(pid)
                self._log(f"Reaped resque worker[{pid}] (status: {code}) queues: {queues}")
            else:
                self._log(f"Tried to reap worker [{pid}], but it had already died. (status: {code})")

    # -- signals ------------------------------------------------------------
    def _queue_signal(self, signum: int, _frame: object) -> None:
        if len(self._signals) < SIGNAL_QUEUE_MAX:
            self._signals.append(signum)
        self._wake(signum, None)

    def _wake(self, _signum: int, _frame: object) -> None:
        try:
            os.write(self._wake_w, b".")
        except OSError as exc:  # a full pipe wakes the master anyway
            if exc.errno not in (errno.EAGAIN, errno.EBADF):
                raise

    def _handle_signal(self) -> str | None:
        if not self._signals:
            return None
        signum = self._signals.popleft()
        name = signal.Signals(signum).name.removeprefix("SIG")
        graceful = signal.SIGTERM if self.term_child else signal.SIGQUIT
        immediate = signal.SIGQUIT if self.term_child else signal.SIGTERM
        if signum in (signal.SIGUSR1, signal.SIGUSR2, signal.SIGCONT):
            self._log(f"{name}: sending to all workers")
            self._signal_all(signum)
        elif signum == signal.SIGHUP:
            self._log("HUP: reset configuration")
            self.config = self._reload()
            self._log("HUP: gracefully shutdown old children")
            self._signal_all(graceful)
            self.maintain()
        elif signum == signal.SIGWINCH:
            if self.handle_winch:
                self._log("WINCH: gracefully stopping all workers")
                self.config = {}
                self.maintain()
            else:
                self._log("WINCH: ignored (resque-pool handles it only when daemonized: --daemon)")
        elif signum == signal.SIGQUIT or (signum == signal.SIGTERM and self.term_behavior == "graceful_wait"):
            if self.term_child and signum == signal.SIGQUIT:
                return self._stop(name, immediate, "immediate shutdown (and immediate worker shutdown)")
            self._log(f"{name}: graceful shutdown, waiting for children")
            self._signal_all(graceful)
            self.reap(block=True)
            return "stop"
        elif signum == signal.SIGINT or (signum == signal.SIGTERM and self.term_behavior == "graceful"):
            return self._stop(name, graceful, "immediate shutdown (graceful worker shutdown)")
        elif signum == signal.SIGTERM:
            return self._stop(name, immediate, "immediate shutdown (and immediate worker shutdown)")
        return None

    def _reload(self) -> dict[str, int]:
        """The configuration read afresh; a broken file keeps the one in force (and says so)."""
        try:
            return self.load_config()
        except PoolConfigError as exc:
            log.error("%s; keeping the configuration in force", exc)
            return self.config

    def _stop(self, name: str, sent: int, what: str) -> str:
        self._log(f"{name}: {what}")
        self._signal_all(sent)
        return "stop"

    def _signal_all(self, signum: int) -> None:
        self._log(f"Sending {signal.Signals(signum).name.removeprefix('SIG')} to all workers")
        for pid in self.pids():
            self._kill(pid, signum)

    # -- helpers ------------------------------------------------------------
    def _spawn(self, queues: str) -> None:
        pid = os.fork()
        if pid == 0:  # the worker
            code = 1
            try:
                for sig in (*QUEUED_SIGNALS, signal.SIGCHLD):
                    signal.signal(sig, signal.SIG_DFL)
                os.close(self._wake_r)
                os.close(self._wake_w)
                if not self.single_process_group:
                    os.setpgrp()
                self.spawn(queues)
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException:  # noqa: BLE001 - reported, then the worker ends
                log.exception("worker for %s crashed", queues)
            finally:
                os._exit(code)
        self.workers.setdefault(queues, []).append(pid)
        self._log(f"Starting worker {pid} for {queues}")

    def _kill(self, pid: int, signum: int) -> None:
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    def _sleep(self, seconds: float) -> None:
        try:
            ready, _, _ = select.select([self._wake_r], [], [], seconds)
        except InterruptedError:
            return
        if ready:
            try:
                while os.read(self._wake_r, 16384):
                    pass
            except BlockingIOError:
                pass

    def _title(self, state: str) -> None:
        set_title(f"resque-interop-pool-master{self.app}: {state}")

    def _log(self, message: str) -> None:
        log.info("resque-pool-manager%s[%d]: %s", self.app, os.getpid(), message)
