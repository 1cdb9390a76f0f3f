"""A worker's own metrics, opt-in (``resque-interop work --metrics-port 9101``):
per job class, a duration histogram and a count of outcomes, served by the
worker (the parent) with ``prometheus_client``.

Design, the simplest that stays correct with fork per job: everything is
counted in the parent, which already times each job (fork to reap) and already
learns of a dirty exit. The one thing only the child knows, whether the job
performed or failed, it leaves in one byte of anonymous shared memory that the
parent mapped before forking (written from the ``after_perform`` and
``on_failure`` hooks, in whichever process runs the job). The child never
touches a Prometheus object, so no lock held by the parent's HTTP thread at
fork time can hang it, and nothing accumulates per child.

Metrics:

* ``resque_job_duration_seconds{class}``: histogram of the time each job took,
  as the worker saw it (with fork per job, the fork included);
* ``resque_jobs_total{class,outcome}``: ``performed``, ``failed``,
  ``dirty_exit`` (the child died or left without finishing), ``skipped`` (a
  ``before_perform`` hook raised DontPerform);
* ``resque_job_retries_total{class,decision}``: what a job's Retry decided on a
  failure, ``retried`` or ``gave_up`` (jobs without a Retry never appear).

``class`` is the job's class as people mean it (an ActiveJob's ``job_class``);
after ``max_classes`` distinct names the rest count under ``other``, so a
queue full of odd payloads cannot blow up the metric's cardinality.
"""

from __future__ import annotations

import mmap
import time
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server

from ..client.hooks import Hooks
from ..errors import DirtyExit

if TYPE_CHECKING:
    from ..client.job import Job
    from .worker import Worker

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0,
           float("inf"))
_UNSET, _PERFORMED, _FAILED, _DIRTY = 0, 1, 2, 3
_OUTCOMES = {_UNSET: "skipped", _PERFORMED: "performed", _FAILED: "failed", _DIRTY: "dirty_exit"}
_DECISIONS = {1: "retried", 2: "gave_up"}


class JobMetrics(Hooks):
    """The metrics, the hooks that learn each job's outcome, and the parent's bookkeeping."""

    def __init__(self, registry: CollectorRegistry | None = None, max_classes: int = 200) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self.duration = Histogram("resque_job_duration_seconds", "Time a job took, by class.", ["class"],
                                  registry=self.registry, buckets=BUCKETS)
        self.outcomes = Counter("resque_jobs", "Jobs by class and outcome.", ["class", "outcome"],
                                registry=self.registry)
        self.retries = Counter("resque_job_retries", "Retry decisions on failures, by class.", ["class", "decision"],
                               registry=self.registry)
        self.max_classes = max_classes
        self._classes: set[str] = set()
        # MAP_SHARED and anonymous: a forked child writes, the parent reads the same bytes
        # (the outcome; the Retry's decision)
        self._outcome = mmap.mmap(-1, 2)

    # -- hooks: run where the job runs (the forked child, or the worker itself) ----
    def after_perform(self, job: Job) -> None:
        self._outcome[0] = _PERFORMED

    def on_failure(self, job: Job, exc: BaseException) -> None:
        # a DirtyExit is recorded by the parent, after the child's own report if any
        self._outcome[0] = _DIRTY if isinstance(exc, DirtyExit) else _FAILED

    def retry_decided(self, job: Job, exc: BaseException, decision: str) -> None:
        self._outcome[1] = next((k for k, v in _DECISIONS.items() if v == decision), 0)

    # -- the parent ------------------------------------------------------------
    def started(self) -> float:
        """Before a job runs: clear the outcome, start the clock."""
        self._outcome[0] = _UNSET
        self._outcome[1] = 0
        return time.perf_counter()

    def finished(self, job: Job, started: float) -> None:
        """After a job ran (the child reaped): record its duration and outcome."""
        name = self.label(job.display_name)
        self.duration.labels(name).observe(time.perf_counter() - started)
        self.outcomes.labels(name, _OUTCOMES.get(self._outcome[0], "skipped")).inc()
        decision = _DECISIONS.get(self._outcome[1])
        if decision is not None:
            self.retries.labels(name, decision).inc()

    def label(self, name: str) -> str:
        if name not in self._classes:
            if len(self._classes) >= self.max_classes:
                name = "other"
                if name in self._classes:
                    return name
            self._classes.add(name)
            self.start_series(name)
        return name

    def start_series(self, name: str) -> None:
        """Every outcome of class ``name`` at 0, so that an alert on ``increase()`` sees
        the first event (a series born at 1 looks like no increase to Prometheus)."""
        for outcome in _OUTCOMES.values():
            self.outcomes.labels(name, outcome)

    def know(self, names: list[str]) -> None:
        """Start the series of the classes a worker can run (its registered ones)."""
        for name in names[: self.max_classes]:
            self.label(name)


class MeasuredExecutor:
    """Wraps a worker's executor: times each job and records it once it is done."""

    def __init__(self, inner: Any, metrics: JobMetrics) -> None:
        self.inner = inner
        self.metrics = metrics

    def run(self, job: Job) -> None:
        started = self.metrics.started()
        try:
            self.inner.run(job)
        finally:
            self.metrics.finished(job, started)

    def kill_child(self) -> None:
        self.inner.kill_child()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def instrument(worker: Worker, metrics: JobMetrics | None = None) -> JobMetrics:
    """Count ``worker``'s jobs in ``metrics`` (a new set when not given)."""
    metrics = metrics or JobMetrics()
    metrics.know(worker.client.registry.names())
    # first among the global hooks: a later hook that raises must not hide the outcome
    worker.client.hooks.insert(0, metrics)
    worker.executor = MeasuredExecutor(worker.executor, metrics)  # type: ignore[assignment]  # same interface
    return metrics


def serve_worker_metrics(worker: Worker, port: int, host: str = "127.0.0.1") -> JobMetrics:
    """Instrument ``worker`` and serve its metrics on ``host:port`` (``/metrics``) from a thread."""
    metrics = instrument(worker)
    start_http_server(port, addr=host, registry=metrics.registry)
    return metrics
