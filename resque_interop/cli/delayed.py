"""``resque-interop scheduler`` and ``delayed``: resque-scheduler's delayed jobs."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click

from ..schema.readable import counted
from .common import (
    connection_options,
    echo_json,
    fail,
    human_time,
    load_app,
    long_running,
    make_client,
    table,
)


def _truthy(value: str | None) -> bool:
    # resque-scheduler's to_bool for DYNAMIC_SCHEDULE
    return (value or "") in {"1", "t", "T", "true", "TRUE", "on", "ON"}


@click.command()
@click.option("-i", "--interval", envvar="RESQUE_SCHEDULER_INTERVAL", type=float, default=5.0, show_default=True,
              help="Seconds between rounds (RESQUE_SCHEDULER_INTERVAL).")
@click.option("-s", "--schedule", "schedule_file", envvar="RESQUE_SCHEDULE", default=None,
              help="resque-scheduler's YAML schedule file (RESQUE_SCHEDULE).")
@click.option("-D", "--dynamic", is_flag=True, default=None,
              help="Re-read the persistent schedules in Redis each round (DYNAMIC_SCHEDULE); "
                   "without it they are read at start.")
@click.option("-E", "--env", "env", envvar="RAILS_ENV", default=None,
              help="Environment name for rails_env/env entries (RAILS_ENV).")
@click.option("--lock-timeout", envvar="LOCK_TIMEOUT", type=int, default=180, show_default=True,
              help="Master lock TTL in seconds (LOCK_TIMEOUT).")
@click.option("-A", "--app", envvar="RESQUE_APP", default=None,
              help="Module that registers your jobs (their queues and enqueue hooks), as for work "
                   "(RESQUE_APP).")
@click.option("--once", is_flag=True, help="One round, then exit.")
@click.option("-v", "--verbose", envvar=["VERBOSE", "LOGGING"], is_flag=True, default=False,
              help="Log each round (VERBOSE / LOGGING).")
@click.option("--quiet", envvar="QUIET", is_flag=True, default=False,
              help="Errors only; without it the start, role changes and each firing are logged (QUIET).")
@connection_options
def scheduler(interval: float, schedule_file: str | None, dynamic: bool | None, env: str | None, lock_timeout: int,
              app: str | None, once: bool, verbose: bool, quiet: bool, redis_url: str | None, namespace: str) -> None:
    """Move due delayed jobs and fire recurring schedules, as resque-scheduler. Delayed
    jobs are moved while no other scheduler holds the master lock; the lock is taken only
    with schedules to fire (--schedule, or persistent ones in Redis at start), so Ruby's
    keep firing beside it. An entry whose job would have no queue is refused.

    \b
    Signals:
      TERM, INT, QUIT  finish the round, release the master lock, exit
      USR1             print the schedule in force
      USR2, HUP        reload the schedule (a file that no longer loads is refused; the old one stays)
    """
    import logging
    import os

    from ..runtime.process import configure_logging
    from ..scheduler.recurring import Recurring
    from ..scheduler.schedule_times import ScheduleSyntaxError
    from ..scheduler.scheduler import MasterLock, Scheduler
    from ..scheduler.schedules import load_schedule_file, queue_check

    long_running()
    configure_logging(verbose, False)
    if not quiet:  # resque-scheduler logs at info unless QUIET
        logging.getLogger("resque_interop.scheduler").setLevel(logging.DEBUG if verbose else logging.INFO)
    load_app(app)
    client = make_client(redis_url, namespace)
    dynamic = _truthy(os.environ.get("DYNAMIC_SCHEDULE")) if dynamic is None else dynamic
    try:
        client.schedules.load(load_schedule_file(schedule_file, queue_check(client, env)) if schedule_file else {})
    except (OSError, ScheduleSyntaxError) as exc:
        fail(f"schedule refused: {exc}")
    # persistent schedules are loaded at start either way, as resque-scheduler does
    recurring = Recurring(client, env=env, dynamic=bool(dynamic))
    source = f"file {schedule_file}" if schedule_file else "no schedule file"
    sched = Scheduler(client, interval=interval, lock=MasterLock(client, timeout=lock_timeout), recurring=recurring,
                      source=source, schedule_file=schedule_file)
    moved = sched.run(once=once)
    if once:
        click.echo(f"moved {counted(moved, 'due job')}; {sched.role()}; schedules: {sched.describe()}")


@click.group(invoke_without_command=True)
@click.option("-n", "--count", type=int, default=20, show_default=True, help="Timestamps to show.")
@click.option("--json", "as_json", is_flag=True, help="As JSON: [{time, timestamp, jobs}].")
@connection_options
@click.pass_context
def delayed(ctx: click.Context, count: int, as_json: bool, redis_url: str | None, namespace: str) -> None:
    """Delayed jobs (resque-scheduler's schema): when they are due and how many jobs each time
    holds; `find`, `remove` and `enqueue` act on a selection (resque-scheduler's
    *_delayed_selection)."""
    if ctx.invoked_subcommand is not None:
        return
    client = make_client(redis_url, namespace)
    stamps = client.delayed.peek(0, count)
    rows = [[human_time(ts), ts, n] for ts, n in zip(stamps, client.store.delayed.sizes(stamps))]
    if as_json:
        echo_json([{"time": when, "timestamp": ts, "jobs": n} for when, ts, n in rows])
        return
    table(f"delayed: {counted(client.delayed.count_all(), 'job')} at {counted(client.delayed.schedule_size(), 'timestamp')}",
          ["due", "epoch", "jobs"], rows)


def selection_options(func: Any) -> Any:
    """--class and --match: which delayed jobs a selection command acts on."""
    func = click.option("-m", "--match", "match", default=None, metavar="JSON",
                        help="Select jobs whose args contain this JSON: 44 selects [44, \"x\"], "
                             "'{\"account_id\": 7}' selects [{\"account_id\": 7, \"day\": 3}].")(func)
    return click.option("-c", "--class", "class_name", default=None, help="Only jobs of this class.")(func)


def _selection(class_name: str | None, match: str | None, required: bool) -> tuple[Callable[[Any], bool], str | None]:
    from ..scheduler.selection import parse_match

    if required and class_name is None and match is None:
        fail("give --class or --match (or both): which delayed jobs")
    try:
        return parse_match(match), class_name
    except ValueError as exc:
        fail(f"--match: {exc}")
        raise  # fail() raised already; for the type checker


@delayed.command("find")
@selection_options
@click.option("--json", "as_json", is_flag=True, help="As JSON: the selected items, decoded.")
@connection_options
def delayed_find(class_name: str | None, match: str | None, as_json: bool, redis_url: str | None,
                 namespace: str) -> None:
    """List the delayed jobs selected (Resque.find_delayed_selection)."""
    client = make_client(redis_url, namespace)
    found = client.delayed.find_delayed_selection(*_selection(class_name, match, required=False))
    if as_json:
        echo_json([json.loads(item) for item in found])
        return
    table(f"{counted(len(found), 'delayed job')} selected", ["job", "due at"],
          [[item, ", ".join(str(ts) for ts in _due_at(client, item))] for item in found])


@delayed.command("remove")
@selection_options
@connection_options
def delayed_remove(class_name: str | None, match: str | None, redis_url: str | None, namespace: str) -> None:
    """Remove the delayed jobs selected, every copy (Resque.remove_delayed_selection)."""
    client = make_client(redis_url, namespace)
    n = client.delayed.remove_delayed_selection(*_selection(class_name, match, required=True))
    click.echo(f"removed {counted(n, 'delayed job')}")


@delayed.command("enqueue")
@selection_options
@connection_options
def delayed_enqueue(class_name: str | None, match: str | None, redis_url: str | None, namespace: str) -> None:
    """Queue the delayed jobs selected now (Resque.enqueue_delayed_selection)."""
    client = make_client(redis_url, namespace)
    n = client.delayed.enqueue_delayed_selection(*_selection(class_name, match, required=True))
    click.echo(f"queued {counted(n, 'delayed job')} now")


def _due_at(client: Any, item: str) -> list[int]:
    names = client.store.delayed.item_timestamps(item.encode("utf-8"))
    return sorted(int(name.rpartition(":")[2]) for name in names if name.rpartition(":")[2].isdigit())
