"""When a recurring schedule fires: rufus-scheduler's ``cron`` and ``every`` values.

Cron lines are evaluated by croniter (a maintained library) after translating
the rufus-scheduler (fugit) spelling it does not share; ``every`` durations are
parsed here because they are rufus's own compact format. Both are checked
against rufus-scheduler's recorded answers (tests/ruby_fixtures/rufus_next_times.json).

Differences from rufus-scheduler, refused at load with a :class:`ScheduleSyntaxError`
rather than guessed: ``#-2``..``#-5`` weekday hashes (only ``#-1``/``#last`` is
translated), fugit's ``&`` day-and-weekday modifier, natural language ("every day
at noon"), and ``every`` values in other spellings than ``1h30m`` / ``90`` / ``1.5h``
(ISO 8601 ``PT1H``, ``1 hour``).
"""

from __future__ import annotations

import functools
import math
import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterBadDateError, croniter

from ..errors import ResqueError


class ScheduleSyntaxError(ResqueError, ValueError):
    """A ``cron`` or ``every`` value that rufus-scheduler or this library cannot use."""


SPECIALS = {
    "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@noon": "0 12 * * *", "@hourly": "0 * * * *",
}
_LAST_WEEKDAY = re.compile(r"^([a-z]{3}|[0-7])#(-1|last|l)$", re.IGNORECASE)
_DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
# rufus/fugit: seconds per unit; a bare number is seconds
_UNITS = {"y": 365 * 86400, "M": 30 * 86400, "w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1}
_DURATION = re.compile(r"^(?:\d+(?:\.\d+)?[yMwdhms]\s*)+$")
_PART = re.compile(r"(\d+(?:\.\d+)?)([yMwdhms])")


def local_zone() -> tzinfo:
    """The process's time zone (``TZ``, else /etc/localtime), as Ruby's ``Time.now`` uses."""
    return _local_zone(os.environ.get("TZ", "").lstrip(":"))


@functools.lru_cache(maxsize=8)
def _local_zone(name: str) -> tzinfo:
    try:
        if name:
            return ZoneInfo(name)
        with open("/etc/localtime", "rb") as fh:
            return ZoneInfo.from_file(fh)
    except (OSError, ValueError, ZoneInfoNotFoundError):
        return timezone.utc


@dataclass(frozen=True)
class Cron:
    """A rufus-scheduler cron line: 5 fields, or 6 with seconds first, then an optional zone."""

    line: str
    expression: str
    zone: tzinfo | None
    seconds: bool

    def next_after(self, when: float) -> float:
        """The first run strictly after epoch ``when``. A wall-clock time that a DST change
        skips is skipped, as rufus does (croniter would run it an hour late)."""
        zone = self.zone or local_zone()
        start = datetime.fromtimestamp(when, zone)
        it = croniter(self.expression, start, second_at_beginning=self.seconds)
        for _ in range(1000):
            try:
                found: datetime = it.get_next(datetime)
            except CroniterBadDateError as exc:
                raise ScheduleSyntaxError(f"cron {self.line!r} never matches a real time") from exc
            local = found.astimezone(zone)
            if croniter.match(self.expression, local.replace(tzinfo=None), second_at_beginning=self.seconds):
                return found.timestamp()
        raise ScheduleSyntaxError(f"cron {self.line!r} never matches a real time")


@dataclass(frozen=True)
class Every:
    """A rufus-scheduler ``every`` interval, in seconds."""

    text: str
    seconds: float

    def next_after(self, when: float) -> float:
        return when + self.seconds


def parse_cron(line: str) -> Cron:
    """Parse a rufus-scheduler cron line; raises :class:`ScheduleSyntaxError`."""
    if not isinstance(line, str):
        raise ScheduleSyntaxError(f"cron must be a string, not {line!r}")
    fields = SPECIALS.get(line.strip(), line).split()
    zone: tzinfo | None = None
    if len(fields) in (6, 7) and re.search(r"[A-Za-z]/|^(UTC|GMT|Z)$|^[+-]\d\d:?\d\d$", fields[-1]):
        zone = _zone(fields.pop(), line)
    if len(fields) not in (5, 6):
        raise ScheduleSyntaxError(f"cron {line!r}: expected 5 fields (or 6 with seconds first), then a time zone")
    fields = [_translate(field, line) for field in fields]
    expression = " ".join(fields)
    seconds = len(fields) == 6
    try:
        croniter(expression, second_at_beginning=seconds)
    except (ValueError, KeyError) as exc:
        raise ScheduleSyntaxError(f"cron {line!r} is not valid: {exc}") from exc
    cron = Cron(line, expression, zone, seconds)
    cron.next_after(0.0 if zone is None else 1e9)  # refuse a line that never matches (Feb 30)
    return cron


def parse_every(value: object) -> Every:
    """Parse a rufus-scheduler duration (``30s``, ``1h30m``, ``90``, ``1.5h``)."""
    text = str(value).strip() if isinstance(value, (str, int, float)) and not isinstance(value, bool) else None
    if not text:
        raise ScheduleSyntaxError(f"every {value!r}: expected a duration such as 30s, 5m or 1h30m")
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        seconds = float(text)
    elif _DURATION.fullmatch(text):
        seconds = sum(float(n) * _UNITS[unit] for n, unit in _PART.findall(text))
    else:
        raise ScheduleSyntaxError(f"every {value!r}: expected a duration such as 30s, 5m or 1h30m "
                                  "(ISO 8601 and spelled-out units are not supported)")
    if not seconds > 0 or not math.isfinite(seconds):
        raise ScheduleSyntaxError(f"every {value!r}: the interval must be positive")
    return Every(text, seconds)


def _zone(name: str, line: str) -> tzinfo:
    if name in ("UTC", "GMT", "Z"):
        return timezone.utc
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ScheduleSyntaxError(f"cron {line!r}: unknown time zone {name!r}") from exc


def _translate(field: str, line: str) -> str:
    """fugit spellings croniter lacks: ``fri#-1`` / ``fri#last`` (last Friday) is croniter's ``L5``."""
    if "&" in field:
        raise ScheduleSyntaxError(f"cron {line!r}: fugit's '&' modifier is not supported")
    parts = []
    for part in field.split(","):
        m = _LAST_WEEKDAY.match(part)
        if m:
            day = m.group(1).lower()
            number = _DAYS.index(day) if day in _DAYS else int(day) % 7
            part = f"L{number}"
        elif re.search(r"#-\d", part):
            raise ScheduleSyntaxError(f"cron {line!r}: only #-1 (last) is supported of the negative weekday hashes")
        parts.append(part)
    return ",".join(parts)
