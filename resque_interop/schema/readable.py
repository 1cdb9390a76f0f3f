"""Reading what other writers left: counters that may not be integers, text that
may not be UTF-8, values too large to show whole. The dashboard and the read API
use these so that one bad value is reported, never fatal.

Bytes become text here, by one of two policies: :func:`text` for a name or value
used as text (invalid UTF-8 replaced by U+FFFD), :func:`raw_text` for bytes shown
as they are (invalid UTF-8 escaped as ``\\xff``, so nothing is lost)."""

from __future__ import annotations

#: how much of an unreadable value is shown (the rest is cut, and says so)
PREVIEW = 200


def text(value: bytes | str) -> str:
    """A name or value read from Redis as text (invalid UTF-8 replaced)."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def raw_text(data: bytes | str) -> str:
    """Bytes shown as they are: invalid UTF-8 escaped (``\\xff``), readable and lossless."""
    return data.decode("utf-8", "backslashreplace") if isinstance(data, bytes) else data


def to_int(raw: bytes | str | int | None) -> int | None:
    """An integer counter's value; ``None`` when absent or not an integer (``1.5``,
    ``abc``, invalid UTF-8, thousands of digits)."""
    if raw is None:
        return None
    if isinstance(raw, int):
        return raw
    try:
        return int(raw)
    except ValueError:  # also raised past Python's int-from-text digit limit
        return None


def preview(raw: bytes | str, limit: int = PREVIEW) -> str:
    """Text of a value to show beside a warning: undecodable bytes escaped, cut at ``limit``."""
    text = raw_text(raw)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


def not_an_integer(key: str, raw: bytes | str) -> str:
    """The problem line for a counter that does not parse."""
    return f"{key} is not an integer: {preview(raw, 40)!r}"


def counted(n: int, singular: str, plural: str | None = None) -> str:
    """``1 job``, ``2 jobs``, ``0 jobs``: a count with its noun in the right number
    (``plural`` for the irregular ones: ``counted(n, "entry", "entries")``)."""
    return f"{n} {singular if n == 1 else plural or singular + 's'}"
