"""The producer and introspection API reproduces the Ruby recordings byte for byte."""

from __future__ import annotations

import decimal

import pytest
import redis

from resque_interop import EncodeError, Hooks, NoClassError, NoQueueError, Registry, Resque

from .support.keyspace import dump, load, step
from .support.recordings import RAILS_ARGS, RECORDINGS, RUBY_ARGS, Archive, recording_registry


def test_enqueue_ruby_stores_exactly_what_resque_enqueue_stores(r: Resque, raw_redis: redis.Redis) -> None:
    assert r.enqueue_ruby("Archive", 44, "masterbrew", queue="file_serve") is True
    assert raw_redis.lrange("resque:queue:file_serve", 0, -1) == [b'{"class":"Archive","args":[44,"masterbrew"]}']
    assert raw_redis.smembers("resque:queues") == {b"file_serve"}


def _each_alone(r: Resque, args: list[object]) -> None:
    for arg in args:
        try:
            r.enqueue(Archive, arg)
        except (EncodeError, TypeError):
            pass  # Ruby raised too (Oj and NaN), or the recording's BigDecimal has no Python twin in this dialect


@pytest.mark.parametrize("fixture,dialect", RECORDINGS)
def test_enqueue_payloads_scenario(fixture: str, dialect: str, raw_redis: redis.Redis, redis_url: str) -> None:
    registry = recording_registry()
    r = Resque(redis_url, registry=registry, dialect=dialect)  # type: ignore[arg-type]
    rec = load(fixture)
    actions = {
        "enqueue Archive 44 masterbrew": lambda: r.enqueue(Archive, 44, "masterbrew"),
        "enqueue without args": lambda: r.enqueue("Noop"),
        "each arg kind alone": lambda: [r.enqueue(Archive, a) for a in RUBY_ARGS] and None,
        "all args in one job": lambda: r.enqueue(Archive, *RUBY_ARGS),
        "module class": lambda: r.enqueue("Foo::Bar", 1),
        "enqueue_to": lambda: r.enqueue_to("odd queue:name/é", Archive, 1),
        "push raw hash": lambda: r.push("raw", {"class": "Archive", "args": [1], "extra": "kept"}),
        # recorded with ActiveSupport loaded (tests/ruby/record_rails.rb)
        "rails args alone": lambda: raw_redis.delete("resque:queue:file_serve") and _each_alone(r, RAILS_ARGS),
        "html class name and queue": lambda: r.enqueue_to("q<&>", "A<b>&C", "<x>"),
    }
    for s in rec["steps"]:
        assert dump(raw_redis) == s["keyspace_before"], s["step"]
        result = actions[s["step"]]()
        if s["step"] == "rails args alone" and dialect in ("oj", "oj_rails"):
            # Ruby's BigDecimals (ActiveSupport's strings): Python's Oj dialects have no Decimal, so
            # they are pushed as Ruby wrote them, for the rest of the scenario to compare
            decimals = sum(isinstance(a, decimal.Decimal) for a in RAILS_ARGS)
            raw_redis.rpush("resque:queue:file_serve", *s["keyspace"]["resque:queue:file_serve"]["value"][-decimals:])
        if s["result"] is True:
            assert result is True
        assert dump(raw_redis) == s["keyspace"], s["step"]


