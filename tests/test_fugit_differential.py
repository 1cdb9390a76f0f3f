"""Cron and every values against fugit's own answers, over generated lines.

tests/ruby/fugit_differential.rb (seeded) generated ~1,700 cron lines in fugit's grammar
(and some outside it) with ~30 zones and none (the process's zone, TZ, varied per line),
and recorded, for 4 start instants each around 2027's DST changes, fugit's next 5 times
as rufus-scheduler chains them; plus ~330 generated durations and a few first_at strings.
Every difference must be one of the refusals listed here (and in docs/interop.md).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from resque_interop.scheduler.durations import duration_seconds
from resque_interop.scheduler.schedule_times import (
    CronEvaluationError,
    ScheduleSyntaxError,
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
    assert seen["start compared"] == 6364 and seen["refused by both"] == 146


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
