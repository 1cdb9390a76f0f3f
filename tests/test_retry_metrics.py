"""A worker's metrics count what each Retry decided (``resque_job_retries_total``)."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis

from resque_interop import Resque

from .support.metrics_scrape import free_port, scrape
from .support.waiting import wait_for
from .support.workers import WorkerProcess


@pytest.mark.parametrize("fork", ["--fork", "--no-fork"])
def test_retries_and_give_ups_are_counted(r: Resque, fork: str, redis_url: str, raw_redis: redis.Redis, tmp_path: Path) -> None:
    r.enqueue_ruby("FailTwice", 1, queue="retry_q")
    r.enqueue_ruby("FailTwice", 2, queue="retry_q")
    port = free_port()
    with WorkerProcess(redis_url, "retry_q", "-i", "0.05", fork, "-A", "tests.retry_jobs", "--metrics-port",
                       str(port), log_path=str(tmp_path / "w.log")) as worker:
        worker.worker_id()

        def counted() -> dict[str, float] | None:
            samples = scrape(port)
            got = {dict(labels)["decision"]: value for (name, labels), value in samples.items()
                   if name == "resque_job_retries_total" and dict(labels)["class"] == "FailTwice"}
            return got if got.get("gave_up") == 2.0 else None

        assert wait_for(counted, what="the decisions counted") == {"retried": 2.0, "gave_up": 2.0}
        assert raw_redis.llen("resque:failed") == 2
        assert worker.stop() == 0
