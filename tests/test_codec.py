"""The codec writes Ruby's bytes in every dialect (json gem, Oj, and both with ActiveSupport) and reads every peer's."""

from __future__ import annotations

import datetime
import decimal
import json
import math
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resque_interop.errors import DecodeError, EncodeError
from resque_interop.schema.codec import (
    DIALECTS,
    Codec,
    int_text,
    oj_float,
    oj_rails_float,
    ruby_float,
    text_int,
)

from .support.keyspace import NODE_FIXTURES, load, step
from .support.recordings import ACTIVESUPPORT_RECORDINGS, RAILS_ARGS, RECORDINGS, RUBY_ARGS


@pytest.mark.parametrize("fixture,dialect", RECORDINGS)
def test_each_recorded_arg_encodes_to_rubys_bytes(fixture: str, dialect: str) -> None:
    codec = Codec(dialect)  # type: ignore[arg-type]
    recorded = load(fixture)["steps"][2]["keyspace"]["resque:queue:file_serve"]["value"][1:]
    assert len(recorded) == len(RUBY_ARGS)
    for arg, expected in zip(RUBY_ARGS, recorded):
        assert codec.encode({"class": "Archive", "args": [arg]}).decode() == expected
    all_in_one = load(fixture)["steps"][3]["keyspace"]["resque:queue:file_serve"]["value"][-1]
    assert codec.encode({"class": "Archive", "args": RUBY_ARGS}).decode() == all_in_one


@pytest.mark.parametrize("mode,dialect", ACTIVESUPPORT_RECORDINGS)
def test_rails_args_encode_to_the_bytes_ruby_wrote_with_activesupport(mode: str, dialect: str) -> None:
    rec = load(f"enqueue_payloads_{mode}.json")
    outcomes = step(rec, "rails args alone")["result"]
    written = iter(step(rec, "rails args alone")["keyspace"]["resque:queue:file_serve"]["value"])
    codec = Codec(dialect)  # type: ignore[arg-type]
    for arg, outcome in zip(RAILS_ARGS, outcomes, strict=True):
        if isinstance(arg, decimal.Decimal) and dialect in ("oj", "oj_rails"):
            next(written)  # Ruby's Oj writes ActiveSupport's BigDecimal string; Python's oj dialect has no Decimal
            continue
        if outcome != "ok":  # Oj raises GeneratorError for NaN and Infinity
            with pytest.raises(EncodeError):
                codec.encode_job("Archive", [arg])
            continue
        expected = next(written).encode()
        assert codec.encode_job("Archive", [arg]) == expected, arg
        assert codec.encode({"class": "Archive", "args": [arg]}) == expected, arg
    html = step(rec, "html class name and queue")["keyspace"]["resque:queue:q<&>"]["value"]
    assert [codec.encode_job("A<b>&C", ["<x>"]).decode()] == html


def test_activesupport_escapes_are_read_back_as_the_characters() -> None:
    data = Codec("rails").encode({"k<&>\u2028": "<b>&\u2029"})
    assert data == b'{"k\\u003c\\u0026\\u003e\\u2028":"\\u003cb\\u003e\\u0026\\u2029"}'
    for dialect in DIALECTS:
        assert Codec(dialect).decode(data) == {"k<&>\u2028": "<b>&\u2029"}  # type: ignore[arg-type]


@pytest.mark.parametrize("value,json_gem,oj", [
    (1.0, "1.0", "1.0"), (100.0, "100.0", "100.0"), (1e20, "1.0e+20", "1.0e+20"),
    (1.5e-07, "1.5e-07", "1.5e-07"), (-0.0, "-0.0", "0.0"), (1e15, "1.0e+15", "1000000000000000.0"),
    (1e16, "1.0e+16", "10000000000000000.0"), (9.2e18, "9.2e+18", "9200000000000000000.0"),
    (9.3e18, "9.3e+18", "9.3e+18"), (1234567890123456.8, "1234567890123456.8", "1234567890123456.8"),
    (0.0001, "0.0001", "0.0001"), (9.5e-05, "9.5e-05", "9.5e-05"), (5e-324, "5.0e-324", "5.0e-324"),
    (1.7976931348623157e308, "1.7976931348623157e+308", "1.7976931348623157e+308"),
    (-(2.0**63), "-9.223372036854776e+18", "-9223372036854775808.0"),
    (2.0**63, "9.223372036854776e+18", "9.223372036854776e+18"),
])
def test_float_dialects(value: float, json_gem: str, oj: str) -> None:
    assert ruby_float(value) == json_gem
    assert oj_float(value) == oj


