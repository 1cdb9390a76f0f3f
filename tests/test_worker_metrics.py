"""``resque-interop work --metrics-port``: a real worker, fork per job and not, runs
jobs that perform, fail, die and are skipped; its /metrics, parsed with
prometheus_client's parser, count each by class with a duration histogram."""

from __future__ import annotations

from typing import Any

import pytest
import redis

from resque_interop import Registry, Resque

from .support.metrics_scrape import free_port, scrape
from .support.waiting import wait_for
from .support.workers import WorkerProcess


def jobs(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float]) -> dict[tuple[str, str], float]:
    """The job counts that moved (every registered class starts at 0 for every outcome)."""
    return {(dict(labels)["class"], dict(labels)["outcome"]): value
            for (name, labels), value in samples.items() if name == "resque_jobs_total" and value}


@pytest.mark.parametrize("fork", ["--fork", "--no-fork"])
def test_outcomes_and_durations_by_class(r: Resque, fork: str, redis_url: str, raw_redis: redis.Redis) -> None:
    for i in range(3):
        r.enqueue_ruby("Noop", i, queue="low")
    r.enqueue_ruby("Failing", 1, queue="low")
    r.enqueue_ruby("Failing", 2, queue="low")
    r.enqueue_ruby("Sleep", 0.3, queue="high")
    if fork == "--fork":
        r.enqueue_ruby("Exit", 3, queue="high")  # the child leaves without finishing
    port = free_port()
    with WorkerProcess(redis_url, "high,low", "-i", "0.05", fork, "--metrics-port", str(port)) as worker:
        worker.worker_id()
        expected: dict[tuple[str, str], float] = {
            ("Noop", "performed"): 3.0, ("Failing", "failed"): 2.0, ("Sleep", "performed"): 1.0,
        }
        if fork == "--fork":
            expected[("Exit", "dirty_exit")] = 1.0

        def done() -> Any:
            try:
                samples = scrape(port)
            except OSError:
                return None
            return samples if sum(jobs(samples).values()) >= sum(expected.values()) else None

        samples = wait_for(done, 30, "every job counted")
        worker.stop()
    assert jobs(samples) == expected
    for name in ("Noop", "Failing", "Sleep"):
        count = samples[("resque_job_duration_seconds_count", (("class", name),))]
        assert count == sum(v for (cls, _), v in expected.items() if cls == name)
        assert samples[("resque_job_duration_seconds_bucket", (("class", name), ("le", "+Inf")))] == count
    assert samples[("resque_job_duration_seconds_sum", (("class", "Sleep"),))] >= 0.3
    assert samples[("resque_job_duration_seconds_bucket", (("class", "Sleep"), ("le", "0.25")))] == 0.0
    assert r.failure.count() == (3 if fork == "--fork" else 2)


def test_skipped_jobs_and_the_class_cap(redis_url: str, raw_redis: redis.Redis) -> None:
    from resque_interop.client.hooks import Hooks
    from resque_interop.client.job import Job
    from resque_interop.errors import DontPerform
    from resque_interop.worker import Worker
    from resque_interop.worker.worker_metrics import instrument

    registry = Registry()
    registry.register("Noop", lambda *a: None, queue="low")

    class Veto(Hooks):
        def before_perform(self, job: Job) -> None:
            if job.args == ["veto"]:
                raise DontPerform()

    client = Resque(redis_url, registry=registry, hooks=[Veto()])
    for arg in ("veto", 1, 2):
        client.enqueue("Noop", arg)
    for i in range(5):
        client.enqueue_ruby(f"Unknown{i}", queue="low")
    worker = Worker(client, "low", fork_per_job=False)
    metrics = instrument(worker)
    metrics.max_classes = 3
    worker.work(0)
    counts = {(s.labels["class"], s.labels["outcome"]): s.value
              for s in metrics.outcomes.collect()[0].samples if s.name == "resque_jobs_total"}
    assert {k: v for k, v in counts.items() if v} == {
        ("Noop", "skipped"): 1.0, ("Noop", "performed"): 2.0, ("Unknown0", "failed"): 1.0,
        ("Unknown1", "failed"): 1.0, ("other", "failed"): 3.0}
    # every class seen (and "other") has a series for every outcome, started at 0
    assert {k for k, v in counts.items() if not v} >= {("Noop", "dirty_exit"), ("other", "dirty_exit")}
    assert len(counts) == 4 * 4
