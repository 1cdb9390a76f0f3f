"""Recurring schedules in resque-scheduler's format (``client.schedules``).

A schedule is a name and a config: ``cron`` or ``every`` (when), ``class``
(defaults to the name), ``queue`` (else the class's registered queue), ``args``
(an array is splatted, anything else is the one argument, none means none),
``description``, ``rails_env``/``env`` (comma-separated: load it only there) and
``custom_job_class``. As in resque-scheduler, a schedule lives either in this
process's memory (``persist=False``, the YAML file's) or in Redis's
``persistent_schedules`` hash where every scheduler sees it; each change adds the
name to ``schedules_changed`` so a dynamic scheduler reloads it.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from ..errors import NoClassError, NoQueueError
from .schedule_times import (
    Cron,
    Every,
    ScheduleSyntaxError,
    local_zone,
    parse_cron,
    parse_every,
    parse_first_in,
)

if TYPE_CHECKING:
    from .protocols import SchedulerClient

log = logging.getLogger("resque_interop.scheduler")

KNOWN_KEYS = {"cron", "every", "class", "queue", "args", "description", "rails_env", "env", "custom_job_class",
              "persist", "parameters"}
INTERVAL_OPTIONS = {"first_in", "first_at"}


@dataclass(frozen=True)
class Entry:
    """One schedule ready to run: its config and when it fires."""

    name: str
    config: dict[str, Any]
    trigger: Cron | Every
    first_in: float | None = None
    first_at: float | None = None

    @property
    def interval(self) -> str:
        """``cron 0 * * * *`` / ``every 30s``, as resque-web's Interval column."""
        return f"cron {self.trigger.line}" if isinstance(self.trigger, Cron) else f"every {self.trigger.text}"

    def first_run(self, now: float) -> float:
        """When it first fires if loaded at ``now`` (rufus: ``first_in``/``first_at``, else one
        interval on, or the next cron time)."""
        if self.first_in is not None:
            return now + self.first_in
        if self.first_at is not None and self.first_at >= now:
            return self.first_at
        return self.trigger.next_after(now)


def compile_entry(name: str, config: Any, strict: bool = False) -> Entry | None:
    """Check one schedule; None when it has neither cron nor every (resque-scheduler skips
    those: they can only be queued by hand). Raises :class:`ScheduleSyntaxError`. ``strict``
    also refuses keys resque-scheduler does not know (a typo in a file) and a class, queue or
    env that is not a string; a config read from
    Redis is not strict, since Ruby ignores extra keys and would still fire it."""
    if not isinstance(config, dict):
        raise ScheduleSyntaxError(f"schedule {name!r} must be a mapping of keys, not {config!r}")
    unknown = [str(k) for k in config if k not in KNOWN_KEYS]  # in the file's order
    if strict and unknown:
        raise ScheduleSyntaxError(f"schedule {name!r}: {unknown_key_reason(name, config, unknown[0])}")
    for key in ("class", "queue", "custom_job_class", "rails_env", "env"):
        if strict and config.get(key) is not None and not isinstance(config[key], str):
            raise ScheduleSyntaxError(f"schedule {name!r}: {key} must be a string")
    for kind in ("cron", "every"):  # cron wins over every, as in resque-scheduler
        value = config.get(kind)
        if value is None or value == "" or value == []:
            continue
        value, options = _with_options(value)
        extra = sorted(set(options) - INTERVAL_OPTIONS)
        if extra:
            raise ScheduleSyntaxError(f"schedule {name!r}: unsupported {kind} option(s) {', '.join(extra)}")
        try:
            trigger: Cron | Every = parse_cron(value) if kind == "cron" else parse_every(value)
            first_in = parse_first_in(options["first_in"]) if "first_in" in options else None
            return Entry(name, config, trigger, first_in, _first_at(options))
        except ScheduleSyntaxError as exc:
            raise ScheduleSyntaxError(f"schedule {name!r}: {exc}") from None
    return None


