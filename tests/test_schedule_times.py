"""Recurring schedules' run times against rufus-scheduler's recorded answers
(tests/ruby/rufus_next_times.rb wrote tests/ruby_fixtures/rufus_next_times.json)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from resque_interop.scheduler.schedule_times import ScheduleSyntaxError, parse_cron, parse_every

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


@pytest.mark.parametrize("line", ["0 12 * * fri#-2", "0 12 * * mon&fri", "every day at noon", "0 0 30 2 *"])
def test_syntax_rufus_has_and_we_do_not_is_refused_by_name(line: str) -> None:
    with pytest.raises(ScheduleSyntaxError, match="cron"):
        parse_cron(line)


@pytest.mark.parametrize("value", ["PT1H", "1 hour", True, None, [1]])
def test_every_spellings_we_do_not_parse_are_refused(value: object) -> None:
    with pytest.raises(ScheduleSyntaxError, match="every"):
        parse_every(value)
