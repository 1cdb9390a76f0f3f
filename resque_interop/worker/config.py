"""How a worker runs: what its constructor was given, else Resque's environment
variables, read once into :class:`WorkerConfig` (at construction) and
:class:`Intervals` (when it starts working).

QUEUES / QUEUE, FORK_PER_JOB, TERM_CHILD, RESQUE_TERM_TIMEOUT,
RESQUE_PRE_SHUTDOWN_TIMEOUT, GRACEFUL_TERM, RUN_AT_EXIT_HOOKS and
RESQUE_PROCLINE_PREFIX as Ruby's ``Resque::Worker`` reads them; INTERVAL,
MIN_INTERVAL, MAX_INTERVAL and BACKOFF_INTERVAL as its ``rake resque:work`` does.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .queues import QueueList


def env_flag(environ: Mapping[str, str], name: str) -> bool:
    """Set and not ``0``, ``false`` or ``no`` (any case)."""
    value = environ.get(name) or ""
    return bool(value) and value.lower() not in ("0", "false", "no")


def env_float(environ: Mapping[str, str], name: str, default: float) -> float:
    """The variable as a number; ``default`` when unset or empty."""
    value = environ.get(name)
    return float(value) if value not in (None, "") else default


@dataclass(frozen=True)
class WorkerConfig:
    """A worker's settings, each the constructor's argument when given, else its variable."""

    queue_list: QueueList
    #: a forked child per job (Resque's default), else jobs run in the worker's process
    fork_per_job: bool
    #: TERM (then KILL) a job's child at shutdown, giving it time to clean up
    term_child: bool
    #: seconds between the child's TERM and KILL
    term_timeout: float
    #: seconds the child may finish on its own before its TERM
    pre_shutdown_timeout: float
    #: TERM finishes the job in hand, as QUIT does
    graceful_term: bool
    #: a forked child runs ``atexit`` callbacks when it exits
    run_at_exit_hooks: bool
    #: written before the worker's process title
    procline_prefix: str
    #: seconds a job may run unless registered with its own timeout (see worker/timeouts.py)
    job_timeout: float | None

    @classmethod
    def read(
        cls,
        queues: Sequence[str] | str | None = None,
        *,
        fork_per_job: bool | None = None,
        term_child: bool | None = None,
        term_timeout: float | None = None,
        pre_shutdown_timeout: float | None = None,
        graceful_term: bool | None = None,
        run_at_exit_hooks: bool | None = None,
        job_timeout: float | None = None,
        environ: Mapping[str, str] = os.environ,
    ) -> WorkerConfig:
        """The settings given, the others from ``environ``."""
        if queues is None or queues == [] or queues == "":
            queues = environ.get("QUEUES") or environ.get("QUEUE") or ""
        if fork_per_job is None:
            fork_per_job = environ.get("FORK_PER_JOB") != "false" and hasattr(os, "fork")
        return cls(
            queue_list=QueueList.parse(queues) if isinstance(queues, str) else QueueList(queues),
            fork_per_job=fork_per_job,
            term_child=env_flag(environ, "TERM_CHILD") if term_child is None else term_child,
            term_timeout=env_float(environ, "RESQUE_TERM_TIMEOUT", 4.0) if term_timeout is None else term_timeout,
            pre_shutdown_timeout=(
                env_float(environ, "RESQUE_PRE_SHUTDOWN_TIMEOUT", 0.0)
                if pre_shutdown_timeout is None else pre_shutdown_timeout
            ),
            graceful_term=env_flag(environ, "GRACEFUL_TERM") if graceful_term is None else graceful_term,
            run_at_exit_hooks=(
                env_flag(environ, "RUN_AT_EXIT_HOOKS") if run_at_exit_hooks is None else run_at_exit_hooks
            ),
            procline_prefix=environ.get("RESQUE_PROCLINE_PREFIX", ""),
            job_timeout=job_timeout,
        )


@dataclass(frozen=True)
class Intervals:
    """How long an idle worker waits: ``first``, then ``backoff`` more per empty
    reserve up to ``longest``; back to ``shortest`` after a job. ``interval`` 0:
    drain the queues and return."""

    interval: float
    shortest: float
    longest: float
    backoff: float

    @property
    def first(self) -> float:
        """The first wait: ``interval`` within [shortest, longest]."""
        return max(min(self.interval, self.longest), self.shortest)

    @classmethod
    def read(
        cls,
        interval: float | None = None,
        min_interval: float | None = None,
        max_interval: float | None = None,
        backoff_interval: float | None = None,
        environ: Mapping[str, str] = os.environ,
    ) -> Intervals:
        """The intervals given, the others from ``environ`` (MIN and MAX default to INTERVAL)."""
        every = float(env_float(environ, "INTERVAL", 5.0) if interval is None else interval)
        longest = float(max_interval if max_interval is not None else env_float(environ, "MAX_INTERVAL", every))
        shortest = min(float(min_interval if min_interval is not None else env_float(environ, "MIN_INTERVAL", every)),
                       longest)
        backoff = min(float(backoff_interval if backoff_interval is not None
                            else env_float(environ, "BACKOFF_INTERVAL", 0.1)), longest)
        return cls(every, shortest, longest, backoff)


class SettingsView:
    """A worker's settings as its attributes (``worker.term_timeout``), read-only: they are
    given to the constructor or read from the environment once, into ``config``."""

    config: WorkerConfig

    @property
    def fork_per_job(self) -> bool:
        return self.config.fork_per_job

    @property
    def term_child(self) -> bool:
        return self.config.term_child

    @property
    def term_timeout(self) -> float:
        return self.config.term_timeout

    @property
    def pre_shutdown_timeout(self) -> float:
        return self.config.pre_shutdown_timeout

    @property
    def graceful_term(self) -> bool:
        return self.config.graceful_term

    @property
    def run_at_exit_hooks(self) -> bool:
        return self.config.run_at_exit_hooks

    @property
    def job_timeout(self) -> float | None:
        return self.config.job_timeout

    @property
    def procline_prefix(self) -> str:
        return self.config.procline_prefix
