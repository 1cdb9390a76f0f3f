"""``resque-interop schedule``: resque-scheduler's recurring schedules from a shell
(``client.schedules``; the commands only parse and print)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import click

from .common import (
    confirm,
    connection_options,
    echo_json,
    fail,
    load_app,
    make_client,
    table,
    yes_option,
)

if TYPE_CHECKING:
    from ..client.resque import Resque
    from ..scheduler.forecast import Forecast


def _when(epoch: float | None) -> str:
    return "-" if epoch is None else datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


@click.group()
def schedule() -> None:
    """Recurring schedules (resque-scheduler's persistent_schedules, and a YAML file's)."""


_ENV_OPTION = click.option("-E", "--env", "env", envvar="RAILS_ENV", default=None,
                           help="Environment name for rails_env/env entries, as the scheduler's -E (RAILS_ENV): "
                                "entries for another env are shown as skipped.")


def _next_run(item: Forecast) -> str:
    from ..scheduler.forecast import IF_STARTED_NOW, MASTER_AT_THE_LATEST

    if item.next_run is None:
        return "-"
    if item.basis == IF_STARTED_NOW:
        return f"when a scheduler starts ({_when(item.next_run)} if it started now)"
    if item.basis == MASTER_AT_THE_LATEST:
        return f"by {_when(item.next_run)} (at the latest: not enqueued since the master loaded it)"
    return _when(item.next_run)


@schedule.command("list")
@click.option("-s", "--schedule", "schedule_file", envvar="RESQUE_SCHEDULE", default=None,
              help="Also show this YAML file's schedules (RESQUE_SCHEDULE).")
@_ENV_OPTION
@click.option("--json", "as_json", is_flag=True,
              help="As JSON: {master, env, schedules: [{name, interval, class, queue, args, state, "
                   "last_enqueued_at, next_run (epoch), next_run_at, next_run_basis}]}.")
@connection_options
def list_(schedule_file: str | None, env: str | None, as_json: bool, redis_url: str | None, namespace: str) -> None:
    """Each schedule: interval, class, queue, args, state (skipped for this env?), last enqueued
    and the next run the running master will use (marked when no master holds the lock)."""
    from ..scheduler.forecast import overview

    found = overview(_client(redis_url, namespace, schedule_file, None), env)
    if as_json:
        echo_json({"master": found.master, "env": found.env,
                   "schedules": [{**item.as_dict(), "next_run_at": _when(item.next_run) if item.next_run else None}
                                 for item in found.schedules]})
        return
    click.echo(f"master: {found.master}" if found.master else
               "master: none (no scheduler holds the lock; next runs are those of a scheduler started now)")
    click.echo(f"env: {found.env or 'none (entries with rails_env/env are skipped; -E or RAILS_ENV)'}")
    rows = [[item.name, item.interval or "-", item.config.get("class", item.name), item.config.get("queue") or "-",
             json.dumps(item.config.get("args")), item.state, item.last_enqueued_at or "Never", _next_run(item)]
            for item in found.schedules]
    table("schedules", ["name", "interval", "class", "queue", "args", "state", "last enqueued", "next run"], rows)


@schedule.command()
@click.argument("name")
@click.option("-s", "--schedule", "schedule_file", envvar="RESQUE_SCHEDULE", default=None,
              help="Also look in this YAML file's schedules (RESQUE_SCHEDULE).")
@_ENV_OPTION
@connection_options
def show(name: str, schedule_file: str | None, env: str | None, redis_url: str | None, namespace: str) -> None:
    """One schedule's config (JSON), state, last enqueued time and next run, as list shows them."""
    from ..scheduler.forecast import overview

    found = overview(_client(redis_url, namespace, schedule_file, None), env)
    item = next((item for item in found.schedules if item.name == name), None)
    if item is None:
        fail(f"no schedule named {name!r}")
        return
    click.echo(json.dumps({"name": name, "config": item.config, "state": item.state, "master": found.master,
                           "last_enqueued_at": item.last_enqueued_at, "next_run": _next_run(item),
                           "next_run_basis": item.basis}, indent=2))


@schedule.command()
@click.argument("name")
@click.option("-s", "--schedule", "schedule_file", envvar="RESQUE_SCHEDULE", default=None,
              help="Also look in this YAML file's schedules (RESQUE_SCHEDULE).")
@click.option("-A", "--app", envvar="RESQUE_APP", default=None, help="Module that registers your jobs.")
@connection_options
def run(name: str, schedule_file: str | None, app: str | None, redis_url: str | None, namespace: str) -> None:
    """Queue NAME's job now (resque-web's "Queue now")."""
    client = _client(redis_url, namespace, schedule_file, app)
    try:
        client.schedules.enqueue_now(name)
    except KeyError:
        fail(f"no schedule named {name!r}")
    except Exception as exc:  # noqa: BLE001 - shown, not raised: a CLI error
        fail(f"could not queue {name}: {exc}")
    click.echo(f"queued {name}")


@schedule.command("set")
@click.argument("name")
@click.argument("config")
@connection_options
def set_(name: str, config: str, redis_url: str | None, namespace: str) -> None:
    """Store NAME with CONFIG (a JSON object) in persistent_schedules, as
    Resque.set_schedule(name, config.merge('persist' => true))."""
    from ..scheduler.schedule_times import ScheduleSyntaxError

    try:
        parsed = json.loads(config)
    except ValueError as exc:
        fail(f"CONFIG is not JSON: {exc}")
    client = make_client(redis_url, namespace)
    try:
        client.schedules.set(name, parsed, persist=True)
    except ScheduleSyntaxError as exc:
        fail(str(exc))
    click.echo(f"set {name}")


@schedule.command()
@click.argument("name")
@yes_option
@connection_options
def remove(name: str, yes: bool, redis_url: str | None, namespace: str) -> None:
    """Remove NAME from persistent_schedules (Resque.remove_schedule; asks first on a terminal)."""
    confirm(f"Remove the persistent schedule {name}", yes)
    removed = make_client(redis_url, namespace).schedules.remove(name)
    click.echo(f"removed {name}" if removed else f"no persistent schedule named {name!r}; schedulers notified")


def _client(redis_url: str | None, namespace: str, schedule_file: str | None, app: str | None) -> Resque:
    from ..scheduler.schedule_times import ScheduleSyntaxError
    from ..scheduler.schedules import load_schedule_file

    load_app(app)
    client = make_client(redis_url, namespace)
    if schedule_file:
        try:
            client.schedules.load(load_schedule_file(schedule_file))
        except (OSError, ScheduleSyntaxError) as exc:
            fail(f"schedule refused: {exc}")
    return client
