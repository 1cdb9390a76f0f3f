"""Ruby-compatible JSON: the bytes Ruby Resque's ``Resque.encode`` writes.

Ruby Resque encodes through MultiJson, whose output depends on the adapter it
finds and on whether ActiveSupport is loaded (every Rails app loads it). Five
dialects are reproduced byte for byte, each recorded from Ruby:

* ``"json"`` -- the json gem (MultiJson's default), no ActiveSupport: floats as
  Ruby's ``Float#to_s`` (``1.0``, ``1.0e+20``, ``1.5e-07``, ``-0.0``).
* ``"oj"`` -- Oj in compat mode (picked when the oj gem is installed), with or
  without ActiveSupport: an integral float below 2**63 in magnitude is written
  in full (``1e15`` -> ``1000000000000000.0``) and negative zero as ``0.0``;
  other floats as Ruby.
* ``"rails"`` -- the json gem with ActiveSupport loaded (a stock Rails app):
  ``Resque.encode`` goes through ActiveSupport's JSON encoder, which writes
  ``<``, ``>``, ``&`` as ``\\u003c``, ``\\u003e``, ``\\u0026`` and U+2028/U+2029 as
  ``\\u2028``/``\\u2029`` (in keys too), NaN and Infinity as ``null`` and a
  BigDecimal (here: ``decimal.Decimal``) as its ``to_s`` string (``"1.1"``);
  floats as the json gem.
* ``"oj_rails"`` -- ``Oj.optimize_rails`` (an Oj Rails shop; MultiJson picks Oj):
  Oj's Rails-mode floats (``%.16g``: ``0.30000000000000004`` -> ``0.3``,
  ``1e20`` -> ``1e+20``; integral ones below 2**63 in full), strings raw as Oj's.
* ``"rails_oj"`` -- ``Oj.optimize_rails`` with MultiJson forced onto the json gem:
  ActiveSupport's interface with Oj doing the work: the rails dialect's strings,
  NaN and BigDecimal with the oj_rails dialect's floats.

Other strings are written raw UTF-8 with only ``"``, ``\\`` and control
characters escaped, as the gems do; msgspec already writes exactly that.

Nesting is bounded as Ruby bounds it. The json gem refuses to parse JSON
nested deeper than 100 (``max_nesting``; with ActiveSupport it writes any
depth but still reads only 100); Oj parses any depth, writes 999 levels in
compat mode (also under ``Oj.optimize_rails``) and 1,000 when it stands in
for ActiveSupport's encoder (``rails_oj``). Ruby wraps a job one level deeper than
it was pushed (``worker:<id>``, failure entries), so a job payload may nest at
most one less than the limit: 99 for the json gem, 998 for Oj. Python
refuses to encode deeper values, and a worker fails (never runs) a payload
deeper than that, whatever another producer pushed.

Integers have no size limit in Ruby; Python's int/str conversion limit (4,300
digits) is worked around here, so such integers are read and written as Ruby does.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Literal

import msgspec

from ..errors import DecodeError, EncodeError
from .rubynum import (
    DIGIT_CHUNK,
    int_text,
    oj_float,
    oj_rails_float,
    rails_decimal,
    rails_float,
    rails_oj_float,
    ruby_float,
    text_int,
)

Dialect = Literal["json", "oj", "rails", "oj_rails", "rails_oj"]
DIALECTS: tuple[Dialect, ...] = ("json", "oj", "rails", "oj_rails", "rails_oj")

_Raw = msgspec.Raw

#: The deepest JSON each dialect's Ruby reads and writes back (see above).
MAX_NESTING: dict[str, int] = {"json": 100, "oj": 999, "rails": 100, "oj_rails": 999, "rails_oj": 1000}
#: What a dialect's Ruby is, for messages.
_LIMIT_NAMES = {
    "json": "the json gem's max_nesting of 100",
    "oj": "Oj's compat-mode write limit of 999",
    "rails": "the json gem's max_nesting of 100 when reading",
    "oj_rails": "Oj's compat-mode write limit of 999",
    "rails_oj": "Oj's Rails-mode write limit of 1,000",
}
#: Python frames a nesting level costs while preparing and encoding (the recursion headroom asked for).
_FRAMES_PER_LEVEL = 2
_BRACKETS = re.compile(rb"[\[\]{}]")
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
#: What ActiveSupport's encoder escapes beyond the json gem (outside strings JSON has none of them).
_HTML_UNSAFE = re.compile(rb"[<>&]|\xe2\x80[\xa8\xa9]")
_HTML_ESCAPES = {b"<": b"\\u003c", b">": b"\\u003e", b"&": b"\\u0026",
                 "\u2028".encode(): b"\\u2028", "\u2029".encode(): b"\\u2029"}
_FLOAT_WRITERS: dict[str, Callable[[float], str]] = {
    "json": ruby_float, "oj": oj_float, "rails": rails_float, "oj_rails": oj_rails_float, "rails_oj": rails_oj_float,
}
#: The dialects whose strings go through ActiveSupport's encoder (escaped <>& U+2028 U+2029, BigDecimal strings)
_ACTIVESUPPORT = frozenset({"rails", "rails_oj"})


def escape_html(data: bytes) -> bytes:
    """ActiveSupport's extra escapes on encoded JSON: ``<`` ``>`` ``&`` U+2028 U+2029 as ``\\uXXXX``."""
    if _HTML_UNSAFE.search(data) is None:
        return data
    return _HTML_UNSAFE.sub(lambda m: _HTML_ESCAPES[m.group()], data)


