"""Ruby's ``Array#join`` of decoded JSON values, and resque-retry's key built from it.

resque-retry names its counter ``resque-retry:<Class>:<sha1hex(args.join('-'))>``. The
join is Ruby's: a nested array joins in place (an empty one still takes a place:
``[1, [], 2]`` gives ``1--2``), ``nil`` becomes ``""``, ``true``/``false``
their words, a Float ``Float#to_s`` (``100.0``, ``1.0e+15``, ``1.0e-05``) and a Hash
``Hash#inspect``, whose form changed in Ruby 3.4 (``{"a"=>1}`` before, ``{"a" => 1}``
from 3.4). The strings inside an inspected Hash use ``String#inspect``: characters Ruby's
Unicode tables call unprintable (controls, line/paragraph separators, unassigned code
points) are escaped; the table is Python's ``unicodedata``, so a code point assigned in
one Unicode version and not the other escapes differently (none that JSON payloads
written by people are likely to hold).
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import unicodedata
from collections.abc import Sequence
from typing import Any, Literal

from .rubynum import ruby_float

#: ``"3.3"``: ``{"a"=>1}`` (every Ruby up to 3.3: what Resque 3.0's Rubies write);
#: ``"3.4"``: ``{"a" => 1}`` (Ruby 3.4 and later).
HashStyle = Literal["3.3", "3.4"]
DEFAULT_HASH_STYLE: HashStyle = "3.3"
HASH_STYLE_VARIABLE = "RESQUE_RETRY_HASH_STYLE"


def fleet_hash_style() -> HashStyle:
    """The fleet's Hash#inspect form: ``RESQUE_RETRY_HASH_STYLE`` (``3.3`` or ``3.4``), else 3.3."""
    value = os.environ.get(HASH_STYLE_VARIABLE) or DEFAULT_HASH_STYLE
    if value not in ("3.3", "3.4"):
        raise ValueError(f"{HASH_STYLE_VARIABLE} must be 3.3 or 3.4, not {value!r}")
    return "3.4" if value == "3.4" else "3.3"

_SPECIAL = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\f": "\\f", "\v": "\\v", "\b": "\\b", "\a": "\\a", "\x1b": "\\e"}
_UNPRINTABLE = frozenset(("Cc", "Cn", "Cs", "Zl", "Zp"))
_WHITESPACE = re.compile(r"\s")


class RubyJoinError(TypeError):
    """A value that decoded JSON cannot hold (Ruby's join has no rule for it)."""


def float_to_s(value: float) -> str:
    """Ruby's ``Float#to_s`` (what the json gem writes too: :func:`rubynum.ruby_float`),
    with Ruby's words for NaN and the infinities, which JSON has none for."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return ruby_float(value)


def string_inspect(text: str) -> str:
    """Ruby's ``String#inspect`` of a UTF-8 string."""
    out = ['"']
    length = len(text)
    for i, ch in enumerate(text):
        if ch == '"' or ch == "\\":
            out.append("\\" + ch)
        elif ch == "#" and i + 1 < length and text[i + 1] in "{$@":
            out.append("\\#")
        elif ch in _SPECIAL:
            out.append(_SPECIAL[ch])
        elif ch != "\x85" and unicodedata.category(ch) in _UNPRINTABLE:
            cp = ord(ch)
            out.append(f"\\u{cp:04X}" if cp < 0x10000 else f"\\u{{{cp:X}}}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def inspect(value: Any, style: HashStyle = DEFAULT_HASH_STYLE) -> str:
    """Ruby's ``#inspect`` of a decoded JSON value."""
    if value is None:
        return "nil"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return string_inspect(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return float_to_s(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(inspect(v, style) for v in value) + "]"
    if isinstance(value, dict):
        arrow = "=>" if style == "3.3" else " => "
        return "{" + ", ".join(f"{inspect(k, style)}{arrow}{inspect(v, style)}" for k, v in value.items()) + "}"
    raise RubyJoinError(f"no Ruby form for {type(value).__name__}: {value!r}")


def _to_s(value: Any, style: HashStyle) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return inspect(value, style)


def _join(values: Sequence[Any], separator: str, style: HashStyle, depth: int) -> str:
    # a nested array is one element, its own join: [1, [], 2] -> "1--2" (not a plain flatten)
    if depth > 1000:
        raise RubyJoinError("arguments nested too deep to join")
    return separator.join(
        _join(v, separator, style, depth + 1) if isinstance(v, (list, tuple)) else _to_s(v, style) for v in values
    )


def ruby_join(values: Sequence[Any], separator: str = "-", style: HashStyle = DEFAULT_HASH_STYLE) -> str:
    """``values.join(separator)`` as Ruby writes it (nested arrays joined in place)."""
    return _join(values, separator, style, 0)


def retry_identifier(args: Sequence[Any], style: HashStyle = DEFAULT_HASH_STYLE) -> str | None:
    """resque-retry's ``retry_identifier``: sha1 hex of ``args.join('-')``, None when empty."""
    joined = ruby_join(args, "-", style)
    return hashlib.sha1(joined.encode("utf-8")).hexdigest() if joined else None


def retry_key_name(class_name: str, args: Sequence[Any], style: HashStyle = DEFAULT_HASH_STYLE) -> str:
    """``redis_retry_key``: ``resque-retry:<Class>[:<digest>]``, whitespace removed (the
    name under Resque's namespace)."""
    parts = ["resque-retry", class_name, retry_identifier(args, style)]
    return _WHITESPACE.sub("", ":".join(p for p in parts if p is not None))


def retry_failure_key_name(retry_key: str) -> str:
    """MultipleWithRetrySuppression's ``failure-<retry key>``."""
    return "failure-" + retry_key
