"""A worker's settings: the constructor's arguments, else Resque's environment variables, read once
(worker/config.py) and readable as the worker's attributes, as before the split."""

from __future__ import annotations

import pytest

from resque_interop import Resque
from resque_interop.worker import Worker
from resque_interop.worker.config import Intervals, WorkerConfig


def test_the_environment_fills_what_the_constructor_leaves_out() -> None:
    environ = {
        "QUEUES": "high,low", "FORK_PER_JOB": "false", "TERM_CHILD": "1", "RESQUE_TERM_TIMEOUT": "7.5",
        "RESQUE_PRE_SHUTDOWN_TIMEOUT": "2", "GRACEFUL_TERM": "yes", "RUN_AT_EXIT_HOOKS": "true",
        "RESQUE_PROCLINE_PREFIX": "app: ",
    }
    config = WorkerConfig.read(environ=environ)
    assert config.queue_list.patterns == ["high", "low"]
    assert (config.fork_per_job, config.term_child, config.graceful_term, config.run_at_exit_hooks) == (
        False, True, True, True)
    assert (config.term_timeout, config.pre_shutdown_timeout, config.procline_prefix) == (7.5, 2.0, "app: ")
    given = WorkerConfig.read("mail", term_child=False, term_timeout=1.0, environ=environ)
    assert given.queue_list.patterns == ["mail"]
    assert (given.term_child, given.term_timeout) == (False, 1.0)


@pytest.mark.parametrize("value", ["0", "false", "NO", ""])
def test_a_flag_set_to_a_no_is_off(value: str) -> None:
    assert WorkerConfig.read("q", environ={"TERM_CHILD": value}).term_child is False


def test_intervals_read_as_rake_resque_work_does() -> None:
    env = Intervals.read(environ={"INTERVAL": "0.5", "MIN_INTERVAL": "0.1", "MAX_INTERVAL": "3",
                                  "BACKOFF_INTERVAL": "0.2"})
    assert (env.interval, env.shortest, env.longest, env.backoff, env.first) == (0.5, 0.1, 3.0, 0.2, 0.5)
    default = Intervals.read(environ={})
    assert (default.interval, default.shortest, default.longest, default.backoff) == (5.0, 5.0, 5.0, 0.1)
    assert Intervals.read(interval=2, environ={"INTERVAL": "9"}).interval == 2.0


def test_a_workers_settings_are_its_read_only_attributes(r: Resque) -> None:
    worker = Worker(r, "a,b", fork_per_job=False, term_timeout=2.0, job_timeout=30.0)
    assert (worker.fork_per_job, worker.term_timeout, worker.job_timeout) == (False, 2.0, 30.0)
    assert worker.id.endswith(":a,b")
    with pytest.raises(AttributeError):
        worker.term_timeout = 3.0  # type: ignore[misc]
    worker.prune_on_timer = False
    assert worker.registration.prune_on_timer is False