def unknown_key_reason(name: str, config: dict[str, Any], key: str) -> str:
    """Why a key resque-scheduler does not know is refused: Ruby ignores it silently, so a
    typo changes what fires (a misspelt ``class`` queues a job named after the entry)."""
    close = difflib.get_close_matches(key, sorted(KNOWN_KEYS), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    if close and close[0] == "class" and "class" not in config:
        effect = f"so it would queue class {name!r}, the entry's name"
    elif close and close[0] not in config:
        effect = f"so its {close[0]!r} would be missing"
    else:
        effect = "so the entry would run without it"
    return (f"unknown key {key!r}{hint}: resque-scheduler ignores keys it does not know, {effect}; "
            f"known keys: {', '.join(sorted(KNOWN_KEYS))}")


def queue_check(client: SchedulerClient, env: str | None) -> Callable[[str, dict[str, Any]], None]:
    """A :func:`load_schedule_file` check refusing an entry this process would fire with no
    queue to put it on: no ``queue:`` and its class not registered with one (``-A``).
    Entries for another env, or with no cron/every, never fire here and pass."""

    def check(name: str, config: dict[str, Any]) -> None:
        if env_matches(config, env) and compile_entry(name, config) is not None:
            why = unresolved_queue(client, name, config)
            if why:
                raise ScheduleSyntaxError(f"schedule {name!r}: {why}")

    return check


def unresolved_queue(client: SchedulerClient, name: str, config: dict[str, Any]) -> str | None:
    """Why the entry's job has no queue here (None when it has one), and what to add."""
    if config.get("queue"):
        return None
    job_class = config.get("class", name)
    if isinstance(job_class, str) and client.queue_for(job_class):
        return None
    return (f"no queue for class {job_class}: add 'queue: <name>' to the entry, or register {job_class} "
            f"with its queue in the module given by -A (@job({job_class!r}, queue=...)); Ruby would use its @queue")


def env_matches(config: dict[str, Any], env: str | None) -> bool:
    """resque-scheduler's rule: no ``rails_env``/``env`` loads everywhere; else the current
    env must be one of its comma/space separated names."""
    configured = config.get("rails_env") or config.get("env")
    if configured is None:
        return True
    return bool(env) and env in str(configured).replace(",", " ").split()


def load_schedule_file(path: str | Path,
                       check: Callable[[str, dict[str, Any]], None] | None = None) -> dict[str, dict[str, Any]]:
    """Read resque-scheduler's YAML schedule; every entry is checked (and given to ``check``,
    e.g. :func:`queue_check`) and the first bad one is refused with its file and line
    (:class:`ScheduleSyntaxError`; an unknown key's own line)."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)  # PyYAML's own text spans lines, "<unicode string>"
        where = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        what = " ".join(filter(None, [getattr(exc, "context", None), getattr(exc, "problem", None)]))
        raise ScheduleSyntaxError(f"{path}{where}: not valid YAML: {what or ' '.join(str(exc).split())}") from exc
    if root is None:
        return {}
    if not isinstance(root, yaml.MappingNode):
        raise ScheduleSyntaxError(f"{path}:{root.start_mark.line + 1}: expected a mapping of schedule names")
    loader = yaml.SafeLoader("")
    out: dict[str, dict[str, Any]] = {}
    for key_node, value_node in root.value:
        line = key_node.start_mark.line + 1
        name = str(loader.construct_object(key_node, deep=True))
        config = loader.construct_object(value_node, deep=True)
        try:
            compile_entry(name, config, strict=True)
            if check is not None:
                check(name, prepare(name, config))
        except ScheduleSyntaxError as exc:
            line = (_unknown_key_line(value_node) if "unknown key" in str(exc) else None) or line
            raise ScheduleSyntaxError(f"{path}:{line}: {exc}") from None
        out[name] = prepare(name, config)
    return out


def _unknown_key_line(entry: yaml.Node) -> int | None:
    """The line of an entry's first unknown key, if it has one."""
    if isinstance(entry, yaml.MappingNode):
        for key_node, _ in entry.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value not in KNOWN_KEYS:
                return int(key_node.start_mark.line) + 1
    return None


def prepare(name: str, config: dict[str, Any]) -> dict[str, Any]:
    """``class`` defaults to the schedule's name (``Resque.schedule=``)."""
    return config if "class" in config else {**config, "class": name}


def enqueue_from_config(client: SchedulerClient, config: dict[str, Any]) -> bool | None:
    """Queue a schedule's job now, as resque-scheduler's ``enqueue_from_config``: through
    ``enqueue_to`` (so a registered job's hooks run), or ``Job.create`` for a custom job class."""
    name = config.get("class")
    if not name or not isinstance(name, str):
        raise NoClassError("Jobs must be given a class.")
    args = config.get("args")
    params = [args] if isinstance(args, dict) else [] if args is None else args if isinstance(args, list) else [args]
    queue = config.get("queue") or client.queue_for(name)
    if not queue:
        raise NoQueueError(f"Jobs must be placed onto a queue. No queue could be inferred for class {name}")
    custom = config.get("custom_job_class")
    if custom and custom != "Resque::Job":
        # Ruby calls CustomClass.scheduled when that class is loaded there; a Python
        # process never loads Ruby classes, so it does what Ruby does when it cannot.
        client.create(str(queue), custom, params)
        return True
    return client.enqueue_to(str(queue), name, *params)


@dataclass(frozen=True)
class ScheduleRow:
    """One schedule as a listing shows it: ``source`` is ``redis`` (persistent_schedules,
    every scheduler's) or ``file`` (this process's static ones, e.g. a YAML file's)."""

    name: str
    config: dict[str, Any]
    source: str
    last_enqueued_at: str | None
    next_run: float | None
    error: str | None = None
    #: the compiled schedule (None: manual only, or unusable), for readers that need more
    #: than the next run (``forecast.overview``) without compiling it again
    entry: Entry | None = field(default=None, compare=False, repr=False)


class Schedules:
    """resque-scheduler's ``set_schedule``/``remove_schedule``/``schedule``/``fetch_schedule``
    over one client (``client.schedules``)."""

    def __init__(self, client: SchedulerClient) -> None:
        self.client = client
        #: schedules that live in this process only (the YAML file's; ``persist=False``)
        self.static: dict[str, dict[str, Any]] = {}

    def load(self, schedules: dict[str, dict[str, Any]]) -> None:
        """Replace this process's static schedules (``Resque.schedule = {...}``)."""
        for name, config in schedules.items():
            compile_entry(name, config, strict=True)
        self.static = {name: prepare(name, config) for name, config in schedules.items()}

    def set(self, name: str, config: dict[str, Any], persist: bool | None = None) -> None:
        """Create or replace a schedule; ``persist`` (or a ``persist`` key) stores it in Redis
        for every scheduler. Refuses a config no scheduler could run."""
        config = dict(config)
        flagged = config.pop("persist", None)
        persist = bool(flagged) if persist is None else persist
        compile_entry(name, config, strict=True)
        config = prepare(name, config)
        if persist:
            self.client.store.schedules.set(name, self.client.codec.encode(config))
        else:
            self.static[name] = config
            self.client.store.schedules.set(name, None)

    def remove(self, name: str) -> bool:
        """Remove a schedule (both kinds); True when a persisted one was there."""
        self.static.pop(name, None)
        return self.client.store.schedules.remove(name)

    def persistent(self) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
        """The schedules in Redis, and the names whose stored config cannot be used (why)."""
        good: dict[str, dict[str, Any]] = {}
        bad: dict[str, str] = {}
        for name, data in self.client.store.schedules.persistent().items():
            try:
                config = self.client.codec.decode(data)
                if not isinstance(config, dict):
                    raise ValueError("not a JSON object")
                good[name] = config
            except ValueError as exc:
                bad[name] = f"{type(exc).__name__}: {exc}"
        return good, bad

    def all(self) -> dict[str, dict[str, Any]]:
        """Every schedule: this process's and Redis's (a persisted one wins a name)."""
        return {**self.static, **self.persistent()[0]}

    def get(self, name: str) -> dict[str, Any] | None:
        """One schedule's config, or None."""
        return self.all().get(name)

    def last_enqueued_at(self, name: str) -> str | None:
        """When a scheduler last fired it (``Resque.get_last_enqueued_at``)."""
        return self.client.store.schedules.last_enqueued_at(name)

    def next_run(self, name: str, now: float | None = None) -> float | None:
        """When it would next fire if a scheduler loaded it now (None: never, or unparsable)."""
        config = self.get(name)
        try:
            entry = None if config is None else compile_entry(name, config)
        except ScheduleSyntaxError:
            return None
        return None if entry is None else entry.first_run(datetime.now(timezone.utc).timestamp() if now is None else now)

    def listing(self, now: float | None = None, start: int = 0,
                count: int | None = None) -> tuple[list[ScheduleRow], int]:
        """A window of every schedule, in name order (unusable persisted ones last, with their
        ``error``), each with its source, last enqueued time and next run; and how many there
        are. One read of each hash; only the rows in the window are compiled, so a page costs
        what it shows."""
        good, bad = self.persistent()
        last = self.client.store.schedules.all_last_enqueued_at()
        now = datetime.now(timezone.utc).timestamp() if now is None else now
        names = sorted(set(self.static) | set(good)) + sorted(set(bad) - set(self.static))
        window = names[start:] if count is None else names[start:start + count]
        rows: list[ScheduleRow] = []
        for name in window:
            if name in bad and name not in self.static:
                rows.append(ScheduleRow(name, {}, "redis", last.get(name), None, bad[name]))
                continue
            source, config = ("redis", good[name]) if name in good else ("file", self.static[name])
            error, next_run, entry = None, None, None
            try:
                entry = compile_entry(name, config)
                next_run = None if entry is None else entry.first_run(now)
            except ScheduleSyntaxError as exc:
                error, entry = str(exc), None
            rows.append(ScheduleRow(name, config, source, last.get(name), next_run, error, entry))
        return rows, len(names)

    def enqueue_now(self, name: str) -> bool | None:
        """Queue a schedule's job now (resque-web's "Queue now"); KeyError if unknown."""
        config = self.get(name)
        if config is None:
            raise KeyError(name)
        return enqueue_from_config(self.client, prepare(name, config))


def _with_options(value: Any) -> tuple[Any, dict[str, Any]]:
    """resque-scheduler's ``optionizate_interval_value``: ``["1h", {"first_in": "10m"}]``."""
    if isinstance(value, list):
        if len(value) == 2 and isinstance(value[1], dict):
            return value[0], {str(k).lstrip(":"): v for k, v in value[1].items()}
        return (value[0] if value else None), {}
    return value, {}


def _first_at(options: dict[str, Any]) -> float | None:
    """rufus's ``first_at``: a time, or a string ``2027-03-28 02:30:00 [zone]`` (a tz database
    name or an offset at the end, else the process's zone, as et-orbi reads it)."""
    if "first_at" not in options:
        return None
    value = options["first_at"]
    if isinstance(value, datetime):
        return value.timestamp()
    text = str(value).strip()
    zone = None
    head, _, last = text.rpartition(" ")
    if head and not last[:1].isdigit() and not last.startswith(("+", "-")):
        try:
            zone = ZoneInfo(last) if last not in ("UTC", "Z") else timezone.utc
        except (ZoneInfoNotFoundError, ValueError):
            raise ScheduleSyntaxError(f"first_at {value!r}: unknown time zone {last!r}") from None
        text = head
    elif head and last.startswith(("+", "-")):
        text = f"{head}{last}"
    try:
        when = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ScheduleSyntaxError(f"first_at {value!r} is not a time such as 2027-03-28 02:30:00 Europe/Berlin"
                                  ) from exc
    if when.tzinfo is None:
        when = when.replace(tzinfo=zone or local_zone())
    return when.timestamp()
