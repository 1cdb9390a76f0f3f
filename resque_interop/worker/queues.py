"""A worker's queue list: priority order, ``*`` and globs, ``!`` negations.

Resolution follows Ruby's ``Worker#queues``: names are stripped; entries
starting with ``!`` are skip patterns; with any wildcard or skip pattern, each
entry is matched against the known queues (``File.fnmatch?`` rules), matches
sorted per entry and the result de-duplicated in order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from ..errors import InvalidQueueListError

WILDCARDS = frozenset("*?{}[]")


@lru_cache(maxsize=512)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """Ruby's ``File.fnmatch?`` without flags: ``*``, ``?``, ``[...]``, ``\\`` escapes;
    braces are literal; ``*`` crosses ``/``."""
    out, i, n = [], 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            out.append(".*")
        elif c == "?":
            out.append(".")
        elif c == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(pattern[i]))
        elif c == "[":
            j = i + 1
            if j < n and pattern[j] in "!^":
                j += 1
            if j < n and pattern[j] == "]":
                j += 1
            while j < n and pattern[j] != "]":
                j += 1
            if j >= n:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1: j]
                negate = body[:1] in ("!", "^")
                body = body[1:] if negate else body
                body = body.replace("\\", "\\\\")
                out.append(f"[{'^' if negate else ''}{body}]")
                i = j
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out) + r"\Z", re.DOTALL)


def fnmatch(pattern: str, name: str) -> bool:
    """Ruby's ``File.fnmatch?(pattern, name)``: a leading ``.`` only matches a literal one."""
    if name.startswith(".") and not pattern.startswith("."):
        return False
    return _glob_regex(pattern).match(name) is not None


class QueueList:
    """A parsed worker queue list."""

    def __init__(self, entries: Iterable[str]) -> None:
        names = [str(e).strip() for e in entries]
        self.skips = [n[1:] for n in names if n.startswith("!")]
        self.patterns = [n for n in names if not n.startswith("!")]
        if not self.patterns or all(p == "" for p in self.patterns):
            raise InvalidQueueListError("Please give each worker at least one queue.")
        bad = [p for p in self.patterns if ":" in p or "," in p]
        if bad:
            raise InvalidQueueListError(
                f"queue names {bad!r} hold ':' or ','; a worker id is host:pid:q1,q2 and "
                "resque-web and Ruby's pruning split it on those characters. Rename the "
                "queue, or reach it with a glob such as 'colon*'."
            )
        self.dynamic = bool(self.skips) or any(c in WILDCARDS for c in "".join(self.patterns))

    @classmethod
    def parse(cls, text: str) -> QueueList:
        """From ``QUEUE``/``QUEUES`` syntax: ``high,low``, ``*,!low``."""
        return cls(text.split(","))

    @property
    def id_part(self) -> str:
        """The queues part of the worker id (the patterns, skips left out), as Ruby."""
        return ",".join(self.patterns)

    def resolve(self, known: Sequence[str]) -> list[str]:
        """The queues to check, in priority order, given the known queue names."""
        if not self.dynamic:
            return list(self.patterns)
        seen: dict[str, None] = {}
        for pattern in self.patterns:
            matches = sorted(
                q for q in known
                if fnmatch(pattern, q) and not any(fnmatch(s, q) for s in self.skips)
            )
            for q in matches:
                seen.setdefault(q, None)
        return list(seen)

    def __repr__(self) -> str:
        return f"QueueList({self.patterns + ['!' + s for s in self.skips]!r})"
