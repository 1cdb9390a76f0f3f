"""resque-scheduler's selection API over the delayed queue: ``find_delayed_selection``,
``remove_delayed_selection`` and ``enqueue_delayed_selection`` (``client.delayed``).

The matching rule is Ruby's ``payload_matches_selection?``: an item matches when
its ``class`` equals the class asked for (any class when none is) and the
predicate, given the item's ``args`` as decoded JSON, says so. Items are then
removed (or queued) by their exact bytes across every timestamp, as Ruby's
``remove_delayed_job`` does. Where Ruby raises on an item it cannot decode, it is
skipped here (it never matches). For a command line or a form, where no
predicate can be written, :func:`args_contain` matches by JSON containment.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .protocols import SchedulerClient

#: Ruby's block: given a delayed item's ``args``, whether to select it
Match = Callable[[Any], bool]


def find(client: SchedulerClient, match: Match, class_name: str | None = None) -> list[bytes]:
    """The encoded items that match, in schedule order, a copy once per list entry (as Ruby)."""
    found = []
    for item in client.store.delayed.all_items():
        try:
            payload = client.codec.decode(item)
        except ValueError:
            continue
        if payload_matches(payload, class_name, match):
            found.append(item)
    return found


def payload_matches(payload: Any, class_name: str | None, match: Match) -> bool:
    """resque-scheduler's ``payload_matches_selection?``."""
    if not isinstance(payload, dict):
        return False
    return (class_name is None or payload.get("class") == class_name) and bool(match(payload.get("args")))


def args_contain(pattern: Any) -> Match:
    """A predicate selecting the items whose args contain ``pattern``: a list pattern
    is contained when each of its elements is contained by one of the args, any other
    pattern when one of the args contains it; an object when every key it names holds
    a value that contains the pattern's (PostgreSQL's ``jsonb @>`` rule). ``44`` selects
    ``[44, "x"]``, ``{"account_id": 7}`` selects ``[{"account_id": 7, "day": 3}]``."""
    wanted = pattern if isinstance(pattern, list) else [pattern]
    return lambda args: contains(args if isinstance(args, list) else [args], wanted)


def parse_match(text: str | None) -> Match:
    """A command line's or a form's match: :func:`args_contain` of the JSON ``text``, or
    every job when it is empty. ValueError naming the problem when it is not JSON."""
    if text is None or not text.strip():
        return lambda args: True
    try:
        pattern = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"the match must be JSON, e.g. 44, \"x\" or {{\"account_id\": 7}} ({exc})") from None
    return args_contain(pattern)


def contains(value: Any, pattern: Any) -> bool:
    """JSON containment: ``value`` holds everything ``pattern`` holds."""
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(k in value and contains(value[k], v) for k, v in pattern.items())
    if isinstance(pattern, list):
        return isinstance(value, list) and all(any(contains(v, p) for v in value) for p in pattern)
    if isinstance(pattern, bool) or isinstance(value, bool):
        return value is pattern
    if isinstance(pattern, (int, float)):  # 1 and 1.0 are one JSON number
        return isinstance(value, (int, float)) and value == pattern
    return bool(value == pattern)
