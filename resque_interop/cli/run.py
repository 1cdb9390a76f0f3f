"""``resque-interop work`` and ``pool``: the commands that run workers (one, or resque-pool's
set from its YAML), with the worker options both take."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from ..errors import InvalidQueueListError
from ..schema.readable import counted
from .common import (
    F,
    banner,
    connection_options,
    fail,
    failure_backend_name,
    load_app,
    long_running,
    make_client,
)


def worker_options(func: F) -> F:
    """The options of every command that runs workers (work, workers -c, pool)."""
    opts = [
        click.option("-q", "--queues", envvar=["QUEUES", "QUEUE"], default=None,
                     help="Queues in priority order: 'high,low', '*', '*,!low' (QUEUES / QUEUE)."),
        click.option("-A", "--app", envvar="RESQUE_APP", default=None,
                     help="Module that registers your jobs, imported first: a dotted name found from the current "
                          "directory (as python -m), or a file path (RESQUE_APP)."),
        click.option("-i", "--interval", envvar="INTERVAL", type=float, default=5.0, show_default=True,
                     help="Longest idle wait in seconds; 0 drains the queues and exits (INTERVAL)."),
        click.option("--min-interval", envvar="MIN_INTERVAL", type=float, default=None,
                     help="Shortest idle wait in seconds when backing off (MIN_INTERVAL; default: --interval)."),
        click.option("--max-interval", envvar="MAX_INTERVAL", type=float, default=None,
                     help="Longest idle wait in seconds when backing off (MAX_INTERVAL; default: --interval)."),
        click.option("--backoff-interval", envvar="BACKOFF_INTERVAL", type=float, default=None,
                     help="Seconds added to the idle wait after each empty poll, up to --max-interval "
                          "(BACKOFF_INTERVAL; default: no back-off)."),
        click.option("--fork/--no-fork", "fork_per_job", default=None,
                     help="Fork a child per job (default; FORK_PER_JOB=false turns it off)."),
        click.option("--job-timeout", envvar="RESQUE_JOB_TIMEOUT", type=float, default=None,
                     help="Seconds a job may run unless registered with its own timeout; with fork the child "
                          "is killed past it (RESQUE_JOB_TIMEOUT)."),
        click.option("--pidfile", envvar="PIDFILE", default=None, help="Write the pid here (PIDFILE)."),
        click.option("--background", envvar="BACKGROUND", is_flag=True, default=False,
                     help="Detach from the terminal (BACKGROUND)."),
        click.option("-v", "--verbose", envvar=["VERBOSE", "LOGGING"], is_flag=True, default=False,
                     help="Log each job (VERBOSE / LOGGING)."),
        click.option("-vv", "--very-verbose", envvar="VVERBOSE", is_flag=True, default=False,
                     help="Log everything (VVERBOSE)."),
        click.option("--heartbeat-interval", type=float, default=60.0, show_default=True,
                     help="Seconds between heartbeats."),
        click.option("--prune-interval", type=float, default=None,
                     help="Heartbeat age after which a worker counts as dead (default 5x heartbeat)."),
        click.option("--failure-backend", envvar="FAILURE_BACKEND", default="redis", show_default=True,
                     callback=failure_backend_name, help="FAILURE_BACKEND: redis, redis_multi_queue, sentry, "
                     "or several joined by commas (redis,sentry)."),
        connection_options,
    ]
    for opt in reversed(opts):
        func = opt(func)
    return func


def run_worker(opts: dict[str, Any]) -> None:
    """Build one worker from the options and work until it is told to stop."""
    from ..runtime.process import configure_logging
    from ..worker.startup import worker_banner
    from ..worker.worker import Worker

    configure_logging(opts["verbose"], opts["very_verbose"])
    client = make_client(
        opts["redis_url"], opts["namespace"], failure_backend=opts["failure_backend"],
        heartbeat_interval=opts["heartbeat_interval"], prune_interval=opts["prune_interval"],
    )
    worker = Worker(client, opts["queues"] or "", fork_per_job=opts["fork_per_job"], job_timeout=opts.get("job_timeout"))
    if opts.get("metrics_port") is not None:
        from ..worker.worker_metrics import serve_worker_metrics

        try:
            serve_worker_metrics(worker, opts["metrics_port"], opts["metrics_host"])
        except OSError as exc:
            fail(f"cannot serve metrics on {opts['metrics_host']}:{opts['metrics_port']}: {exc.strerror or exc} "
                 "(another process has the port? each worker needs its own --metrics-port)")
    banner(worker_banner(worker, opts["app"]))
    worker.work(
        opts["interval"], min_interval=opts["min_interval"], max_interval=opts["max_interval"],
        backoff_interval=opts["backoff_interval"],
    )


def prepare_worker(opts: dict[str, Any]) -> None:
    """Load the app, check the queue list, detach and write the pidfile, as the options say."""
    from ..runtime.process import daemonize, write_pidfile
    from ..worker.queues import QueueList

    load_app(opts["app"])
    if opts["fork_per_job"] is None and os.environ.get("FORK_PER_JOB") == "false":
        opts["fork_per_job"] = False
    try:
        QueueList.parse(opts["queues"] or "")
    except InvalidQueueListError as exc:
        fail(f"{exc} (set -q/--queues, QUEUES or QUEUE)")
    if opts["background"]:
        daemonize()
    if opts["pidfile"]:
        write_pidfile(opts["pidfile"])


@click.command()
@worker_options
@click.option("--metrics-port", envvar="RESQUE_METRICS_PORT", type=int, default=None,
              help="Serve this worker's job metrics for Prometheus on this port (RESQUE_METRICS_PORT).")
@click.option("--metrics-host", envvar="RESQUE_METRICS_HOST", default="127.0.0.1", show_default=True,
              help="Address the metrics listen on; 0.0.0.0 for a remote Prometheus (RESQUE_METRICS_HOST).")
def work(**opts: Any) -> None:
    """Start one worker (as `rake resque:work`).

    \b
    Signals, as Ruby Resque's worker:
      QUIT       finish the job in hand, unregister, exit
      TERM, INT  kill the job's child (TERM_CHILD: TERM first), unregister, exit
      USR1       kill the job's child, carry on
      USR2       pause: take no new jobs
      CONT       resume taking jobs
    """
    long_running()
    prepare_worker(opts)
    run_worker(opts)


@click.command()
@click.option("-c", "--config", "config_path", envvar="RESQUE_POOL_CONFIG", default=None,
              help="resque-pool's YAML: queue lists to worker counts (RESQUE_POOL_CONFIG; default "
                   "resque-pool.yml, else config/resque-pool.yml).")
@click.option("-a", "--appname", default=None, help="Name shown in the master's title and log lines "
              "(default: the current directory's name).")
@click.option("-E", "--environment", default=None,
              help="Set RACK_ENV, RAILS_ENV and RESQUE_ENV: the config section merged over the root.")
@click.option("--term-graceful-wait", "term_behavior", flag_value="graceful_wait",
              help="On TERM, stop workers gracefully and wait for them (the default with TERM_CHILD).")
@click.option("--term-graceful", "term_behavior", flag_value="graceful",
              help="On TERM, stop workers gracefully and exit without waiting.")
@click.option("--term-immediate", "term_behavior", flag_value="immediate",
              help="On TERM, stop workers at once (TERM; the default).")
@click.option("--spawn-delay", type=int, default=0, metavar="MS", help="Milliseconds between spawning workers.")
@click.option("--single-process-group", is_flag=True, default=False,
              help="Workers stay in the master's process group (a Ctrl-C reaches them too).")
@worker_options
def pool(config_path: str | None, appname: str | None, environment: str | None, term_behavior: str | None,
         spawn_delay: int, single_process_group: bool, **opts: Any) -> None:
    """Run workers as resque-pool does, from its config/resque-pool.yml (the queues come
    from the file: -q and QUEUE/QUEUES are not used).

    One worker process per count of each queue list ("high,low": 2), kept at that
    count. Signals to the master: QUIT (graceful, waits), INT (graceful), TERM
    (immediate; see --term-*), HUP (reload the file, restart workers), USR1, USR2
    and CONT (sent on to the workers), WINCH (stop all workers; only with --background).
    """
    import logging
    from pathlib import Path

    from ..runtime.pool import PoolMaster
    from ..runtime.pool_config import PoolConfigError, load_pool_config

    long_running()
    source = click.get_current_context().get_parameter_source("queues")
    if source is click.core.ParameterSource.COMMANDLINE:
        fail("pool takes its queues from the config file (queue list: count); drop -q/--queues")
    if environment:
        os.environ["RACK_ENV"] = os.environ["RAILS_ENV"] = os.environ["RESQUE_ENV"] = environment
    try:
        found, counts = load_pool_config(config_path)
    except PoolConfigError as exc:
        fail(str(exc))
    opts["queues"] = next(iter(counts), "*")  # checked by prepare_worker; each worker gets its own
    prepare_worker(opts)
    from ..runtime.process import configure_logging

    configure_logging(opts["verbose"], opts["very_verbose"])
    logging.getLogger("resque_interop.pool").setLevel(logging.INFO)
    term_child = bool(os.environ.get("TERM_CHILD"))

    def load() -> dict[str, int]:
        return load_pool_config(config_path)[1]

    def run_one(queues: str) -> None:
        run_worker({**opts, "queues": queues})

    master = PoolMaster(
        load, run_one, app_name=appname or Path.cwd().name,
        term_behavior=term_behavior or ("graceful_wait" if term_child else "immediate"),  # type: ignore[arg-type]
        term_child=term_child, handle_winch=opts["background"], spawn_delay=spawn_delay / 1000,
        single_process_group=single_process_group)
    banner(f"resque-interop pool: {counted(sum(counts.values()), 'worker')} from "
           f"{found or 'no config file (an empty pool)'}")
    sys.exit(master.run())
