"""Rails ActiveJob's wire format, both ways (the client side is :mod:`resque_interop.client.activejob`).

With ActiveJob's ``:resque`` adapter every job arrives as
``{"class":"ActiveJob::QueueAdapters::ResqueAdapter::JobWrapper","args":[job_data]}``.
Consuming: ``job_data["job_class"]`` is looked up in the registry (register
``"ArchiveJob"`` as any class) and ``job_data["arguments"]`` are deserialised by
ActiveJob's rules. Producing: ``Resque.enqueue_activejob`` writes what Rails would.

Ruby -> Python:
  Symbol -> :class:`Symbol` (a ``str``); Time, DateTime, TimeWithZone -> aware
  ``datetime``; Date -> ``date``; Duration -> :class:`Duration` (a ``timedelta``
  with ``parts``); BigDecimal (Rails >= 7.1 serializer) -> ``Decimal``; Module ->
  :class:`RubyModule`; Range -> :class:`RubyRange`; ``_aj_globalid`` ->
  :class:`GlobalID`, or what the registry's ``globalid_resolver`` returns;
  symbol-keyed hashes -> dicts with :class:`Symbol` keys; a trailing
  ``_aj_ruby2_keywords`` hash -> Python keyword arguments.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import EncodeError, ResqueError
from . import timefmt
from .rubynum import rails_decimal

WRAPPER = "ActiveJob::QueueAdapters::ResqueAdapter::JobWrapper"
SERIALIZED = "_aj_serialized"
SYMBOL_KEYS = "_aj_symbol_keys"
RUBY2_KEYWORDS = "_aj_ruby2_keywords"
INDIFFERENT = "_aj_hash_with_indifferent_access"
GLOBALID = "_aj_globalid"
RESERVED = {SERIALIZED, SYMBOL_KEYS, RUBY2_KEYWORDS, INDIFFERENT, GLOBALID}
_S = "ActiveJob::Serializers::"


class Symbol(str):
    """A Ruby Symbol: equal to its name, and written back as a Symbol."""

    def __repr__(self) -> str:
        return f":{str.__str__(self)}"


class RubyModule(str):
    """A Ruby class or module, by name (never resolved to Python code)."""


class RubyRange(NamedTuple):
    """A Ruby Range (Rails >= 7.1's RangeSerializer)."""

    begin: Any
    end: Any
    exclude_end: bool


@dataclass(frozen=True)
class GlobalID:
    """A GlobalID URI (``gid://app/Model/1``) a resolver can turn into a record."""

    uri: str

    @property
    def model_name(self) -> str:
        return self.uri.split("/")[3] if self.uri.count("/") >= 4 else ""

    @property
    def model_id(self) -> str:
        return self.uri.split("/", 4)[4] if self.uri.count("/") >= 4 else ""


class Duration(timedelta):
    """An ActiveSupport::Duration: a timedelta of ``value`` seconds that keeps its ``parts``
    and its ``value`` as given (``Duration(5400.0, {"hours": 1.5})`` is ``1.5.hours``: a Float)."""

    parts: dict[str, Any]
    value: float | int

    def __new__(cls, value: float, parts: dict[str, Any] | None = None) -> Duration:
        self = super().__new__(cls, seconds=value)
        self.parts = dict(parts or {"seconds": value})
        self.value = value
        return self


class UnsupportedSerializer(ResqueError):
    """An ``_aj_serialized`` kind this bridge does not know."""

    def __init__(self, name: str) -> None:
        known = ", ".join(sorted(n.removeprefix(_S) for n in _DESERIALIZERS))
        super().__init__(f"unsupported ActiveJob serializer {name!r} (supported: {known})")
        self.name = name


# -- Ruby -> Python -----------------------------------------------------------
_ISO = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)?$")


def parse_time(text: str) -> datetime:
    """Ruby's ``Time.iso8601`` (nanoseconds cut to Python's microseconds)."""
    match = _ISO.match(text)
    if not match:
        raise ValueError(f"not an ISO 8601 time: {text!r}")
    base, frac, zone = match.groups()
    micro = int((frac or "0")[:6].ljust(6, "0"))
    dt = datetime.fromisoformat(base).replace(microsecond=micro)
    if zone in (None, "Z"):
        return dt.replace(tzinfo=timezone.utc)
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return dt.replace(tzinfo=timezone(sign * offset))


def _duration(data: dict[str, Any], resolver: Any) -> Duration:
    parts = deserialize(data.get("parts") or {}, resolver)
    if isinstance(parts, list):  # what every Rails writes: Arguments.serialize(parts) maps a Hash to pairs
        parts = dict(pair for pair in parts if isinstance(pair, list) and len(pair) == 2)
    return Duration(data["value"], {str(k): v for k, v in parts.items()})


def _time_with_zone(data: dict[str, Any], resolver: Any) -> datetime:
    """Rails >= 7.1 names the zone (``time_zone``): the datetime is put in it when Python knows it."""
    value = parse_time(data["value"])
    name = data.get("time_zone")
    if isinstance(name, str) and name:
        try:
            return value.astimezone(ZoneInfo(name))
        except (ValueError, ZoneInfoNotFoundError):
            return value
    return value


