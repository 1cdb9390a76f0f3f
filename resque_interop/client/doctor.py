"""Which JSON dialect the Ruby side writes, told from what is in Redis.

Operations that match jobs by their bytes (resque-scheduler's ``remove_delayed``,
``Resque.dequeue``) miss silently when Python writes another dialect than Ruby.
:func:`diagnose` samples the queues, the failure lists and the delayed items,
decodes each entry and encodes it again in every dialect: an entry that only
some dialects write back byte for byte is evidence (``\\u003c`` for ``<`` is
ActiveSupport's, ``1000000000000000.0`` is Oj's, ``1e+20`` is Oj's Rails mode).
Entries every dialect writes alike (most plain jobs) tell nothing and are only counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import DecodeError, EncodeError
from ..schema.codec import DIALECTS, Codec
from ..schema.readable import text

if TYPE_CHECKING:
    from .resque import Resque

_CODECS = {name: Codec(name) for name in DIALECTS}


@dataclass
class Evidence:
    """One telling entry: where it is, the dialects that write it back as it is, and why the
    others do not (their first differing bytes)."""

    source: str
    dialects: list[str]
    excerpt: str
    differences: dict[str, str]


@dataclass
class Diagnosis:
    """What :func:`diagnose` found: ``verdict`` lists the dialects that write every telling entry."""

    configured: str
    sampled: int = 0
    unreadable: int = 0
    #: entries some dialects write as stored and others do not
    telling: int = 0
    #: the first few of them, explained
    evidence: list[Evidence] = field(default_factory=list)
    reproduced: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DIALECTS, 0))

    @property
    def verdict(self) -> list[str]:
        """The dialects consistent with every telling entry (all of them when nothing told)."""
        return [d for d in DIALECTS if self.reproduced[d] == self.telling]

    @property
    def matches(self) -> bool | None:
        """True when the configured dialect writes every telling entry; None when nothing told."""
        if not self.telling:
            return None
        return self.configured in self.verdict

    def as_dict(self) -> dict[str, object]:
        return {
            "configured": self.configured, "sampled": self.sampled, "unreadable": self.unreadable,
            "telling": self.telling, "reproduced": self.reproduced, "verdict": self.verdict,
            "matches": self.matches,
            "evidence": [{"source": e.source, "dialects": e.dialects, "excerpt": e.excerpt,
                          "differences": e.differences} for e in self.evidence],
        }


def _difference(raw: bytes, ours: bytes, width: int = 24) -> str:
    """``raw`` and ``ours`` around their first differing byte, for people."""
    at = next((i for i, (a, b) in enumerate(zip(raw, ours)) if a != b), min(len(raw), len(ours)))
    start = max(0, at - 8)
    theirs = text(raw[start:at + width])
    mine = text(ours[start:at + width])
    return f"stored …{theirs}… but this dialect writes …{mine}…"


def examine(raw: bytes, source: str, diagnosis: Diagnosis, keep: int = 5) -> None:
    """Add one stored entry to ``diagnosis``."""
    diagnosis.sampled += 1
    try:
        value = _CODECS["json"].decode(raw)
    except DecodeError:
        diagnosis.unreadable += 1
        return
    written: dict[str, bytes | None] = {}
    for name, codec in _CODECS.items():
        try:
            written[name] = codec.encode(value)
        except EncodeError:
            written[name] = None
    same: list[str] = [name for name, data in written.items() if data == raw]
    if not same or len(same) == len(DIALECTS):
        return  # no dialect writes it (another writer's spacing, key order) or every one does: no evidence
    diagnosis.telling += 1
    for dialect in same:
        diagnosis.reproduced[dialect] += 1
    if len(diagnosis.evidence) < keep:
        differences = {name: _difference(raw, data) for name, data in written.items()
                       if data is not None and name not in same}
        diagnosis.evidence.append(Evidence(source, same, text(raw[:160]), differences))


def diagnose(client: Resque, sample: int = 100) -> Diagnosis:
    """Sample up to ``sample`` entries from each queue, each failure list and the first delayed
    timestamps; tell which dialects write them as they are stored."""
    diagnosis = Diagnosis(client.codec.dialect)
    store = client.store
    for queue in client.queues():
        for raw in store.queues.queue_range(queue, 0, sample):
            examine(raw, f"queue:{queue}", diagnosis)
    for list_name in client.failure.queues():
        for raw in store.failed.failed_range(list_name, 0, sample):
            examine(raw, list_name, diagnosis)
    for timestamp in store.delayed.timestamps(0, max(0, sample // 10 - 1)):
        for raw in store.delayed.range(timestamp, 0, sample):
            examine(raw, f"delayed:{timestamp}", diagnosis)
    return diagnosis