def _with_headroom(call: Callable[[], Any], levels: int) -> Any:
    """Run ``call`` again with room for ``levels`` more nesting levels on the stack (Python's
    default recursion limit of 1,000 is below the 1,000 levels Oj writes); RecursionError if
    there already was that much room."""
    frame, depth = sys._getframe(), 0
    while frame is not None:
        depth += 1
        frame = frame.f_back  # type: ignore[assignment]
    wanted = depth + _FRAMES_PER_LEVEL * levels + 100
    if sys.getrecursionlimit() >= wanted:
        raise RecursionError("nested too deep")
    sys.setrecursionlimit(wanted)  # only ever raised, never lowered: other threads may rely on it
    return call()


def _raw_big_ints(value: Any) -> Any:
    """``value`` with integers past Python's digit limit as raw JSON numbers (a rare, slow path)."""
    if isinstance(value, bool) or value is None or isinstance(value, (str, float)):
        return value
    if isinstance(value, int):
        return _Raw(int_text(int(value)).encode()) if not -(10**DIGIT_CHUNK) < value < 10**DIGIT_CHUNK else value
    if isinstance(value, (list, tuple)):
        return [_raw_big_ints(v) for v in value]
    if isinstance(value, dict):
        return {k: _raw_big_ints(v) for k, v in value.items()}
    if isinstance(value, msgspec.Struct):
        return msgspec.structs.replace(value, **{name: _raw_big_ints(getattr(value, name))
                                                 for name in value.__struct_fields__})
    return value


def _describe(value: Any) -> str:
    return f"{type(value).__module__}.{type(value).__qualname__}"


def nesting_depth(data: bytes) -> int:
    """How deep the arrays and objects of JSON text nest (brackets in strings ignored);
    for text with at most 64 brackets, an upper bound (their count): cheap for
    ordinary payloads, the full scan runs only when there are many brackets."""
    brackets = data.count(b"[") + data.count(b"{")
    if brackets <= 64:
        return brackets
    depth = deepest = 0
    for match in _BRACKETS.finditer(_STRING.sub(b"", data)):
        if match.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


