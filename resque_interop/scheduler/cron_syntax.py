"""fugit 1.5.2's cron grammar: which lines rufus-scheduler 3.8.2 accepts and what each field means.

This mirrors ``Fugit::Cron::Parser`` (a PEG: every alternative commits to its first match,
nothing backtracks) and ``Fugit::Cron#init``'s expansion of each field into the values
it matches, quirks included, because fugit's reading *is* what a resque-scheduler
``cron:`` value means: ``2/2`` in the weekday field is Tuesday only (a step from a single
day), ``5/1`` is 5 only, ``12-12`` is 12, ranges wrap (``22-2`` hours, ``fri-mon``), hour
``24`` is 0, ``L``/``last``/negative days count from the month's end, ``mon#1,mon#3``
checks ``#1`` only (fugit looks up the first entry of a weekday), and a day of month
with a weekday matches when either does (classic cron). The time zone is resolved in
:func:`.cron_times.zone_for`, and lines are evaluated in :mod:`.cron_times`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .schedule_errors import CronRefused

SPECIALS = {
    "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@noon": "0 12 * * *", "@hourly": "0 * * * *",
}
MAXDAYS = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
WEEKDS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
MONTHS = ["-", "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

# fugit's piece regexes, applied at a position (Ruby's and Python's alternation order agree)
_BOUND = {
    "sec": re.compile(r"[0-5]?\d"),
    "min": re.compile(r"[0-5]?\d"),
    "hou": re.compile(r"(2[0-4]|[01]?[0-9])"),
    "dom": re.compile(r"(-?(3[01]|[12][0-9]|0?[1-9])|last|l)", re.IGNORECASE),
    "mon": re.compile(r"(1[0-2]|0?[1-9]|" + "|".join(MONTHS[1:]) + ")", re.IGNORECASE),
    "dow": re.compile(r"([0-7]|" + "|".join(WEEKDS) + ")", re.IGNORECASE),
}
_SLASH = re.compile(r"/\d\d?")
_HASH = re.compile(r"#(-?[1-5]|last|l)", re.IGNORECASE)
_MOD = re.compile(r"%\d+(\+\d+)?")
_SPACE = re.compile(r"[ \t]+")
_TZ_DELTA = re.compile(r" +[-+]([01][0-9]|2[0-4]):?(00|15|30|45)")
_TZ_NAME = re.compile(r" +[A-Z][a-zA-Z0-9+\-]+(/[A-Z][a-zA-Z0-9+\-_]+){0,2}")

# one element: [start, end, slash, hash, modulo] as fugit's rewrite_elt gives it
Element = tuple[int | None, int | None, int | None, int | None, tuple[int, int] | None]
Weekday = tuple[int, int | tuple[int, int] | None]  # (day 0-6, None | #n | (modulo, offset))


@dataclass(frozen=True)
class CronFields:
    """What a cron line matches; ``None`` is "any" (fugit's nil)."""

    seconds: tuple[int, ...] | None
    minutes: tuple[int, ...] | None
    hours: tuple[int, ...] | None
    monthdays: tuple[int, ...] | None
    months: tuple[int, ...] | None
    weekdays: tuple[Weekday, ...] | None
    zone: str | None


def parse_fields(line: str) -> CronFields | None:
    """fugit's ``Cron.parse``: the fields, or None where fugit returns nil. Raises
    :class:`CronRefused` where fugit raises while parsing (a ``/0`` step)."""
    text = SPECIALS.get(line, line)
    parsed = _Parser(text).cron()
    return None if parsed is None else _expand(parsed)


_FIELD_NAMES = {"sec": "seconds", "min": "minutes", "hou": "hours", "dom": "day-of-month", "mon": "month",
                "dow": "weekday"}


def why_refused(line: str) -> str:
    """Which construct makes fugit refuse a line that :func:`parse_fields` gave None for."""
    text = SPECIALS.get(line, line)
    if text.startswith("@"):
        return f"{text!r} is not one of fugit's specials ({', '.join(SPECIALS)})"
    if text != text.strip():
        return "leading or trailing blanks"
    tokens = text.split()
    if len(tokens) in (6, 7) and _Parser(tokens[-1])._list("dow", 0) is None:
        zone = tokens.pop()
        if not (_TZ_DELTA.fullmatch(" " + zone) or _TZ_NAME.fullmatch(" " + zone)):
            return f"the time zone {zone!r} is neither a zone name nor an offset like +05:30"
    if len(tokens) not in (5, 6):
        return f"expected 5 fields (or 6 with seconds first), then an optional time zone; found {len(tokens)}"
    kinds = ("sec", "min", "hou", "dom", "mon", "dow")[6 - len(tokens):]
    for kind, token in zip(kinds, tokens):
        out = _Parser(token)._list(kind, 0)
        if out is None or out[0] != len(token):
            return f"the {_FIELD_NAMES[kind]} field {token!r} is not in fugit's grammar"
    return "its day of month and month never meet (like February 30)"


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text

    def _rex(self, regex: re.Pattern[str], pos: int) -> int | None:
        m = regex.match(self.text, pos)
        return m.end() if m else None

    def cron(self) -> dict[str, object] | None:
        for kinds in (("sec", "min", "hou", "dom", "mon", "dow"), ("min", "hou", "dom", "mon", "dow")):
            out = self._seq(kinds)
            if out is not None:  # PEG: the first alternative that matches is kept, consumed or not
                end, fields = out
                return fields if end == len(self.text) else None
        return None

    def _seq(self, kinds: tuple[str, ...]) -> tuple[int, dict[str, object]] | None:
        pos = 0
        fields: dict[str, object] = {}
        for i, kind in enumerate(kinds):
            out = self._list(kind, pos)
            if out is None:
                return None
            pos, fields[kind] = out
            if i < len(kinds) - 1:
                end = self._rex(_SPACE, pos)
                if end is None:
                    return None
                pos = end
        for regex in (_TZ_DELTA, _TZ_NAME):
            m = regex.match(self.text, pos)
            if m:
                fields["tz"] = m.group(0).strip()
                return m.end(), fields
        return pos, fields

    def _list(self, kind: str, pos: int) -> tuple[int, list[Element]] | None:
        """jseq(elt, comma): a trailing comma without an element is given back."""
        elements: list[Element] = []
        while True:
            out = self._element(kind, pos)
            if out is None:
                break
            pos, element = out
            elements.append(element)
            if not self.text.startswith(",", pos):
                break
            if self._element(kind, pos + 1) is None:
                break
            pos += 1
        return (pos, elements) if elements else None

    def _element(self, kind: str, pos: int) -> tuple[int, Element] | None:
        if kind == "dow":
            after_day = self._rex(_BOUND["dow"], pos)
            if after_day is not None:
                for regex in (_HASH, _MOD):
                    end = self._rex(regex, after_day)
                    if end is not None:
                        day = _bound("dow", self.text[pos:after_day])
                        extra = self.text[after_day:end]
                        if regex is _HASH:
                            hsh = -1 if extra[1:2].upper() == "L" else int(extra[1:])
                            return end, (day, None, None, hsh, None)
                        mod, _, plus = extra[1:].partition("+")
                        return end, (day, None, None, None, (int(mod), int(plus or 0)))
        end = self._rex(_SLASH, pos)
        if end is not None:
            return end, (None, None, int(self.text[pos + 1:end]), None, None)
        first = second = None
        if self.text.startswith("*", pos):
            start = pos + 1
        else:
            bound_end = self._rex(_BOUND[kind], pos)
            if bound_end is None:
                return None
            start = bound_end
            first = _bound(kind, self.text[pos:start])
            if self.text.startswith("-", start):
                end = self._rex(_BOUND[kind], start + 1)
                if end is not None:
                    second = _bound(kind, self.text[start + 1:end])
                    start = end
        slash = None
        end = self._rex(_SLASH, start)
        if end is not None:
            slash = int(self.text[start + 1:end])
            start = end
        return start, (first, second, slash, None, None)


def _bound(kind: str, s: str) -> int:
    low = s.lower()
    if kind == "mon" and low in MONTHS:
        return MONTHS.index(low)
    if kind == "dow" and low in WEEKDS:
        return WEEKDS.index(low)
    if kind == "dom" and low[:1] == "l":
        return -1
    return int(s)


def _expand(parsed: dict[str, object]) -> CronFields | None:
    def values(kind: str, low: int, high: int, default: list[Element] | None = None) -> tuple[int, ...] | None:
        elements = parsed.get(kind, default)
        assert isinstance(elements, list)
        out: list[int | None] = []
        for element in elements:
            out.extend(_expand_one(low, high, element))
        if kind == "hou":
            out = [0 if h == 24 else h for h in out]
        return None if None in out else tuple(sorted({v for v in out if v is not None}))

    seconds = values("sec", 0, 59, [(0, None, None, None, None)])
    minutes = values("min", 0, 59)
    hours = values("hou", 0, 23)
    monthdays = values("dom", 1, 31)
    months = values("mon", 1, 12)
    weekdays = _weekdays(parsed["dow"])  # type: ignore[arg-type]
    if months is not None and monthdays is not None:  # fugit's compact_month_days: Feb 30 is no date
        pairs = [(m, d) for m in months for d in monthdays if d <= MAXDAYS[m]]
        if not pairs:
            return None
        months = tuple(dict.fromkeys(m for m, _ in pairs))
        monthdays = tuple(dict.fromkeys(d for _, d in pairs))
    zone = parsed.get("tz")
    return CronFields(seconds, minutes, hours, monthdays, months, weekdays, zone if isinstance(zone, str) else None)


def _expand_one(low: int, high: int, element: Element) -> list[int | None]:
    """fugit's ``expand``: a single value, or a range (wrapping past the top) with a step."""
    sta, edn, sla = element[0], element[1], element[2]
    if sla == 1:
        sla = None
    if sla is not None and edn is None:
        edn = high
    if sta is None and edn is None and sla is None:
        return [None]
    if sta is not None and edn is None:
        return [sta]
    if sla == 0:
        raise CronRefused("a step of /0")
    step = 1 if sla is None else sla
    sta = low if sta is None else sta
    if edn is None or (edn < 0 < sta):
        edn = high
    return list(_range(low, high, sta, edn, step))


def _range(low: int, high: int, sta: int, edn: int, step: int) -> list[int]:
    if sta < 0 < edn:
        raise CronRefused("a range from a negative day to a positive one")
    top = high
    if sta < 0:
        low, high = -high, -1
    out: list[int] = []
    cur = sta
    while True:
        out.append(cur)
        if cur == edn:
            break
        cur += 1
        if cur > high:
            cur = low
            if edn > high:
                edn = edn - high - 1
        if len(out) > 2 * top:
            raise CronRefused("a range fugit cannot walk")
    return list(dict.fromkeys(out[::step]))


def _weekdays(elements: list[Element]) -> tuple[Weekday, ...] | None:
    """fugit's ``determine_weekdays``: a step starts at its first day and stops at its last
    (``2/2`` is Tuesday only, ``*/2`` Sun/Tue/Thu/Sat), ranges wrap, 7 is Sunday."""
    out: list[Weekday] = []
    for a, z, sl, ha, mo in elements:
        if ha is not None or mo is not None:
            out.append((a or 0, ha if ha is not None else mo))
        elif sl is not None:
            first = a or 0
            last = z if z is not None else (a if a is not None else 6)
            out.extend((i, None) for i in range(first, last + 1, max(sl, 1)))
        elif z is not None:
            assert a is not None
            end = z + 7 if a > z else z
            out.extend((i - 7 if i > 6 else i, None) for i in range(a, end + 1))
        elif a is not None:
            out.append((a, None))
    normal = list(dict.fromkeys((0 if d == 7 else d, h) for d, h in out))
    try:
        normal.sort(key=_ruby_sort_key)
    except TypeError:  # Ruby cannot compare [1, 2] with [1, [2, 0]]: fugit raises
        raise CronRefused("a weekday with both #n and %n") from None
    return tuple(normal) or None


def _ruby_sort_key(day: Weekday) -> tuple[object, ...]:
    d, h = day
    return (d,) if h is None else (d, h)

