"""The codec writes Ruby's bytes in both MultiJson dialects and reads every peer's."""

from __future__ import annotations

import datetime
import decimal
import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resque_interop.errors import DecodeError, EncodeError
from resque_interop.schema.codec import Codec, oj_float, ruby_float

from .keyspace import NODE_FIXTURES, load

RUBY_ARGS = [
    44, -5, 1180591620717411303424, 0, 1.0, 0.1, 1.0e20, 1.5e-07, 100.0, -0.0, 123456789.125,
    "masterbrew", "é😀中", "/<script>&'\"", "\u2028\u2029", "\u0001\t\n\\", "", None, True, False,
    [], {}, {"a": {"b": [1, "x"]}}, {"sym": 1, "str": "symval"}, -1180591620717411303424,
]


@pytest.mark.parametrize("fixture,dialect", [("enqueue_payloads.json", "json"), ("enqueue_payloads_oj.json", "oj")])
def test_each_recorded_arg_encodes_to_rubys_bytes(fixture: str, dialect: str) -> None:
    codec = Codec(dialect)  # type: ignore[arg-type]
    recorded = load(fixture)["steps"][2]["keyspace"]["resque:queue:file_serve"]["value"][1:]
    assert len(recorded) == len(RUBY_ARGS)
    for arg, expected in zip(RUBY_ARGS, recorded):
        assert codec.encode({"class": "Archive", "args": [arg]}).decode() == expected
    all_in_one = load(fixture)["steps"][3]["keyspace"]["resque:queue:file_serve"]["value"][-1]
    assert codec.encode({"class": "Archive", "args": RUBY_ARGS}).decode() == all_in_one


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


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_any_float_round_trips_in_both_dialects(value: float) -> None:
    for dialect in ("json", "oj"):
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


def test_lone_surrogate_is_an_encode_error() -> None:
    with pytest.raises(EncodeError):
        Codec().encode(["\ud800"])


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
