"""Cron and every values against fugit's own answers, over generated lines.

tests/ruby/fugit_differential.rb (seeded) generated 1,746 cron lines in fugit's grammar
(and some outside it) with ~30 zones and none (the process's zone, TZ, varied per line over 9 zones),
and recorded, for 4 start instants each around 2027's DST changes, fugit's next 5 times
as rufus-scheduler chains them; plus 320 generated durations and a few first_at strings.
Every difference must be one of the refusals listed here (and in docs/interop.md).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path

import pytest

from resque_interop.scheduler.cron_syntax import CronFields
from resque_interop.scheduler.cron_times import next_time
from resque_interop.scheduler.durations import duration_seconds
from resque_interop.scheduler.schedule_times import (
    Cron,
    CronEvaluationError,
    ScheduleSyntaxError,
    local_zone,
    parse_cron,
    parse_every,
)
from resque_interop.scheduler.schedules import _first_at

FIXTURE = json.loads((Path(__file__).parent / "ruby_fixtures" / "fugit_differential.json").read_text())

# fugit accepts these and we refuse them, on purpose: et-orbi guesses the zone
EXPLAINED_REFUSALS = {
    "an abbreviation with an offset": re.compile(r" (EST-5|GMT\+0)$"),  # et-orbi: the first zone with that abbr
    "not a tz database name": re.compile(r" Europe/Berlinx$"),  # et-orbi: the longest known prefix
}


def _times(cron_line: str, start: float, count: int) -> list[int] | str:
    cron = parse_cron(cron_line, now=start)
    out, when = [], start
    try:
        for _ in range(count):
            when = cron.next_after(when)
            out.append(int(when))
    except CronEvaluationError:
        return "error"
    return out


def test_cron_lines_fire_when_fugit_says(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: Counter[str] = Counter()
    unexplained = []
    for line, tz, recorded in FIXTURE["crons"]:
        monkeypatch.setenv("TZ", tz)  # a line without a zone runs in the process's zone
        if not isinstance(recorded, list):  # fugit returns nil or raises: we refuse
            with pytest.raises(ScheduleSyntaxError, match=re.escape(repr(line))):
                parse_cron(line, now=1.8e9)
            seen["refused by both"] += 1
            continue
        try:
            parse_cron(line, now=recorded[0][0])
        except ScheduleSyntaxError as exc:
            reason = next((why for why, rex in EXPLAINED_REFUSALS.items() if rex.search(line) and why in str(exc)),
                          None)
            seen[f"refused: {reason}"] += 1
            if reason is None:
                unexplained.append((line, tz, str(exc)))
            continue
        for start, times in recorded:
            got = _times(line, start, FIXTURE["count"])
            seen["start compared"] += 1
            if got != (times if isinstance(times, list) else "error"):
                unexplained.append((line, tz, start, got, times))
    assert unexplained == []
    assert seen["start compared"] == 6400 and seen["refused by both"] == 136
    assert sum(n for why, n in seen.items() if why.startswith("refused: ")) == 10


def test_the_fixture_spans_zones_dst_and_process_zones() -> None:
    lines = FIXTURE["crons"]
    zones = Counter(line.split()[-1] for line, _, _ in lines if re.search(r"[A-Za-z]/|[+-]\d\d:?\d\d$", line))
    assert len(lines) >= 1500 and len(zones) >= 20
    assert {tz for _, tz, _ in lines} >= {"UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe"}


@pytest.mark.parametrize("case", FIXTURE["everys"], ids=lambda c: repr(c[0]))
def test_every_durations_as_fugit_reads_them(case: list) -> None:
    value, seconds, accepted = case
    assert duration_seconds(value) == seconds
    if accepted:
        assert parse_every(value).seconds == seconds
    else:
        with pytest.raises(ScheduleSyntaxError, match="every"):
            parse_every(value)


@pytest.mark.parametrize("case", FIXTURE["first_ats"], ids=lambda c: c[0])
def test_first_at_strings_as_et_orbi_reads_them(case: list, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", FIXTURE["recorded_with"]["TZ"])
    assert _first_at({"first_at": case[0]}) == case[1]


def _reference_times(fields: CronFields, zone: tzinfo, start: float, count: int) -> list[int]:
    """A straightforward cron, to see where fugit is wrong: every real instant whose wall
    time matches, in order; a wall time lived twice fires at its first occurrence only
    (unless that is at or before the start); weekdays ``#n``, ``%n`` and ``L`` by the
    calendar. Hours are walked in order: a repeated hour's two passes stay inside it."""
    out: list[int] = []
    first = datetime.fromtimestamp(int(start), zone).date() - timedelta(days=1)
    for k in range(3000):
        day = first + timedelta(days=k)
        if (fields.months is not None and day.month not in fields.months) or not _reference_day(fields, day):
            continue
        for hour in fields.hours if fields.hours is not None else range(24):
            minutes = fields.minutes if fields.minutes is not None else range(60)
            seconds = fields.seconds if fields.seconds is not None else range(60)
            top = datetime(day.year, day.month, day.day, hour)
            if len({zone.utcoffset(t.replace(fold=f)) for t in (top, top.replace(minute=59, second=59))
                    for f in (0, 1)}) == 1:  # no change within the hour: plain arithmetic
                base = int(top.replace(tzinfo=zone).timestamp())
                out.extend(t for m in minutes for s in seconds if (t := base + m * 60 + s) > int(start))
                if len(out) >= count:
                    return out[:count]
                continue
            found = []
            for minute in minutes:
                for second in seconds:
                    naive = datetime(day.year, day.month, day.day, hour, minute, second)
                    real = sorted(t for t in {int(naive.replace(tzinfo=zone, fold=f).timestamp()) for f in (0, 1)}
                                  if datetime.fromtimestamp(t, zone).replace(tzinfo=None) == naive)
                    if len(real) == 2 and real[0] >= int(start):
                        real = real[:1]
                    found.extend(t for t in real if t > int(start))
            out.extend(sorted(found))
            if len(out) >= count:
                return out[:count]
    return out


