"""Recurring schedules' run times against rufus-scheduler's recorded answers
(tests/ruby/rufus_next_times.rb wrote tests/ruby_fixtures/rufus_next_times.json)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from resque_interop.scheduler.schedule_times import ScheduleSyntaxError, parse_cron, parse_every
from resque_interop.scheduler.schedules import compile_entry

FIXTURE = json.loads((Path(__file__).parent / "ruby_fixtures" / "rufus_next_times.json").read_text())


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


@pytest.fixture(autouse=True)
def _utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", FIXTURE["recorded_with"]["TZ"])  # a line without a zone is local time


@pytest.mark.parametrize("case", FIXTURE["crons"], ids=lambda c: f"{c['cron']} from {c['from']} {c.get('tz', '')}")
def test_cron_next_times_match_rufus(case: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    if "tz" in case:
        monkeypatch.setenv("TZ", case["tz"])  # a line without a zone, in a process whose local zone this is
    if case["next"] is None:
        with pytest.raises(ScheduleSyntaxError, match="cron"):
            parse_cron(case["cron"])
        return
    cron = parse_cron(case["cron"])
    times, when = [], _epoch(case["from"])
    for _ in range(FIXTURE["count"]):
        when = cron.next_after(when)
        times.append(when)
    assert times == [_epoch(t) for t in case["next"]]


@pytest.mark.parametrize("case", FIXTURE["everys"], ids=lambda c: repr(c["every"]))
def test_every_durations_match_rufus(case: dict) -> None:
    if case["seconds"] is None:
        with pytest.raises(ScheduleSyntaxError, match="every"):
            parse_every(case["every"])
    else:
        assert parse_every(case["every"]).seconds == case["seconds"]


def test_the_fixture_covers_what_the_issue_asks() -> None:
    zoned = [c for c in FIXTURE["crons"] if "/" in c["cron"].split()[-1]]
    assert len(FIXTURE["crons"]) + len(FIXTURE["everys"]) >= 30 and len(zoned) >= 10


@pytest.mark.parametrize("line", ["0 12 * * mon&fri", "every day at noon", "0 0 30 2 *", "@reboot", "0 0 * * * ",
                                  "*/0 * * * *", "0 0 * * * +12:00", "0 0 * * * EST-5", "0 0 * * * Europe/Berlinx",
                                  "0 0 * * mon%0"])
def test_lines_fugit_refuses_or_guesses_are_refused_by_name(line: str) -> None:
    with pytest.raises(ScheduleSyntaxError, match=re.escape(repr(line))):
        parse_cron(line)


def _next(line: str, start: str, count: int = 3) -> list[str]:
    cron, when, out = parse_cron(line), _epoch(start), []
    for _ in range(count):
        when = cron.next_after(when)
        out.append(datetime.fromtimestamp(when, timezone.utc).strftime("%Y-%m-%d %H:%M"))
    return out


# the classes of difference found against fugit (issue 21), each with fugit's answer (recorded with
# Fugit::Cron#next_time from the same start, TZ=UTC)
@pytest.mark.parametrize(("line", "start", "fugit"), [
    ("0 0 1-7 * mon#1", "2027-06-01T12:00:00Z", ["2027-06-02 00:00", "2027-06-03 00:00", "2027-06-04 00:00"]),
    ("0 0 * * 2/2", "2027-06-01T12:00:00Z", ["2027-06-08 00:00", "2027-06-15 00:00", "2027-06-22 00:00"]),
    ("0 0 1 12-12 *", "2027-06-01T12:00:00Z", ["2027-12-01 00:00", "2028-12-01 00:00", "2029-12-01 00:00"]),
    ("0 0 */10 * sun-sat", "2027-06-01T12:00:00Z", ["2027-06-02 00:00", "2027-06-03 00:00", "2027-06-04 00:00"]),
    ("0 12 * * * EST", "2027-06-01T12:00:00Z", ["2027-06-01 17:00", "2027-06-02 17:00", "2027-06-03 17:00"]),
    ("0 12 * * * EST5EDT", "2027-06-01T12:00:00Z", ["2027-06-01 16:00", "2027-06-02 16:00", "2027-06-03 16:00"]),
    ("0 12 * * * +05:30", "2027-06-01T12:00:00Z", ["2027-06-02 06:30", "2027-06-03 06:30", "2027-06-04 06:30"]),
    ("0 0 last * *", "2027-06-01T12:00:00Z", ["2027-06-30 00:00", "2027-07-31 00:00", "2027-08-31 00:00"]),
    ("0 24 * * *", "2027-06-01T12:00:00Z", ["2027-06-02 00:00", "2027-06-03 00:00", "2027-06-04 00:00"]),
    ("0 9 * * mon%2", "2027-06-01T12:00:00Z", ["2027-06-07 09:00", "2027-06-21 09:00", "2027-07-05 09:00"]),
    ("0 9 * * fri#-2", "2027-06-01T12:00:00Z", ["2027-06-18 09:00", "2027-07-23 09:00", "2027-08-20 09:00"]),
])
def test_fugits_meaning_of_each_class_of_difference(line: str, start: str, fugit: list[str]) -> None:
    assert _next(line, start) == fugit


# fugit's own defects, kept so that a Python master fires when a Ruby one would
# (docs/interop.md "Cron and every": what fugit does and what a correct cron would do)
@pytest.mark.parametrize(("line", "tz", "start", "fugit"), [
    # a correct cron fires 2027-04-04 13:38 UTC (04-05 00:08 +1030): fugit's day jump lands at 00:30
    ("8 0 * * mon Australia/Lord_Howe", "UTC", "2027-03-27T00:00:00Z",
     ["2027-03-28 13:08", "2027-04-11 13:38", "2027-04-18 13:38"]),
    # the repeated 02:00 fires twice when the line's zone is not the process's (once when it is)
    ("0 0 2 * * * Europe/Berlin", "UTC", "2027-10-30T12:00:00Z",
     ["2027-10-31 00:00", "2027-10-31 01:00", "2027-11-01 01:00"]),
    ("0 0 2 * * * Europe/Berlin", "Europe/Berlin", "2027-10-30T12:00:00Z",
     ["2027-10-31 00:00", "2027-11-01 01:00", "2027-11-02 01:00"]),
    # 2027-03-14 06:00 EDT (10:00 UTC) is passed over: its wall time equals the start's in UTC
    ("0 6 * * * America/New_York", "UTC", "2027-03-14T06:00:00Z",
     ["2027-03-15 10:00", "2027-03-16 10:00", "2027-03-17 10:00"]),
    # 2027-03-15 is the third Monday; fugit counts weeks back in absolute seconds across the change
    ("0 0 * * mon#3", "America/New_York", "2027-03-10T00:00:00Z",
     ["2027-03-22 04:00", "2027-04-19 04:00", "2027-05-17 04:00"]),
    # several firings in the repeated hour: only the last wall time fired is passed over
    ("*/30 * * * *", "Europe/Berlin", "2027-10-30T23:50:00Z",
     ["2027-10-31 00:00", "2027-10-31 00:30", "2027-10-31 01:00"]),
    # April 30 2027 (Cairo, 23 h long) is the last day: fugit counts April 29 as last
    ("0 12 L * * Africa/Cairo", "UTC", "2027-04-20T12:00:00Z",
     ["2027-04-29 10:00", "2027-05-31 09:00", "2027-06-30 09:00"]),
])
def test_fugits_defects_are_kept(line: str, tz: str, start: str, fugit: list[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", tz)
    assert _next(line, start) == fugit


@pytest.mark.parametrize(("value", "seconds"), [("1m30", 90), ("1H", 3600), (".5s", 0.5), ("1d-2h", 79200),
                                                ("1 hour and 30 minutes", 5400), ("pt1h", 3600), (30, 30)])
def test_every_reads_fugit_durations(value: object, seconds: float) -> None:
    assert parse_every(value).seconds == seconds


@pytest.mark.parametrize("value", ["1 fortnight", True, None, [1], "0.2s", "-1h", "0s"])
def test_every_values_rufus_refuses_are_refused(value: object) -> None:
    with pytest.raises(ScheduleSyntaxError, match="every"):
        parse_every(value)


def test_first_in_zero_is_at_once_and_first_at_may_name_a_zone() -> None:
    entry = compile_entry("t", {"every": ["1h", {"first_in": 0}], "class": "T"})
    assert entry is not None and entry.first_run(1000.0) == 1000.0
    entry = compile_entry("t", {"every": ["1h", {"first_at": "2027-06-01 12:00:00 Europe/Berlin"}], "class": "T"})
    assert entry is not None and entry.first_at == _epoch("2027-06-01T10:00:00Z")
    with pytest.raises(ScheduleSyntaxError, match="first_in"):
        compile_entry("t", {"every": ["1h", {"first_in": "-5m"}], "class": "T"})
