"""``resque-interop scheduler`` and ``delayed``: resque-scheduler's delayed jobs."""

from __future__ import annotations

import click

from .cli_common import connection_options, echo_json, human_time, make_client, table


@click.command()
@click.option("-i", "--interval", envvar="RESQUE_SCHEDULER_INTERVAL", type=float, default=5.0, show_default=True,
              help="Seconds between rounds (RESQUE_SCHEDULER_INTERVAL).")
@click.option("--once", is_flag=True, help="One round, then exit.")
@click.option("-v", "--verbose", envvar=["VERBOSE", "LOGGING"], is_flag=True, default=False, help="Log each round.")
@connection_options
def scheduler(interval: float, once: bool, verbose: bool, redis_url: str | None, namespace: str) -> None:
    """Move due delayed jobs to their queues, as resque-scheduler (sharing its master lock;
    recurring schedules stay with Ruby's)."""
    from .process import configure_logging
    from .scheduler import Scheduler

    configure_logging(verbose, False)
    client = make_client(redis_url, namespace)
    moved = Scheduler(client, interval=interval).run(once=once)
    if once:
        click.echo(f"moved {moved} due jobs")


@click.command()
@click.option("-n", "--count", type=int, default=20, show_default=True, help="Timestamps to show.")
@click.option("--json", "as_json", is_flag=True, help="As JSON: [{time, timestamp, jobs}].")
@connection_options
def delayed(count: int, as_json: bool, redis_url: str | None, namespace: str) -> None:
    """Delayed jobs (resque-scheduler's schema): when they are due and how many jobs each time holds."""
    client = make_client(redis_url, namespace)
    stamps = client.delayed.peek(0, count)
    rows = [[human_time(ts), ts, n] for ts, n in zip(stamps, client.store.delayed.sizes(stamps))]
    if as_json:
        echo_json([{"time": when, "timestamp": ts, "jobs": n} for when, ts, n in rows])
        return
    table(f"delayed: {client.delayed.count_all()} jobs at {client.delayed.schedule_size()} timestamps",
           ["due", "epoch", "jobs"], rows)