def _reference_day(fields: CronFields, day: date) -> bool:
    last = (date(day.year + day.month // 12, day.month % 12 + 1, 1) - timedelta(days=1)).day
    monthday = fields.monthdays is None or any((last + 1 + d if d < 1 else d) == day.day for d in fields.monthdays)
    weekday = True
    if fields.weekdays is not None:
        entry = next((h for d, h in fields.weekdays if d == (day.weekday() + 1) % 7), False)
        if entry is False:
            weekday = False
        elif isinstance(entry, tuple):
            weekday = ((day - date(2019, 1, 1)).days // 7 + 1 + entry[1]) % entry[0] == 0
        elif isinstance(entry, int):
            weekday = (day.day - 1) // 7 + 1 == entry if entry > 0 else -((last - day.day) // 7 + 1) == entry
    if fields.weekdays is not None and fields.monthdays is not None:
        return weekday or monthday
    return weekday and monthday


# fugit's defects (docs/interop.md lists them with examples)
LORD_HOWE = "30-minute DST change: the next-day jump lands at 00:30"
WEEKS = "#n / %n weeks counted in absolute seconds across a DST change"
LAST_DAY = "L: a 23-hour last day is not counted"
CROSS_ZONE = "a zone other than the process's: wall times compared across zones"
REPEATED_HOUR = "several times in a repeated hour: only the last one fired is passed over"


def _defect(cron: Cron, tz: str, start: float, times: list[int], reference: list[int]) -> str | None:
    """Which of fugit's defects explains its answer, checked where it can be."""
    line, zone = cron.line, cron.zone or local_zone()
    if "Lord_Howe" in line:
        return LORD_HOWE
    if re.search(r"[#%]", line.split()[-2 if _zone_of(line) else -1]):
        return WEEKS
    if re.search(r" (L|last|-\d)[ ,-]", line):
        return LAST_DAY
    if _zone_of(line) not in (None, tz) and _chain(cron, zone, start) == reference:
        return CROSS_ZONE  # from a start in the line's own zone fugit is right
    walls = [datetime.fromtimestamp(t, zone).replace(tzinfo=None) for t in times]
    once = [t for i, t in enumerate(times) if walls[i] not in walls[:i]]
    if len(once) < len(times) and once == reference[:len(once)]:
        return REPEATED_HOUR  # fugit's extra firings are wall times it had fired already
    return None


def _chain(cron: Cron, from_zone: tzinfo, start: float) -> list[int]:
    out, when = [], start
    for _ in range(FIXTURE["count"]):
        when = next_time(cron.line, cron.fields, cron.zone or from_zone, when, from_zone)
        out.append(when)
    return out


def _zone_of(line: str) -> str | None:
    parts = line.split()
    return parts[-1] if len(parts) in (6, 7) and re.search(r"[A-Z]{2}|[+-]\d\d:?\d\d$|/", parts[-1]) else None


def test_where_fugit_is_wrong_it_is_one_of_the_documented_defects(monkeypatch: pytest.MonkeyPatch) -> None:
    found: Counter[str] = Counter()
    unexplained = []
    for line, tz, recorded in FIXTURE["crons"]:
        if not isinstance(recorded, list) or any(rex.search(line) for rex in EXPLAINED_REFUSALS.values()):
            continue
        monkeypatch.setenv("TZ", tz)
        cron = parse_cron(line, now=recorded[0][0])
        for start, times in recorded:
            zone = cron.zone or local_zone()
            reference = _reference_times(cron.fields, zone, start, FIXTURE["count"])
            if times != reference:
                why = _defect(cron, tz, start, times, reference)
                found[str(why)] += 1
                if why is None:
                    unexplained.append((line, tz, start, times))
    assert unexplained == []
    print("fugit differs from a straightforward cron:", dict(found))
    assert sum(found.values()) == 34  # of 6,400 starts (docs/interop.md)
