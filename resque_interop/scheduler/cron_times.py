"""When a fugit cron line fires next: ``Fugit::Cron#next_time`` step for step.

fugit walks a cursor forward through real instants (epoch seconds), checking month, day,
hour, minute and second in the line's zone and, on the first field that does not match,
jumping to the start of the next month / day / hour / minute. Its answers across DST
changes follow from those jumps, so they are reproduced as jumps, not re-derived:

* a wall time that a spring change skips never fires (the cursor never sees it);
* a wall time repeated by an autumn change fires once: fugit passes over an instant
  whose wall time (``%F %T``) equals the start's while its UTC offset differs (gh-6).
  The start's wall time is taken in the *process's* zone (rufus passes ``EoTime.now``),
  so for a line with a zone other than the process's the repeat fires twice and a time
  one offset away can be passed over once, as in rufus;
* the next-day jump adds ``24 - hour`` hours and then repairs the landing point, which
  after a 30-minute change (Australia/Lord_Howe) lands at 00:30 and passes over the
  times before it that day; a midnight that a change skips makes fugit jump a further day.

These are rufus-scheduler's firing times, defects included, so that a Python scheduler
fires exactly when a Ruby one would; docs/interop.md lists them. fugit's errors
(a local midnight that does not exist or exists twice where fugit needs it, more than
2048 steps) are raised as :class:`CronEvaluationError`.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, available_timezones

from .cron_syntax import CronFields
from .schedule_errors import CronRefused, ScheduleSyntaxError

MAX_ITERATIONS = 2048  # fugit's MAX_ITERATION_COUNT
WEEK_S = 7 * 86400
# et-orbi's aliases for names without spaces (the grammar allows no spaces)
_ALIASES = {"UTC-11": "Etc/GMT+11", "UTC+12": "Etc/GMT-12", "UTC-02": "Etc/GMT+2", "CST5CDT": "CST6CDT"}
_ABBREVIATION_OFFSET = re.compile(r"\A([A-Z]{3,4})([+-])(\d{1,2}):?(\d{2})?\Z")
_OFFSET = re.compile(r"\A([+-][0-1]?[0-9]):?([0-5][0-9])?\Z")


class CronEvaluationError(ScheduleSyntaxError):
    """fugit raises for this line at this time (so rufus cannot schedule it)."""


def zone_for(name: str) -> tzinfo | None:
    """et-orbi's ``get_tzone`` for a zone written in a cron line; None where fugit finds no
    zone (it then refuses the line). Raises :class:`CronRefused` for the spellings fugit
    resolves by guessing, which are refused here rather than guessed alike."""
    name = _ALIASES.get(name, name)
    if _ABBREVIATION_OFFSET.match(name):
        raise CronRefused(f"the zone {name!r} (an abbreviation with an offset: et-orbi picks the first zone "
                          "that used that abbreviation this year, or fails)")
    m = _OFFSET.match(name)
    if m:
        hours, minutes = int(m.group(1)), int(m.group(2) or 0)
        if abs(hours) <= 11:  # et-orbi's limit; "-00:30" is +00:30 there, as here
            return timezone(timedelta(seconds=hours * 3600 + (-minutes if hours < 0 else minutes) * 60), name)
    known = _zone_names()
    if name in known:
        return ZoneInfo(name)
    prefix = name
    while prefix:
        prefix = prefix[:-1]
        if prefix in known:
            raise CronRefused(f"the zone {name!r} (not a tz database name: et-orbi reads it as {prefix!r})")
    return None


_KNOWN: set[str] = set()


def _zone_names() -> set[str]:
    if not _KNOWN:
        _KNOWN.update(available_timezones())
    return _KNOWN


class _NoSuchTime(Exception):
    pass


class _Clock:
    """Wall times of instants in one zone, and instants of wall times as et-orbi finds them."""

    def __init__(self, zone: tzinfo, process_zone: tzinfo) -> None:
        self.zone = zone
        self.process_zone = process_zone
        self._made: dict[datetime, int | _NoSuchTime] = {}

    def wall(self, t: int) -> datetime:
        return datetime.fromtimestamp(t, self.zone)

    def make(self, year: int, month: int, day: int = 1) -> int:
        """``EtOrbi.make(y, m, d, zone)``: local midnight; TZInfo raises where it is
        missing (PeriodNotFound) or doubled (AmbiguousTime). et-orbi first reads the wall
        time with Ruby's ``Time.parse`` in the process's zone, which moves a time that
        zone skips past its gap (Beirut's missing 00:00 becomes 01:00)."""
        if month == 13:
            year, month = year + 1, 1
        naive = datetime(year, month, day)
        made = self._made.get(naive)
        if made is None:
            made = self._made[naive] = self._make(naive)
        if isinstance(made, _NoSuchTime):
            raise made
        return made

    def _make(self, naive: datetime) -> int | _NoSuchTime:
        if not _exists(naive, self.process_zone):
            naive = _wall(int(naive.replace(tzinfo=self.process_zone).timestamp()), self.process_zone)
        found = {int(naive.replace(tzinfo=self.zone, fold=fold).timestamp()) for fold in (0, 1)}
        real = sorted(t for t in found if _wall(t, self.zone) == naive)
        if len(real) == 1:
            return real[0]
        return _NoSuchTime("missing" if not real else "ambiguous", naive)


def _wall(t: int, zone: tzinfo) -> datetime:
    return datetime.fromtimestamp(t, zone).replace(tzinfo=None)


def _exists(naive: datetime, zone: tzinfo) -> bool:
    return any(_wall(int(naive.replace(tzinfo=zone, fold=fold).timestamp()), zone) == naive for fold in (0, 1))


def next_time(line: str, fields: CronFields, zone: tzinfo, when: float, from_zone: tzinfo) -> int:
    """The first run after epoch ``when`` (fugit's answer, in whole seconds), for a start in
    ``from_zone``, the process's zone (rufus passes ``EoTime.now``)."""
    try:
        return _Cursor(fields, zone, from_zone).next_time(when, from_zone)
    except _NoSuchTime as exc:
        kind, naive = exc.args
        raise CronEvaluationError(f"cron {line!r}: fugit fails where local midnight {naive:%Y-%m-%d} is {kind} "
                                  f"in its zone") from None
    except ZeroDivisionError:
        raise CronEvaluationError(f"cron {line!r}: fugit fails on a weekday %0") from None
    except _TooManySteps:
        raise CronEvaluationError(f"cron {line!r}: fugit gives up after {MAX_ITERATIONS} steps looking for "
                                  f"the next time after {datetime.fromtimestamp(when, timezone.utc):%Y-%m-%d %H:%M:%S} UTC"
                                  " (it may never match)") from None


class _TooManySteps(Exception):
    pass


class _Cursor:
    def __init__(self, fields: CronFields, zone: tzinfo, process_zone: tzinfo) -> None:
        self.f = fields
        self.clock = _Clock(zone, process_zone)

    def next_time(self, when: float, from_zone: tzinfo) -> int:
        wall = self.clock.wall
        ifrom = int(when)
        sfrom = _literal(datetime.fromtimestamp(ifrom, from_zone))
        zfrom = _stamp(wall(ifrom))
        t = ifrom
        f = self.f
        for _ in range(MAX_ITERATIONS):
            if t == ifrom:
                t += 1
                continue
            w = wall(t)
            if f.months is not None and w.month not in f.months:
                t = self.clock.make(w.year, w.month + 1)
            elif not self._day_match(t, w):
                t = self._inc_day(t, w)
            elif f.hours is not None and w.hour not in f.hours:
                t += (60 - w.minute) * 60 - w.second
            elif f.minutes is not None and w.minute not in f.minutes:
                t += 60 - w.second
            elif f.seconds is not None and w.second not in f.seconds:
                later = [s for s in f.seconds if s > w.second]
                t += later[0] - w.second if later else 60 - w.second + f.seconds[0]
            elif _literal(w) == sfrom and _stamp(w) != zfrom:  # the repeated wall time: once (gh-6)
                ifrom, sfrom, zfrom = t, _literal(w), _stamp(w)
            else:
                return t
        raise _TooManySteps

    def _inc_day(self, t: int, w: datetime) -> int:
        t += (24 - w.hour) * 3600 - w.minute * 60 - w.second
        w = self.clock.wall(t)
        if w.hour == 0:
            return t
        if w.hour < 12:
            try:
                return self.clock.make(w.year, w.month, w.day)
            except _NoSuchTime as exc:
                if exc.args[0] != "missing":
                    raise
        return t + (24 - w.hour) * 3600

    def _day_match(self, t: int, w: datetime) -> bool:
        if self.f.weekdays is not None and self.f.monthdays is not None:
            return self._weekday_match(t, w) or self._monthday_match(w)  # classic cron: either
        return self._weekday_match(t, w) and self._monthday_match(w)

    def _weekday_match(self, t: int, w: datetime) -> bool:
        if self.f.weekdays is None:
            return True
        wday = (w.weekday() + 1) % 7
        entry = next((h for d, h in self.f.weekdays if d == wday), False)  # fugit: the first entry only
        if entry is False:
            return False
        if entry is None:
            return True
        if isinstance(entry, tuple):
            mod, plus = entry
            return (self._rweek(t) + plus) % mod == 0
        if entry > 0:
            return entry == self._count_weeks(t, w.month, -1)
        return entry == -self._count_weeks(t, w.month, 1)

    def _count_weeks(self, t: int, month: int, direction: int) -> int:
        count = 0
        while self.clock.wall(t).month == month:
            count += 1
            t += direction * WEEK_S
        return count

    def _rweek(self, t: int) -> int:
        return (t - self.clock.make(2019, 1, 1)) // WEEK_S + 1

    def _monthday_match(self, w: datetime) -> bool:
        if self.f.monthdays is None:
            return True
        # computed whether or not a day counts from the end, as fugit does (it can raise)
        last = self.clock.wall(self.clock.make(w.year, w.month + 1) - 86400).day + 1
        return any((last + d if d < 1 else d) == w.day for d in self.f.monthdays)


def _literal(w: datetime) -> tuple[int, int, int, int, int, int]:
    return (w.year, w.month, w.day, w.hour, w.minute, w.second)


def _stamp(w: datetime) -> tuple[object, object]:
    return (w.utcoffset(), w.tzname())
