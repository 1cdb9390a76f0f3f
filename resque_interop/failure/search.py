"""Finding failures of one job class without reading a whole list at once.

A failure list can hold hundreds of thousands of entries. :func:`find` walks it
in chunks from a position, reads only each entry's ``payload.class`` (msgspec
skips the rest unparsed), fully decodes only the matches, and stops at a page
of matches or a scan budget: time and memory stay bounded however long the
list, and the result says where to continue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgspec

from .record import FailureRecord

if TYPE_CHECKING:
    from ..store.protocols import StoreClient

CHUNK = 1000
#: entries examined per call at most; a sparse class continues on the next call
BUDGET = 50_000


class _Payload(msgspec.Struct):
    class_: Any = msgspec.field(name="class", default=None)


class _Entry(msgspec.Struct):
    payload: _Payload | None = None


_entry = msgspec.json.Decoder(_Entry)


def class_of(raw: bytes) -> str | None:
    """``payload.class`` of a raw failure entry, reading as little as it can."""
    try:
        payload = _entry.decode(raw).payload
    except (msgspec.DecodeError, msgspec.ValidationError):  # not JSON, or a payload that is no object
        return None
    name = payload.class_ if payload is not None else None
    return name if isinstance(name, str) else None


@dataclass
class FoundPage:
    """One page of matches and where the walk stopped."""

    records: list[FailureRecord]
    next_start: int | None  # the position to continue from; None at the end of the list
    scanned: int  # entries examined by this call
    total: int  # the list's length when the walk began
    positions: tuple[int, int] = field(default=(0, 0))  # the first and last position examined


def find(client: StoreClient, list_name: str, class_name: str, start: int | None = None, count: int = 20,
         order: str = "asc", budget: int = BUDGET, chunk: int = CHUNK) -> FoundPage:
    """Up to ``count`` failures of ``class_name`` in ``list_name`` from position
    ``start`` (oldest first, or newest first with ``order="desc"``; ``start``
    defaults to the list's first or last entry)."""
    failed = client.store.failed
    total = failed.num_failed(list_name)
    desc = order == "desc"
    pos = (total - 1 if desc else 0) if start is None else start
    first, scanned = pos, 0
    records: list[FailureRecord] = []
    while len(records) < count and scanned < budget and 0 <= pos < total:
        lo = max(0, pos - chunk + 1) if desc else pos
        raws = failed.failed_range(list_name, lo, chunk if not desc else pos - lo + 1)
        if not raws:
            break
        indexed = list(enumerate(raws, lo))
        for index, raw in reversed(indexed) if desc else indexed:
            scanned += 1
            pos = index - 1 if desc else index + 1
            if class_of(raw) == class_name:
                records.append(FailureRecord.read(client, index, list_name, raw))
                if len(records) >= count:
                    break
    more = 0 <= pos < total
    return FoundPage(records, pos if more else None, scanned, total, (first, pos + (1 if desc else -1)))


def class_counts(client: StoreClient, list_name: str, chunk: int = CHUNK) -> dict[str, int]:
    """How many failures of each class ``list_name`` holds ("nil" for none, as Ruby),
    read in chunks of ``chunk`` entries."""
    failed = client.store.failed
    counts: dict[str, int] = {}
    pos = 0
    while True:
        raws = failed.failed_range(list_name, pos, chunk)
        for raw in raws:
            name = class_of(raw) or "nil"
            counts[name] = counts.get(name, 0) + 1
        if len(raws) < chunk:
            return dict(sorted(counts.items()))
        pos += chunk
