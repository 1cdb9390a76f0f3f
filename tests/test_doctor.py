"""``resque-interop doctor`` tells which dialect wrote what is in Redis, from recordings of Ruby."""

from __future__ import annotations

import json

import pytest
import redis
from click.testing import CliRunner

from resque_interop import Registry, Resque
from resque_interop.cli import main
from resque_interop.client.doctor import diagnose

from .support.keyspace import load, restore, step

#: recording -> the dialects that write its bytes (oj_as: Oj with ActiveSupport writes as plain Oj)
RECORDINGS = {"rails": ["rails"], "oj_as": ["oj"], "oj_rails": ["oj_rails"], "rails_oj": ["rails_oj"]}


def _load_rails_args(raw_redis: redis.Redis, mode: str) -> None:
    restore(raw_redis, step(load(f"enqueue_payloads_{mode}.json"), "rails args alone")["keyspace"])
    restore(raw_redis, step(load(f"failures_{mode}.json"), "fail")["keyspace"])
    restore(raw_redis, step(load(f"delayed_{mode}.json"), "enqueue_at")["keyspace"])


@pytest.mark.parametrize("mode", RECORDINGS)
def test_doctor_names_the_dialect_ruby_wrote(mode: str, redis_url: str, raw_redis: redis.Redis) -> None:
    _load_rails_args(raw_redis, mode)
    raw_redis.sadd("resque:queues", "file_serve")
    found = diagnose(Resque(redis_url, registry=Registry(), dialect="json"))
    assert found.verdict == RECORDINGS[mode]
    assert found.telling > 5 and found.matches is False
    assert diagnose(Resque(redis_url, registry=Registry(), dialect=RECORDINGS[mode][0])).matches is True  # type: ignore[arg-type]


def test_doctor_cli_shows_the_evidence_and_fails_on_a_mismatch(redis_url: str, raw_redis: redis.Redis,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    _load_rails_args(raw_redis, "rails")
    raw_redis.sadd("resque:queues", "file_serve")
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.delenv("RESQUE_DIALECT", raising=False)
    runner = CliRunner()
    result = runner.invoke(main, ["doctor"])
    assert result.exit_code == 1, result.output
    assert "MISMATCH: configured json" in result.output and "RESQUE_DIALECT=rails" in result.output
    assert "\\u003cb\\u003e" in result.output  # the evidence: ActiveSupport's escapes, as stored
    result = runner.invoke(main, ["doctor", "--dialect", "rails", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["verdict"] == ["rails"] and report["matches"] is True and report["evidence"]


def test_doctor_says_when_nothing_tells(r: Resque, raw_redis: redis.Redis) -> None:
    r.enqueue_ruby("Archive", 44, "masterbrew", queue="file_serve")
    raw_redis.rpush("resque:queue:file_serve", b"{not json")
    found = diagnose(r)
    assert found.sampled == 2 and found.unreadable == 1 and found.telling == 0 and found.matches is None