class Codec:
    """Encodes and decodes Resque's JSON in one dialect."""

    __slots__ = ("dialect", "max_nesting", "_float", "_activesupport", "_encoder", "_decoder", "_prefixes")

    def __init__(self, dialect: Dialect = "json") -> None:
        if dialect not in _FLOAT_WRITERS:
            raise ValueError(f"unknown JSON dialect {dialect!r}; choose one of {', '.join(DIALECTS)}")
        self.dialect: Dialect = dialect
        #: the deepest nesting this dialect's Ruby reads and writes
        self.max_nesting = MAX_NESTING[dialect]
        self._float = _FLOAT_WRITERS[dialect]
        self._activesupport = dialect in _ACTIVESUPPORT
        self._encoder = msgspec.json.Encoder()
        self._decoder = msgspec.json.Decoder()
        self._prefixes: dict[str, bytes] = {}

    @property
    def escapes_html(self) -> bool:
        """Whether this dialect writes ``<>&`` and U+2028/2029 escaped (ActiveSupport's
        encoder under the json gem), where the others write them raw."""
        return self._activesupport

    def prepare(self, value: Any) -> Any:
        """Check ``value`` and turn its floats into raw Ruby-formatted numbers."""
        kind = type(value)
        if kind is str or kind is int or kind is bool or value is None:
            return value
        if kind is float:
            return _Raw(self._float(value).encode())
        if kind is list or kind is tuple:
            prepare = self.prepare
            return [prepare(item) for item in value]
        if kind is dict:
            prepare = self.prepare
            out = {}
            for key, item in value.items():
                if type(key) is not str:
                    if not isinstance(key, str):
                        raise EncodeError(f"JSON object keys must be strings, got {_describe(key)} key {key!r}")
                    key = str.__str__(key)
                out[key] = prepare(item)
            return out
        if kind is _Raw:
            return value
        if isinstance(value, msgspec.Struct):
            fields = {name: self.prepare(getattr(value, name)) for name in value.__struct_fields__}
            return msgspec.structs.replace(value, **fields)
        # subclasses of the JSON types (IntEnum, str enums, OrderedDict, ...)
        if isinstance(value, bool):
            return bool(value)
        if isinstance(value, int):
            return int(value)
        if isinstance(value, str):
            return str.__str__(value)  # the text, not an Enum's repr-like str()
        if isinstance(value, float):
            return self.prepare(float(value))
        if isinstance(value, (list, tuple)):
            return self.prepare(list(value))
        if isinstance(value, dict):
            return self.prepare(dict(value))
        if isinstance(value, Decimal) and self._activesupport:
            return rails_decimal(value)  # ActiveSupport writes a BigDecimal as its to_s
        raise EncodeError(
            f"cannot encode {_describe(value)} as JSON: {value!r}. "
            "Resque payloads hold only null, booleans, numbers, strings, lists and "
            "string-keyed dicts; convert it first (e.g. a datetime to an ISO string)."
        )

    def encode(self, value: Any, *, wrapped: bool = False) -> bytes:
        """The bytes Ruby's ``Resque.encode(value)`` writes in this dialect. ``wrapped``:
        a job payload, which Ruby wraps one level deeper (so one level less is allowed)."""
        data = self._encode(value, wrapped)
        self.check_nesting(data, wrapped)
        return data

    def _encode(self, value: Any, wrapped: bool, big_ints_done: bool = False) -> bytes:
        """:meth:`encode` without the nesting check (callers check the whole text once)."""
        try:
            try:
                data = self._encoder.encode(self.prepare(value))
            except RecursionError:
                data = _with_headroom(lambda: self._encoder.encode(self.prepare(value)), self.max_nesting + 2)
            return escape_html(data) if self._activesupport else data
        except RecursionError:
            raise EncodeError(self._too_deep(None, wrapped)) from None
        except EncodeError as exc:
            path = _locate(value)
            raise EncodeError(f"{exc} (at {path})" if path else str(exc)) from None
        except UnicodeEncodeError as exc:
            raise EncodeError(f"cannot encode value as JSON: a string is not valid Unicode ({exc.reason}: "
                              f"{exc.object[exc.start:exc.end]!r}); Ruby cannot write it either") from None
        except ValueError as exc:
            if "integer string conversion" not in str(exc) or big_ints_done:
                raise EncodeError(f"cannot encode value as JSON: {exc}") from None
            return self._encode(_raw_big_ints(value), wrapped, True)  # Ruby writes integers of any size
        except TypeError as exc:
            raise EncodeError(f"cannot encode value as JSON: {exc}") from None

    def nesting_limit(self, wrapped: bool = True) -> int:
        """The deepest JSON Ruby reads in this dialect; one less for a job payload (``wrapped``)."""
        return self.max_nesting - 1 if wrapped else self.max_nesting

    def check_nesting(self, data: bytes, wrapped: bool = True) -> None:
        """Raise :class:`EncodeError` for JSON nested deeper than Ruby reads."""
        depth = nesting_depth(data)
        if depth > self.nesting_limit(wrapped):
            raise EncodeError(self._too_deep(depth, wrapped))

    def _too_deep(self, depth: int | None, wrapped: bool) -> str:
        limit = self.nesting_limit(wrapped)
        what = "a job payload" if wrapped else "a value"
        found = f"nests {depth} deep" if depth is not None else "nests past Python's recursion limit"
        return (
            f"{what} {found}; Ruby ({_LIMIT_NAMES[self.dialect]}, one level taken by the record that wraps a "
            f"job) reads at most {limit} in the {self.dialect!r} dialect"
        )

    def encode_job(self, class_name: str, args: Any) -> bytes:
        """``{"class":<name>,"args":[...]}`` as Ruby writes it, the prefix cached per class."""
        prefix = self._prefixes.get(class_name)
        if prefix is None:
            prefix = b'{"class":' + self._encode(class_name, False) + b',"args":'
            if len(self._prefixes) < 4096:
                self._prefixes[class_name] = prefix
        data = prefix + self._encode(args if type(args) is list else list(args), True) + b"}"
        self.check_nesting(data)
        return data

    def decode(self, data: bytes | str) -> Any:
        """Parse JSON written by Ruby, node-resque or Python. Anything that cannot be
        read (invalid JSON or UTF-8, nesting past what any Ruby writes, a value too large
        for memory) is a :class:`DecodeError` keeping the raw data."""
        try:
            try:
                return self._decoder.decode(data)
            except RecursionError:
                return _with_headroom(lambda: self._decoder.decode(data), max(MAX_NESTING.values()) + 2)
        except msgspec.DecodeError as exc:
            if "Integer value out of range" in str(exc):
                return self._decode_big_ints(data)
            raise DecodeError(f"not valid JSON: {exc}", data) from None
        except RecursionError:
            raise DecodeError("nested too deep to decode", data) from None
        except (MemoryError, ValueError, TypeError, UnicodeError) as exc:
            raise DecodeError(f"cannot decode: {type(exc).__name__}: {exc}", data) from None

    @staticmethod
    def _decode_big_ints(data: bytes | str) -> Any:
        """Decode JSON holding integers past Python's 4,300-digit limit (msgspec refuses them;
        Ruby writes them): the standard library's parser, integers converted in chunks."""
        try:
            return json.loads(data, parse_int=text_int)
        except (ValueError, RecursionError, UnicodeError) as exc:
            raise DecodeError(f"cannot decode: {type(exc).__name__}: {exc}", data) from None

    def decode_job(self, data: bytes) -> Any:
        """Decode a job payload a worker is about to run: also refuses nesting deeper than
        this dialect's Ruby would read once the payload is wrapped (``worker:<id>``)."""
        limit = self.nesting_limit()
        depth = nesting_depth(data) if isinstance(data, bytes) else 0
        if depth > limit:
            raise DecodeError(
                f"payload nests {depth} deep; Ruby ({self.dialect} dialect) reads at most {limit} in a job",
                data,
            )
        return self.decode(data)

    def __repr__(self) -> str:
        return f"Codec({self.dialect!r})"


_PLAIN = (str, int, float, bool, type(None))


def _locate(value: Any, path: str = "$") -> str | None:
    """Where in ``value`` the first thing JSON cannot carry sits (only on errors)."""
    if isinstance(value, _PLAIN):
        if isinstance(value, float) and not math.isfinite(value):
            return path
        return None
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            found = _locate(item, f"{path}[{i}]")
            if found:
                return found
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                return path
            found = _locate(item, f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(value, msgspec.Struct):
        for name in value.__struct_fields__:
            found = _locate(getattr(value, name), f"{path}.{name}")
            if found:
                return found
        return None
    return path


def dialect_from_env(default: Dialect = "json") -> Dialect:
    """The dialect named by ``RESQUE_DIALECT`` (``json``, ``oj``, ``rails``, ``oj_rails``), else ``default``;
    :class:`ValueError` naming the choices for anything else."""
    name = os.environ.get("RESQUE_DIALECT", "").strip().lower() or default
    if name not in DIALECTS:
        raise ValueError(f"RESQUE_DIALECT={name!r} is not a JSON dialect; choose one of {', '.join(DIALECTS)}")
    return name


DEFAULT_CODEC = Codec("json")