@pytest.mark.parametrize("value,text", [
    (0.30000000000000004, "0.3"), (1234567890123456.8, "1234567890123457"), (9.5e-05, "9.500000000000001e-05"),
    (5e-324, "4.940656458412465e-324"), (1e22, "1e+22"), (1e15, "1000000000000000.0"), (-0.0, "0.0"),
    (2.0**63, "9.223372036854776e+18"),
])
def test_oj_rails_mode_floats(value: float, text: str) -> None:
    assert oj_rails_float(value) == text
    assert Codec("rails_oj").encode([value, float("nan")]) == f"[{text},null]".encode()


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_any_float_round_trips_in_the_exact_dialects(value: float) -> None:
    for dialect in ("json", "oj", "rails"):  # oj_rails rounds to 16 digits, as Oj's Rails mode does
        text = Codec(dialect).encode([value])  # type: ignore[arg-type]
        back = json.loads(text)[0]
        assert back == value and (value != 0 or dialect == "oj" or math.copysign(1, back) == math.copysign(1, value))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=25,
)


@given(json_values)
def test_decode_encode_round_trip(value: object) -> None:
    codec = Codec()
    decoded = codec.decode(codec.encode(value))
    assert decoded == value or (isinstance(value, float) and math.isnan(value))
    # what Ruby would write back after reading is what we wrote
    assert codec.encode(decoded) == codec.encode(value)


@pytest.mark.parametrize("bad", [
    {1, 2}, datetime.datetime(2026, 1, 1), decimal.Decimal("1.1"), object(), float("nan"), float("inf"),
    {1: "int key"}, b"bytes",
])
def test_values_json_cannot_carry_raise_clearly(bad: object) -> None:
    with pytest.raises(EncodeError) as info:
        Codec().encode({"class": "Archive", "args": [bad]})
    assert "JSON" in str(info.value)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_lone_surrogate_anywhere_is_an_encode_error(dialect: str) -> None:
    codec = Codec(dialect)  # type: ignore[arg-type]
    for value in (["\ud800"], {"\udfff": 1}, {"a": [{"b": "x\ud800y"}]}):
        with pytest.raises(EncodeError, match="not valid Unicode"):
            codec.encode(value)
    with pytest.raises(EncodeError, match="not valid Unicode"):
        codec.encode_job("Arch\ud800ive", [1])


@pytest.mark.parametrize("dialect", DIALECTS)
def test_integers_past_pythons_digit_limit_round_trip(dialect: str) -> None:
    codec = Codec(dialect)  # type: ignore[arg-type]
    huge = 7**20000  # 16,902 digits; Python's int/str limit is 4,300
    assert huge.bit_length() * 0.30103 > sys.get_int_max_str_digits()
    data = codec.encode_job("Archive", [huge, -huge, 1.5])
    digits = data.decode().split("[")[1].split(",")[0]
    assert text_int(digits) == huge and int_text(huge) == digits
    assert codec.decode(data) == {"class": "Archive", "args": [huge, -huge, 1.5]}
    assert codec.decode_job(data)["args"][0] == huge


@pytest.mark.parametrize("dialect", DIALECTS)
def test_decodes_and_encodes_as_deep_as_the_dialects_ruby(dialect: str) -> None:
    codec = Codec(dialect)  # type: ignore[arg-type]
    limit = codec.nesting_limit(wrapped=False)
    deepest = b"[" * limit + b"1" + b"]" * limit
    value = codec.decode(deepest)
    assert codec.encode(value) == deepest
    with pytest.raises(EncodeError, match="reads at most"):
        codec.encode([value])
    assert codec.decode(b"[" * 1001 + b"]" * 1001) is not None  # reads what any Ruby writes


def test_subclasses_of_json_types_encode_as_their_base() -> None:
    import enum

    class Colour(str, enum.Enum):
        RED = "red"

    class Level(enum.IntEnum):
        HIGH = 3

    assert Codec().encode([Colour.RED, Level.HIGH, (1, 2)]) == b'["red",3,[1,2]]'


def test_decode_error_keeps_raw_text() -> None:
    with pytest.raises(DecodeError) as info:
        Codec().decode(b"not json{")
    assert info.value.raw == b"not json{"


def test_decodes_everything_node_resque_writes() -> None:
    data = json.loads((NODE_FIXTURES / "node_resque_payloads.json").read_text())
    codec = Codec()
    for case in data["cases"]:
        assert isinstance(codec.decode(case["queue_bytes"]), dict)
        working = codec.decode(case["working_key_bytes"])
        assert working["payload"]["class"] == "Hold"
    lifecycle = json.loads((NODE_FIXTURES / "node_resque.json").read_text())
    for s in lifecycle["steps"]:
        for entry in s["keyspace"].values():
            values = entry["value"] if isinstance(entry["value"], list) else [entry["value"]]
            for v in values:
                if isinstance(v, str) and v.startswith("{"):
                    codec.decode(v)
