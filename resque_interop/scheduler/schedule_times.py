"""When a recurring schedule fires: rufus-scheduler 3.8.2's ``cron`` and ``every`` values,
with fugit 1.5.2's meaning (the library resque-scheduler 5.0 schedules with).

Why an own evaluator rather than croniter with corrections: fugit's meaning differs from
classic cron (and croniter) in the grammar (``2/2`` weekdays is Tuesday only, ``12-12``,
hour 24, ``mon%2``, ``fri#-2``, zones like ``EST5EDT`` or ``+05:30``), in how a day of
month combines with a weekday ``#n`` (either matches), and above all in its DST answers,
which come from how its cursor jumps (see :mod:`.cron_times`). Each correction would
have had to undo croniter's own answer; mirroring fugit's small algorithm makes the
Resque-side meaning the definition, and tests/ruby_fixtures/fugit_differential.json
(recorded from fugit by tests/ruby/fugit_differential.rb) checks it over generated
lines, zones and both DST changes of 2027.

Refused at load rather than guessed (docs/interop.md lists them): a zone written as an
abbreviation with an offset (``EST-5``) or as a name with extra characters that
et-orbi shortens to a known one (``Europe/Berlinx``); and everything fugit itself
refuses or fails on (``0 0 30 2 *``, ``*/0``, a line whose next time fugit cannot find).
"""

from __future__ import annotations

import functools
import math
import os
import time
from dataclasses import dataclass
from datetime import timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .cron_syntax import CronFields, parse_fields, why_refused
from .cron_times import CronEvaluationError, next_time, zone_for
from .durations import duration_seconds
from .schedule_errors import CronRefused, ScheduleSyntaxError

__all__ = ["Cron", "CronEvaluationError", "Every", "ScheduleSyntaxError", "local_zone", "parse_cron",
           "parse_every", "parse_first_in"]

SCHEDULER_FREQUENCY = 0.3  # rufus refuses an every shorter than its own tick (resque-scheduler keeps 0.3 s)


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
    fields: CronFields
    zone: tzinfo | None

    def next_after(self, when: float) -> float:
        """The first run strictly after epoch ``when``, as fugit's ``next_time`` from a
        start in this process's zone (rufus passes ``EoTime.now``). Raises
        :class:`CronEvaluationError` where fugit raises."""
        return float(next_time(self.line, self.fields, self.zone or local_zone(), when, local_zone()))


@dataclass(frozen=True)
class Every:
    """A rufus-scheduler ``every`` interval, in seconds."""

    text: str
    seconds: float

    def next_after(self, when: float) -> float:
        return when + self.seconds


def parse_cron(line: object, now: float | None = None) -> Cron:
    """Parse a rufus-scheduler cron line as fugit does; raises :class:`ScheduleSyntaxError`
    naming the line and the construct. Like rufus, which computes the first time when it
    schedules, a line whose next time after ``now`` fugit cannot find is refused too."""
    if not isinstance(line, str):
        raise ScheduleSyntaxError(f"cron must be a string, not {line!r}")
    try:
        fields = parse_fields(line)
        if fields is None:
            raise ScheduleSyntaxError(f"cron {line!r} is not valid: {why_refused(line)}")
        zone = None
        if fields.zone is not None:
            zone = zone_for(fields.zone)
            if zone is None:
                raise ScheduleSyntaxError(f"cron {line!r}: unknown time zone {fields.zone!r}")
        if any(isinstance(h, tuple) and h[0] == 0 for _, h in fields.weekdays or ()):
            raise CronRefused("a weekday %0")
    except CronRefused as exc:
        raise ScheduleSyntaxError(f"cron {line!r}: refused: {exc} (fugit fails or guesses here)") from None
    cron = Cron(line, fields, zone)
    cron.next_after(time.time() if now is None else now)
    return cron


def parse_every(value: object) -> Every:
    """Parse a rufus-scheduler ``every`` value: a number of seconds, or a fugit duration
    (``30s``, ``1h30m``, ``1m30``, ``1 hour``, ``PT1H``); raises :class:`ScheduleSyntaxError`."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ScheduleSyntaxError(f"every {value!r}: expected a duration such as 30s, 5m or 1h30m")
    seconds = value if not isinstance(value, str) else duration_seconds(value)
    if seconds is None:
        raise ScheduleSyntaxError(f"every {value!r}: not a duration fugit reads (such as 30s, 5m, 1h30m, PT1H)")
    if not seconds > 0 or not math.isfinite(seconds):
        raise ScheduleSyntaxError(f"every {value!r}: the interval must be positive")
    if seconds < SCHEDULER_FREQUENCY:
        raise ScheduleSyntaxError(f"every {value!r}: shorter than rufus-scheduler's tick of {SCHEDULER_FREQUENCY} s")
    return Every(str(value).strip(), float(seconds))


def parse_first_in(value: object) -> float:
    """rufus's ``first_in``: ``0`` (or a duration of zero) means at once; else a fugit
    duration or a number of seconds, never negative."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ScheduleSyntaxError(f"first_in {value!r}: expected a duration such as 10m")
    seconds = value if not isinstance(value, str) else duration_seconds(value)
    if seconds is None or not math.isfinite(seconds):
        raise ScheduleSyntaxError(f"first_in {value!r}: not a duration fugit reads")
    if seconds < 0:
        raise ScheduleSyntaxError(f"first_in {value!r}: rufus refuses a first time in the past")
    return float(seconds)