def test_queue_introspection_scenario(r: Resque, raw_redis: redis.Redis) -> None:
    rec = load("queue_introspection.json")
    r.registry.register("Archive", lambda *a: None, queue="file_serve")
    r.registry.register("Noop", lambda *a: None, queue="low")
    for a in (1, 1, 1, 2, 3, 2):
        r.enqueue("Archive", a)
    r.enqueue("Noop")
    r.enqueue("Noop", 9)
    assert dump(raw_redis) == step(rec, "setup")["keyspace"]
    assert r.size("file_serve") == step(rec, "size")["result"]
    assert r.size("nope") == 0
    assert r.peek("file_serve", 0, 2) == step(rec, "peek two")["result"]
    assert r.peek("file_serve") == step(rec, "peek one (a Hash, not an Array)")["result"]
    assert r.peek("file_serve", 100, 1) is None
    assert r.queues() == step(rec, "queues")["result"]
    info = r.info()
    info.pop("servers")
    assert info == step(rec, "info")["result"]
    for name, action in [
        ("dequeue with args", lambda: r.dequeue("Archive", 1)),
        ("destroy by class and args", lambda: r.destroy("file_serve", "Archive", 2)),
        ("destroy by class", lambda: r.destroy("file_serve", "Archive")),
        ("dequeue without args (every Noop)", lambda: r.dequeue("Noop")),
    ]:
        s = step(rec, name)
        assert action() == s["result"], name
        assert dump(raw_redis) == s["keyspace"], name
    r.enqueue("Noop")
    assert r.remove_queue("low") == step(rec, "remove_queue")["result"]
    assert dump(raw_redis) == step(rec, "remove_queue")["keyspace"]
    assert r.remove_queue("file_serve") == step(rec, "remove_queue of the emptied file_serve")["result"]
    assert dump(raw_redis) == {}


def test_odd_queue_names_are_stored_as_given(r: Resque, raw_redis: redis.Redis) -> None:
    rec = load("queue_names_and_validation.json")
    odd = ["with space", "colon:inside", "slash/inside", "é😀中", "star*", "!bang", "dots.and-dashes_",
           "UPPER", "comma,inside", " padded ", "tab\tinside"]
    assert [r.enqueue_to(q, "Archive", 1) for q in odd] == step(rec, "odd queue names")["result"]
    assert dump(raw_redis) == step(rec, "odd queue names")["keyspace"]
    r.enqueue_to("sym_queue", "Archive", 2)
    r.enqueue_to("low", "Some::RubyOnly", 3)
    assert dump(raw_redis) == step(rec, "class name as a string")["keyspace"]


def test_validation_errors_match_ruby(r: Resque) -> None:
    rec = load("queue_names_and_validation.json")
    r.registry.register("NoQueue", lambda *a: None)
    with pytest.raises(NoQueueError) as info:
        r.enqueue("NoQueue", 6)
    assert str(info.value) == step(rec, "no queue")["result"].split(": ", 1)[1]
    for name in ("", None):
        with pytest.raises(NoClassError) as cls_info:
            r.enqueue_to("low", name, 7)
        assert str(cls_info.value) == "Jobs must be given a class."


def test_empty_queue_name_goes_where_ruby_puts_it(r: Resque, raw_redis: redis.Redis) -> None:
    r.enqueue_to("", "Archive", 8)
    assert raw_redis.lrange("resque:queue:", 0, -1) == [b'{"class":"Archive","args":[8]}']
    assert raw_redis.smembers("resque:queues") == {b""}


def test_before_enqueue_returning_false_cancels(r: Resque, raw_redis: redis.Redis) -> None:
    class Vetoed:
        queue = "low"
        seen: list[tuple[object, ...]] = []

        @staticmethod
        def perform(*args: object) -> None: ...

        @staticmethod
        def before_enqueue_veto(*args: object) -> bool:
            return list(args) != [1]

        @classmethod
        def after_enqueue_note(cls, *args: object) -> None:
            cls.seen.append(args)

    r.registry.register("Vetoed", Vetoed)
    assert [r.enqueue(Vetoed, 9), r.enqueue(Vetoed, 1)] == [True, None]
    assert raw_redis.lrange("resque:queue:low", 0, -1) == [b'{"class":"Vetoed","args":[9]}']
    assert Vetoed.seen == [(9,)]


