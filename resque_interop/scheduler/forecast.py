"""What ``schedule list`` says of each recurring schedule: whether a scheduler in an
environment loads it, and when it next fires, as the running master will fire it.

A ``cron`` entry fires at the next matching time whoever runs it. An ``every`` entry
counts from where its scheduler loaded it (rufus: the scheduler's start, a master change,
or ``first_in``/``first_at``), and no scheduler, Ruby or ours, writes that anchor to Redis.
What both write is each schedule's last enqueue (``delayed:last_enqueued_at``, Ruby's
``Time.now.to_s``, whole seconds). So while a master holds the lock, an ``every``
entry's next run is its last enqueue plus the interval (taken from the middle of the
recorded second: within half a second, plus the master's own lag). With no recent record the master loaded it after its last enqueue, so it
fires one interval (or its ``first_in``) after that load: ``now + interval`` is then an
upper bound, labelled as such. With no master, the times are those of a scheduler
started now, labelled as such.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ..schema.timefmt import parse_time
from .delayed import master_lock_key
from .schedule_times import Every, ScheduleSyntaxError
from .schedules import Entry, ScheduleRow, compile_entry, env_matches, unresolved_queue

if TYPE_CHECKING:
    from .scheduling_client import SchedulingClient

#: how next_run was found
MASTER = "master"  # the running master's next run: cron, or last enqueue + every
MASTER_AT_THE_LATEST = "master, at the latest"  # every, no enqueue since the master loaded it
IF_STARTED_NOW = "if a scheduler started now"  # no master holds the lock
#: a record this far behind its next run is older than the master's load of the entry
#: (the master fires within a fraction of a second of the due time, the record is truncated)
STALE_AFTER = 2.0


RUBY_ONLY = "fires in Ruby only (no queue here: a Python scheduler refuses it; add queue: or -A)"


@dataclass(frozen=True)
class Forecast:
    """One schedule as a scheduler in ``env`` sees it, and when it next fires."""

    name: str
    config: dict[str, Any]
    interval: str | None  # ``every 2s`` / ``cron 0 * * * *``; None without either
    state: str  # ``fires``, ``skipped: env ...``, ``manual only ...``, ``invalid: ...``
    last_enqueued_at: str | None  # as written (Ruby's Time.now.to_s)
    next_run: float | None  # epoch seconds; None when no scheduler here fires it
    basis: str | None  # MASTER, MASTER_AT_THE_LATEST or IF_STARTED_NOW

    def as_dict(self) -> dict[str, Any]:
        """The forecast as plain JSON-ready values."""
        return {"name": self.name, "interval": self.interval, "class": self.config.get("class", self.name),
                "queue": self.config.get("queue"), "args": self.config.get("args"), "state": self.state,
                "last_enqueued_at": self.last_enqueued_at, "next_run": self.next_run, "next_run_basis": self.basis}


@dataclass(frozen=True)
class Overview:
    """Every schedule's forecast, the master lock's holder (``host:pid``) and the env used."""

    master: str | None
    env: str | None
    schedules: list[Forecast]


def master_holder(client: SchedulingClient) -> str | None:
    """Who holds resque-scheduler's master lock (``host:pid``), if anyone."""
    return client.store.schedules.lock_holder(master_lock_key(client))


def overview(client: SchedulingClient, env: str | None, now: float | None = None) -> Overview:
    """Every schedule (this process's and Redis's) as a scheduler in ``env`` would load it,
    with the next run the running master will use (see the module's notes). One read of
    each hash (``Schedules.listing``), and each schedule compiled once, by the listing)."""
    now = time.time() if now is None else now
    master = master_holder(client)
    rows, _ = client.schedules.listing(now)
    out = [_row_forecast(row, env, master is not None, now) for row in rows]
    # the check a Python scheduler makes at start: a Ruby one would use the class's @queue
    out = [replace(one, state=RUBY_ONLY) if one.state == "fires" and unresolved_queue(client, one.name, one.config)
           else one for one in out]
    return Overview(master, env, out)


def _row_forecast(row: ScheduleRow, env: str | None, has_master: bool, now: float) -> Forecast:
    """A listed schedule's forecast from what the listing compiled (its ``entry``, or the
    ``error`` compiling it met: the same words :func:`forecast` would find)."""
    if row.error and not row.config:
        return Forecast(row.name, {}, None, f"invalid: its stored config is not usable ({row.error})",
                        row.last_enqueued_at, None, None)
    if row.error:
        return Forecast(row.name, row.config, None, f"invalid: {row.error}", row.last_enqueued_at, None, None)
    return forecast_entry(row.name, row.config, row.entry, row.last_enqueued_at, env, has_master, now)


def forecast(name: str, config: dict[str, Any], last: str | None, env: str | None, has_master: bool,
             now: float) -> Forecast:
    """One schedule's forecast (:func:`overview`), ``last`` its recorded last enqueue."""
    try:
        entry = compile_entry(name, config)
    except (ScheduleSyntaxError, TypeError, ValueError, OverflowError) as exc:
        return Forecast(name, config, None, f"invalid: {exc}", last, None, None)
    return forecast_entry(name, config, entry, last, env, has_master, now)


def forecast_entry(name: str, config: dict[str, Any], entry: Entry | None, last: str | None, env: str | None,
                   has_master: bool, now: float) -> Forecast:
    """:func:`forecast` of a schedule already compiled (``entry`` None: no cron / every)."""
    if entry is None:
        return Forecast(name, config, None, "manual only (no cron / every)", last, None, None)
    if not env_matches(config, env):
        configured = config.get("rails_env") or config.get("env")
        this = f"this is {env}" if env else "no env set"
        return Forecast(name, config, entry.interval, f"skipped: env {configured} ({this})", last, None, None)
    next_run: float | None
    try:
        if not has_master:
            next_run, basis = entry.first_run(now), IF_STARTED_NOW
        elif not isinstance(entry.trigger, Every):
            next_run, basis = entry.trigger.next_after(now), MASTER
        else:
            next_run, basis = _every_next(entry.trigger, last, now), MASTER
            if next_run is None:
                next_run, basis = entry.first_run(now), MASTER_AT_THE_LATEST
    except (ScheduleSyntaxError, OverflowError, ValueError) as exc:
        return Forecast(name, config, entry.interval, f"invalid: {exc}", last, None, None)
    return Forecast(name, config, entry.interval, "fires", last, next_run, basis)


def _every_next(trigger: Every, last: str | None, now: float) -> float | None:
    """Last enqueue + interval, when the record is recent enough to be the master's phase."""
    when = parse_time(last)
    if when is None:
        return None
    next_run = when.timestamp() + 0.5 + trigger.seconds  # the middle of the recorded (truncated) second
    return None if next_run < now - STALE_AFTER else next_run