_DESERIALIZERS: dict[str, Any] = {
    _S + "SymbolSerializer": lambda d, r: Symbol(d["value"]),
    _S + "TimeSerializer": lambda d, r: parse_time(d["value"]),
    _S + "TimeWithZoneSerializer": _time_with_zone,
    _S + "DateTimeSerializer": lambda d, r: parse_time(d["value"]),
    _S + "DateSerializer": lambda d, r: date.fromisoformat(d["value"]),
    _S + "DurationSerializer": _duration,
    _S + "BigDecimalSerializer": lambda d, r: Decimal(d["value"]),
    _S + "ModuleSerializer": lambda d, r: RubyModule(d["value"]),
    _S + "RangeSerializer": lambda d, r: RubyRange(deserialize(d.get("begin"), r), deserialize(d.get("end"), r),
                                                   bool(d.get("exclude_end"))),
}


def deserialize(value: Any, resolver: Any = None) -> Any:
    """One ActiveJob argument as a Python value."""
    if isinstance(value, list):
        return [deserialize(v, resolver) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1 and GLOBALID in value:
        gid = GlobalID(value[GLOBALID])
        return resolver(gid) if resolver else gid
    if SERIALIZED in value:
        kind = value[SERIALIZED]
        handler = _DESERIALIZERS.get(kind)
        if handler is None:
            raise UnsupportedSerializer(str(kind))
        return handler(value, resolver)
    symbols = set(value.get(SYMBOL_KEYS) or value.get(RUBY2_KEYWORDS) or [])
    return {
        (Symbol(k) if k in symbols else k): deserialize(v, resolver)
        for k, v in value.items()
        if k not in RESERVED
    }


def deserialize_arguments(arguments: list[Any], resolver: Any = None) -> tuple[list[Any], dict[str, Any]]:
    """(args, kwargs): a trailing ``_aj_ruby2_keywords`` hash becomes keyword arguments."""
    kwargs: dict[str, Any] = {}
    if arguments and isinstance(arguments[-1], dict) and RUBY2_KEYWORDS in arguments[-1]:
        kwargs = {str(k): v for k, v in deserialize(arguments[-1], resolver).items()}
        arguments = arguments[:-1]
    return [deserialize(a, resolver) for a in arguments], kwargs


# -- Python -> Ruby -------------------------------------------------------------
def bigdecimal_to_s(value: Decimal) -> str:
    """Ruby's ``BigDecimal#to_s`` (what Rails 6.1 writes): ``Decimal("1.10")`` -> ``0.11e1``."""
    if not value.is_finite():
        return {"NaN": "NaN", "Infinity": "Infinity", "-Infinity": "-Infinity"}[str(value)]
    sign, digits, exponent = value.normalize().as_tuple()
    if not any(digits):
        return "-0.0" if sign else "0.0"
    text = "".join(map(str, digits)).rstrip("0") or "0"
    return f"{'-' if sign else ''}0.{text}e{len(digits) + int(exponent)}"


def _named_zone(value: datetime) -> bool:
    """A datetime in a named zone (zoneinfo, UTC included) is Ruby's TimeWithZone (``Time.current``
    in a Rails app, whose default zone is UTC); a fixed offset (``timezone.utc``) is a Time."""
    return type(value.tzinfo).__name__ == "ZoneInfo"


def _time_value(value: datetime) -> str:
    """``Time#iso8601(9)``: ``Z`` for UTC (a TimeWithZone: when its zone's abbreviation is UTC,
    as ``TimeWithZone#utc?``; London in winter is ``+00:00``), else the offset."""
    offset = value.utcoffset()
    if offset is None:
        raise EncodeError(f"naive datetime {value!r}: give it a tzinfo (ActiveJob needs an absolute time)")
    text = value.strftime("%Y-%m-%dT%H:%M:%S") + f".{value.microsecond:06d}000"
    utc = value.tzname() in ("UTC", "UCT") if _named_zone(value) else offset == timedelta(0)
    if utc:
        return text + "Z"
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return text + f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _zone_name(value: datetime) -> str:
    """``time_zone.tzinfo.name`` as Rails >= 7.1 writes it (Rails' "UTC" zone is ``Etc/UTC``)."""
    key = str(getattr(value.tzinfo, "key", "") or value.tzname())
    return "Etc/UTC" if key == "UTC" else key


#: The dialects of a Ruby with ActiveSupport's JSON loaded (a Rails app): BigDecimal#to_s is "1.1" there.
WITH_ACTIVESUPPORT = ("rails", "oj_rails", "rails_oj")


def _at_least(rails: str, version: str) -> bool:
    """``rails`` (``"6.1"``, ``"7.0"``, ``"8.0"``) is ``version`` or newer."""
    def parts(text: str) -> tuple[int, ...]:
        return tuple(int(p) for p in text.split(".") if p.isdigit())

    return parts(rails) >= parts(version)


def _decimal_text(value: Decimal, activesupport: bool) -> str:
    """BigDecimal's ``to_s``: ``"1.1"`` with ActiveSupport (every Rails app), ``"0.11e1"`` without."""
    return (rails_decimal(value) or "NaN") if activesupport and value.is_finite() else bigdecimal_to_s(value)


def serialize(value: Any, rails: str = "6.1", activesupport: bool = False) -> Any:
    """One Python value as ActiveJob would serialize its Ruby counterpart (``activesupport``: Ruby
    has ActiveSupport's JSON loaded, as a Rails app has; it changes how a BigDecimal is written)."""
    if value is None or isinstance(value, (bool, int, float)) and not isinstance(value, Symbol):
        return value
    if isinstance(value, (Symbol, RubyModule)):
        kind = "SymbolSerializer" if isinstance(value, Symbol) else "ModuleSerializer"
        return {SERIALIZED: _S + kind, "value": str.__str__(value)}
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, Decimal):
        if _at_least(rails, "7.1"):
            return {SERIALIZED: _S + "BigDecimalSerializer", "value": _decimal_text(value, activesupport)}
        return _decimal_text(value, activesupport)
    if isinstance(value, datetime):
        if not _named_zone(value):
            return {SERIALIZED: _S + "TimeSerializer", "value": _time_value(value)}
        data = {SERIALIZED: _S + "TimeWithZoneSerializer", "value": _time_value(value)}
        if _at_least(rails, "7.1"):
            data["time_zone"] = _zone_name(value)
        return data
    if isinstance(value, date):
        return {SERIALIZED: _S + "DateSerializer", "value": value.isoformat()}
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
        total: float | int = int(seconds) if seconds.is_integer() else seconds
        if isinstance(value, Duration):
            total = value.value
        parts = value.parts if isinstance(value, Duration) else {"seconds": total}
        # Arguments.serialize(duration.parts) maps the Hash: a list of [Symbol, number] pairs
        return {SERIALIZED: _S + "DurationSerializer", "value": total,
                "parts": [[serialize(Symbol(k), rails), n] for k, n in parts.items()]}
    if isinstance(value, GlobalID):
        return {GLOBALID: value.uri}
    if isinstance(value, RubyRange):
        if not _at_least(rails, "7.0"):
            raise EncodeError(f"Rails {rails} has no RangeSerializer (added in 7.0): {value!r}")
        return {SERIALIZED: _S + "RangeSerializer", "begin": serialize(value.begin, rails, activesupport),
                "end": serialize(value.end, rails, activesupport), "exclude_end": value.exclude_end}
    if isinstance(value, (list, tuple)):
        return [serialize(v, rails, activesupport) for v in value]
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        symbols = []
        for key, item in value.items():
            if not isinstance(key, str):
                raise EncodeError(f"ActiveJob hash keys must be strings or Symbols, got {key!r}")
            if key in RESERVED:
                raise EncodeError(f"Can't serialize a Hash with reserved key {key!r}")
            if isinstance(key, Symbol):
                symbols.append(str.__str__(key))
            out[str.__str__(key)] = serialize(item, rails, activesupport)
        out[SYMBOL_KEYS] = symbols
        return out
    raise EncodeError(f"ActiveJob cannot serialize {type(value).__qualname__}: {value!r}")