def test_global_hooks_and_dequeue_hooks(r: Resque, raw_redis: redis.Redis) -> None:
    calls: list[str] = []

    class Audit(Hooks):
        def before_enqueue(self, queue: str, class_name: str, args: list[object]) -> bool | None:
            calls.append(f"before {queue} {class_name} {args}")
            return class_name != "Blocked"

        def after_enqueue(self, queue: str, class_name: str, args: list[object]) -> None:
            calls.append(f"after {class_name}")

        def before_dequeue(self, queue: str, class_name: str, args: list[object]) -> bool | None:
            return args != ["keep"]

    r.hooks.append(Audit())
    assert r.enqueue_to("q", "Blocked", 1) is None
    assert r.enqueue_to("q", "Fine", 2) is True
    r.enqueue_to("q", "Fine", "keep")
    assert calls == ["before q Blocked [1]", "before q Fine [2]", "after Fine", "before q Fine ['keep']", "after Fine"]
    assert r.dequeue("Fine", "keep", queue="q") is None
    assert r.dequeue("Fine", 2, queue="q") == 1
    assert r.size("q") == 1


def test_encode_error_touches_nothing(r: Resque, raw_redis: redis.Redis) -> None:
    import datetime

    from resque_interop import EncodeError

    with pytest.raises(EncodeError):
        r.enqueue_ruby("Archive", datetime.date(2026, 1, 1), queue="file_serve")
    assert raw_redis.keys("*") == []


def test_enqueue_many_pipelines_in_batches(r: Resque, raw_redis: redis.Redis) -> None:
    r.registry.register("Archive", lambda *a: None, queue="file_serve")
    n = r.enqueue_many([("Archive", [i]) for i in range(2500)] + [("other", "Ruby::Only", [1.5])], batch=1000)
    assert n == 2501
    assert raw_redis.llen("resque:queue:file_serve") == 2500
    assert raw_redis.lindex("resque:queue:file_serve", 1234) == b'{"class":"Archive","args":[1234]}'
    assert raw_redis.lrange("resque:queue:other", 0, -1) == [b'{"class":"Ruby::Only","args":[1.5]}']
    assert raw_redis.smembers("resque:queues") == {b"file_serve", b"other"}


def test_inline_mode_runs_at_enqueue(redis_url: str, raw_redis: redis.Redis) -> None:
    seen = []
    registry = Registry()
    registry.register("Archive", lambda *a: seen.append(a), queue="file_serve")
    r = Resque(redis_url, registry=registry, inline=True)
    r.enqueue("Archive", 44, 1.0)
    assert seen == [(44, 1.0)]
    assert raw_redis.keys("*") == []


def test_pop_and_push_keep_extra_fields(r: Resque) -> None:
    r.push("raw", {"class": "Archive", "args": [1], "extra": "kept"})
    assert r.pop("raw") == {"class": "Archive", "args": [1], "extra": "kept"}
    assert r.pop("raw") is None


def test_namespace_prefixes_every_key(redis_url: str, raw_redis: redis.Redis, monkeypatch: pytest.MonkeyPatch) -> None:
    Resque(redis_url, namespace="resque:GitHub").enqueue_to("x", "Archive", 1)
    monkeypatch.setenv("RESQUE_NAMESPACE", "other")
    Resque(redis_url).enqueue_to("y", "Archive", 2)
    assert sorted(raw_redis.keys("*")) == [b"other:queue:y", b"other:queues", b"resque:GitHub:queue:x",
                                          b"resque:GitHub:queues"]


def test_connection_strings(redis_url: str) -> None:
    from resque_interop.store.connection import normalize_url

    port = redis_url.rsplit(":", 1)[1].split("/")[0]
    assert normalize_url(f"127.0.0.1:{port}:2") == f"redis://127.0.0.1:{port}/2"
    assert normalize_url(f"127.0.0.1:{port}/3") == f"redis://127.0.0.1:{port}/3"
    assert normalize_url("rediss://h:1/0") == "rediss://h:1/0"
    assert Resque(f"127.0.0.1:{port}:2").redis.connection_pool.connection_kwargs["db"] == 2
    assert Resque(redis.Redis.from_url(redis_url)).redis.ping()
