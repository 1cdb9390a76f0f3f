"""``resque-interop schedule``: resque-scheduler's recurring schedules from a shell
(``client.schedules``; the commands only parse and print)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import click

from .common import confirm, connection_options, fail, load_app, make_client, table, yes_option

if TYPE_CHECKING:
    from ..client import Resque


def _when(epoch: float | None) -> str:
    return "-" if epoch is None else datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _interval(config: dict) -> str:
    for kind in ("cron", "every"):
        if config.get(kind):
            return f"{kind} {json.dumps(config[kind]) if not isinstance(config[kind], str) else config[kind]}"
    return "-"


@click.group()
def schedule() -> None:
    """Recurring schedules (resque-scheduler's persistent_schedules, and a YAML file's)."""


@schedule.command("list")
@click.option("-s", "--schedule", "schedule_file", envvar="RESQUE_SCHEDULE", default=None,
              help="Also show this YAML file's schedules (RESQUE_SCHEDULE).")
@connection_options
def list_(schedule_file: str | None, redis_url: str | None, namespace: str) -> None:
    """Each schedule: interval, class, queue, args, last enqueued, next run."""
    client = _client(redis_url, namespace, schedule_file, None)
    rows = []
    for row in client.schedules.listing()[0]:  # one read of each hash, whatever the count
        if row.error and not row.config:
            continue  # a stored config that is not JSON: `schedule list` has always shown usable ones only
        config = row.config
        rows.append([row.name, _interval(config), config.get("class", row.name), config.get("queue") or "-",
                     json.dumps(config.get("args")), row.last_enqueued_at or "Never", _when(row.next_run)])
    table("schedules", ["name", "interval", "class", "queue", "args", "last enqueued", "next run"], rows)


@schedule.command()
@click.argument("name")
@click.option("-s", "--schedule", "schedule_file", envvar="RESQUE_SCHEDULE", default=None,
              help="Also look in this YAML file's schedules (RESQUE_SCHEDULE).")
@connection_options
def show(name: str, schedule_file: str | None, redis_url: str | None, namespace: str) -> None:
    """One schedule's config (JSON), last enqueued time and next run."""
    client = _client(redis_url, namespace, schedule_file, None)
    config = client.schedules.get(name)
    if config is None:
        fail(f"no schedule named {name!r}")
    click.echo(json.dumps({"name": name, "config": config, "last_enqueued_at": client.schedules.last_enqueued_at(name),
                           "next_run": _when(client.schedules.next_run(name))}, indent=2))


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
