"""``schedule list``'s overview compiles each schedule once (the listing's compile is
shared), and says what compiling it again would say."""

from __future__ import annotations

import json
from typing import Any

import pytest
import redis

from resque_interop import Resque
from resque_interop.scheduler import forecast as forecast_module
from resque_interop.scheduler import schedules as schedules_module
from resque_interop.scheduler.forecast import forecast, overview

NOW = 1_900_000_000


def test_overview_compiles_each_schedule_once_and_forecasts_as_before(
    r: Resque, raw_redis: redis.Redis, monkeypatch: pytest.MonkeyPatch,
) -> None:
    r.schedules.set("hourly", {"every": "1h", "class": "Report", "queue": "low"}, persist=True)
    r.schedules.set("nightly", {"cron": "0 3 * * * UTC", "class": "Archive", "queue": "low"}, persist=True)
    r.schedules.set("manual", {"class": "Archive", "queue": "low"}, persist=True)
    r.schedules.set("elsewhere", {"every": "1s", "class": "Archive", "queue": "low", "rails_env": "staging"})
    # written by hand, as another tool could: a cron no scheduler parses
    raw_redis.hset("resque:persistent_schedules", "broken",
                   json.dumps({"cron": "not a cron", "class": "Archive", "queue": "low"}))
    raw_redis.hset("resque:delayed:last_enqueued_at", "hourly", "2030-03-17 16:46:40 +0000")

    compiled: list[str] = []
    original = schedules_module.compile_entry

    def counting(name: str, config: Any, strict: bool = False) -> Any:
        compiled.append(name)
        return original(name, config, strict)

    monkeypatch.setattr(schedules_module, "compile_entry", counting)
    monkeypatch.setattr(forecast_module, "compile_entry", counting)
    found = overview(r, "production", now=NOW)
    assert sorted(compiled) == ["broken", "elsewhere", "hourly", "manual", "nightly"]

    monkeypatch.setattr(schedules_module, "compile_entry", original)
    monkeypatch.setattr(forecast_module, "compile_entry", original)
    configs = r.schedules.all()
    for one in found.schedules:
        alone = forecast(one.name, configs[one.name], one.last_enqueued_at, "production", False, NOW)
        assert one == alone, one.name
    states = {one.name: one.state.split(":")[0] for one in found.schedules}
    assert states == {"hourly": "fires", "nightly": "fires", "manual": "manual only (no cron / every)",
                      "elsewhere": "skipped", "broken": "invalid"}
