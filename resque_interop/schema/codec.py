"""Ruby-compatible JSON: the bytes Ruby Resque's ``Resque.encode`` writes.

Ruby Resque encodes through MultiJson, whose output depends on the adapter it
finds. Two dialects are reproduced byte for byte:

* ``"json"`` -- the json gem (MultiJson's default): floats as Ruby's
  ``Float#to_s`` (``1.0``, ``1.0e+20``, ``1.5e-07``, ``-0.0``).
* ``"oj"`` -- Oj in compat mode (picked when the oj gem is installed): an
  integral float below 2**63 in magnitude is written in full (``1e15`` ->
  ``1000000000000000.0``) and negative zero as ``0.0``; other floats as Ruby.

Strings are written raw UTF-8 with only ``"``, ``\\`` and control characters
escaped (``/``, ``<``, ``&`` and U+2028 left as they are), as both gems do;
msgspec already writes exactly that, so only numbers need our help.

Nesting is bounded as Ruby bounds it. The json gem refuses to parse or write
JSON nested deeper than 100 (``max_nesting``); Oj (3.14) parses any depth but
refuses to write 1,000 or deeper. Ruby wraps a job one level deeper than it
was pushed (``worker:<id>``, failure entries), so a job payload may nest at
most one less than the limit: 99 for the json gem, 998 for Oj. Python
refuses to encode deeper values, and a worker fails (never runs) a payload
deeper than that, whatever another producer pushed.
"""

from __future__ import annotations

import math
import re
from typing import Any, Literal

import msgspec

from ..errors import DecodeError, EncodeError

Dialect = Literal["json", "oj"]
DIALECTS: tuple[Dialect, ...] = ("json", "oj")

_Raw = msgspec.Raw

#: The deepest JSON each dialect's Ruby reads and writes back (see above).
MAX_NESTING: dict[str, int] = {"json": 100, "oj": 999}
_BRACKETS = re.compile(rb"[\[\]{}]")
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_LLONG_MIN = -(2**63)
_LLONG_LIMIT = 2**63


def _shortest_digits(value: float) -> tuple[str, int]:
    """Shortest round-trip digits of a positive finite float and the decimal
    point position: ``value == 0.<digits> * 10**decpt``."""
    text = repr(value)
    exp = 0
    if "e" in text:
        text, exp_text = text.split("e")
        exp = int(exp_text)
    int_part, _, frac_part = text.partition(".")
    if int_part.strip("0"):
        digits = (int_part + frac_part).lstrip("0")
        decpt = len(int_part.lstrip("0")) + exp
    else:
        stripped = frac_part.lstrip("0")
        decpt = exp - (len(frac_part) - len(stripped))
        digits = stripped
    return digits.rstrip("0") or "0", decpt


def ruby_float(value: float) -> str:
    """``Float#to_s`` as Ruby (and the json gem) writes it."""
    if value == 0.0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    if not math.isfinite(value):
        raise EncodeError(f"{value!r} is not allowed in JSON (Ruby raises GeneratorError too)")
    sign = "-" if value < 0 else ""
    digits, decpt = _shortest_digits(abs(value))
    ndigits = len(digits)
    if decpt > 0:
        if decpt < ndigits:  # a fractional part: ddd.ddd
            return f"{sign}{digits[:decpt]}.{digits[decpt:]}"
        if decpt <= 15:  # an integral value of at most DBL_DIG digits: ddd000.0
            return f"{sign}{digits}{'0' * (decpt - ndigits)}.0"
    elif decpt > -4:  # 0.000ddd
        return f"{sign}0.{'0' * -decpt}{digits}"
    exponent = decpt - 1
    return f"{sign}{digits[0]}.{digits[1:] or '0'}e{'+' if exponent >= 0 else '-'}{abs(exponent):02d}"


def oj_float(value: float) -> str:
    """A float as Oj (compat mode, MultiJson's Oj adapter) writes it."""
    if value == 0.0:
        return "0.0"
    if math.isfinite(value) and value.is_integer() and _LLONG_MIN <= value < _LLONG_LIMIT:
        return f"{value:.1f}"
    return ruby_float(value)


_FLOAT_WRITERS = {"json": ruby_float, "oj": oj_float}


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

    __slots__ = ("dialect", "max_nesting", "_float", "_encoder", "_decoder", "_prefixes")

    def __init__(self, dialect: Dialect = "json") -> None:
        if dialect not in _FLOAT_WRITERS:
            raise ValueError(f"unknown JSON dialect {dialect!r}; choose one of {DIALECTS}")
        self.dialect: Dialect = dialect
        #: the deepest nesting this dialect's Ruby reads and writes
        self.max_nesting = MAX_NESTING[dialect]
        self._float = _FLOAT_WRITERS[dialect]
        self._encoder = msgspec.json.Encoder()
        self._decoder = msgspec.json.Decoder()
        self._prefixes: dict[str, bytes] = {}

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

    def _encode(self, value: Any, wrapped: bool) -> bytes:
        """:meth:`encode` without the nesting check (callers check the whole text once)."""
        try:
            return self._encoder.encode(self.prepare(value))
        except RecursionError:
            raise EncodeError(self._too_deep(None, wrapped)) from None
        except EncodeError as exc:
            path = _locate(value)
            raise EncodeError(f"{exc} (at {path})" if path else str(exc)) from None
        except (TypeError, ValueError, UnicodeEncodeError) as exc:
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
        gem = "the json gem's max_nesting of 100" if self.dialect == "json" else "Oj's write limit of 999"
        return (
            f"{what} {found}; Ruby ({gem}, one level taken by the record that wraps a job) "
            f"reads at most {limit} in the {self.dialect!r} dialect"
        )

    def encode_job(self, class_name: str, args: Any) -> bytes:
        """``{"class":<name>,"args":[...]}`` as Ruby writes it, the prefix cached per class."""
        prefix = self._prefixes.get(class_name)
        if prefix is None:
            prefix = b'{"class":' + self._encoder.encode(class_name) + b',"args":'
            if len(self._prefixes) < 4096:
                self._prefixes[class_name] = prefix
        data = prefix + self._encode(args if type(args) is list else list(args), True) + b"}"
        self.check_nesting(data)
        return data

    def decode(self, data: bytes | str) -> Any:
        """Parse JSON written by Ruby, node-resque or Python. Anything that cannot be
        read (invalid JSON or UTF-8, nesting past the interpreter's recursion limit,
        a value too large for memory) is a :class:`DecodeError` keeping the raw data."""
        try:
            return self._decoder.decode(data)
        except msgspec.DecodeError as exc:
            raise DecodeError(f"not valid JSON: {exc}", data) from None
        except RecursionError:
            raise DecodeError("nested too deep to decode", data) from None
        except (MemoryError, ValueError, TypeError, UnicodeError) as exc:
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


def raw_text(data: bytes | str) -> str:
    """Text of undecodable bytes, kept readable and lossless enough to show."""
    if isinstance(data, str):
        return data
    return data.decode("utf-8", errors="backslashreplace")


DEFAULT_CODEC = Codec("json")
