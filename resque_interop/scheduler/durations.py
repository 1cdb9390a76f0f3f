"""fugit 1.5.2's durations (``Fugit::Duration.parse(s).to_sec``), which rufus-scheduler 3.8.2
uses for ``every`` and ``first_in``.

fugit reads a list of signed groups of ``<number><unit>`` (``1h30m``, ``1h 30m``,
``1 hour and 30 minutes``, ``1d-2h`` = 22 h), where a number with no unit at the very end
is seconds (``1m30`` = 90 s), units are y (365 d), M (30 d), w, d, h (any case:
``1H``), m (lower case only: minutes), s; numbers may be decimals (``.5s``, ``1.5h``).
Failing that it tries ISO 8601 on the upper-cased text (``pt1h``). The grammar is a PEG,
mirrored here piece by piece.
"""

from __future__ import annotations

import re

_NUMBER = r"(\d+\.\d*|(?:\d*\.)?\d+)"
# (name, regex, seconds per unit), in fugit's order of trial
_UNITS: list[tuple[str, re.Pattern[str], int]] = [
    ("yea", re.compile(_NUMBER + r" *y(ears?)?", re.IGNORECASE), 365 * 86400),
    ("mon", re.compile(_NUMBER + r" *(M|months?)"), 30 * 86400),
    ("wee", re.compile(_NUMBER + r" *w(eeks?)?", re.IGNORECASE), 7 * 86400),
    ("day", re.compile(_NUMBER + r" *d(ays?)?", re.IGNORECASE), 86400),
    ("hou", re.compile(_NUMBER + r" *h(ours?)?", re.IGNORECASE), 3600),
    ("min", re.compile(_NUMBER + r" *m(in(ute)?s?)?"), 60),
    ("sec", re.compile(_NUMBER + r" *s(ec(ond)?)?s?", re.IGNORECASE), 1),
    ("sec", re.compile(r"(\d+\.\d*|\.\d+|\d+)$", re.MULTILINE), 1),
]
_SECONDS = {name: seconds for name, _, seconds in _UNITS}
_SIGN = re.compile(r"[-+]?")
_SEP = re.compile(r"(?:[ \t,]+|and)*", re.IGNORECASE)
_ISO = re.compile(r"P((?:-?\d+[YMWD])*)(?:T((?:-?\d+H|-?\d+M|-?(?:\d*\.)?\d+S)+))?")
_ISO_PART = re.compile(r"(-?(?:\d*\.)?\d+)([YMWDHS])")
_ISO_DATE = {"Y": "yea", "M": "mon", "W": "wee", "D": "day"}
_ISO_TIME = {"H": "hou", "M": "min", "S": "sec"}

Number = int | float


def duration_seconds(text: str) -> Number | None:
    """Seconds in a fugit duration string, or None where fugit reads no duration."""
    s = text.strip()
    parts = {} if s == "" else _plain(s)  # fugit reads an empty string as 0 s
    if parts is None:
        parts = _iso(s.upper())
    if parts is None:
        return None
    total: Number = 0
    for name in ("yea", "mon", "wee", "day", "hou", "min", "sec"):
        if parts.get(name):
            total += parts[name] * _SECONDS[name]
    return total


def _value(number: str) -> Number:
    return float(number) if "." in number else int(number)


def _plain(s: str) -> dict[str, Number] | None:
    """jseq(sdur, sep): groups, each a sign then one or more elements, with separators."""
    parts: dict[str, Number] = {}
    pos, groups = 0, 0
    while True:
        group = _group(s, pos)
        if group is None:
            break
        pos, values = group
        groups += 1
        for name, value in values.items():
            parts[name] = parts.get(name, 0) + value
        sep = _SEP.match(s, pos)
        assert sep is not None  # it matches the empty string
        after = _group(s, sep.end())
        if after is None:
            break
        pos = sep.end()
    return parts if groups and pos == len(s) else None


def _group(s: str, pos: int) -> tuple[int, dict[str, Number]] | None:
    sign_match = _SIGN.match(s, pos)
    assert sign_match is not None
    sign = -1 if sign_match.group(0) == "-" else 1
    pos = sign_match.end()
    values: dict[str, Number] = {}
    found = False
    while True:
        for name, regex, _ in _UNITS:
            m = regex.match(s, pos)
            if m:
                values[name] = values.get(name, 0) + _value(m.group(1))
                pos, found = m.end(), True
                break
        else:
            break
    if not found:
        return None
    return pos, {name: sign * value for name, value in values.items()}


def _iso(s: str) -> dict[str, Number] | None:
    m = _ISO.fullmatch(s)
    if not m:
        return None
    parts: dict[str, Number] = {}
    for section, names in ((m.group(1) or "", _ISO_DATE), (m.group(2) or "", _ISO_TIME)):
        for number, unit in _ISO_PART.findall(section):
            parts[names[unit]] = parts.get(names[unit], 0) + _value(number)
    return parts