def job_data(job_class: str, args: tuple[Any, ...], kwargs: dict[str, Any], queue: str, *,
             timezone_name: str | None = None, locale: str = "en", priority: int | None = None,
             job_id: str | None = None, rails: str = "6.1", activesupport: bool = False,
             scheduled_at: float | None = None) -> dict[str, Any]:
    """What ``ActiveJob::Base#serialize`` returns (field order included): Rails >= 7.1 writes
    ``enqueued_at`` with nanoseconds and ``scheduled_at`` (the epoch ``scheduled_at``, or null)."""
    arguments = [serialize(a, rails, activesupport) for a in args]
    if kwargs:
        hash_ = serialize({Symbol(k): v for k, v in kwargs.items()}, rails, activesupport)
        hash_[RUBY2_KEYWORDS] = hash_.pop(SYMBOL_KEYS)
        arguments.append(hash_)
    data: dict[str, Any] = {
        "job_class": job_class,
        "job_id": job_id or str(uuid.uuid4()),
        "provider_job_id": None,
        "queue_name": queue,
        "priority": priority,
        "arguments": arguments,
        "executions": 0,
        "exception_executions": {},
        "locale": locale,
        "timezone": timezone_name,
        "enqueued_at": timefmt.run_at(),
    }
    if _at_least(rails, "7.1"):
        data["enqueued_at"] = _time_value(datetime.now(timezone.utc))
        data["scheduled_at"] = (None if scheduled_at is None else
                                _time_value(datetime.fromtimestamp(scheduled_at, timezone.utc)))
    return data
