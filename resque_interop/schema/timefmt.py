"""The time formats Ruby Resque writes, and a tolerant reader for all of them.

=================  ===================================  ==========================
value              Ruby                                 example
=================  ===================================  ==========================
worker started     ``Time.now.to_s`` (local zone)       ``2026-11-28 21:27:37 +0000``
heartbeat          ``Time.at(redis TIME).iso8601``      ``2026-11-28T21:27:37+00:00``
run_at             ``Time.now.utc.iso8601``             ``2026-11-28T21:27:38Z``
failed_at          ``strftime("%Y/%m/%d %H:%M:%S %Z")``  ``2026/11/28 21:27:38 UTC``
retried_at (multi) ``strftime("%Y/%m/%d %H:%M:%S")``     ``2026/11/28 21:27:38``
=================  ===================================  ==========================
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone

from . import readable


def _local(epoch: float | None = None) -> datetime:
    return datetime.fromtimestamp(time.time() if epoch is None else epoch).astimezone()


def _offset(dt: datetime, colon: bool) -> str:
    offset = dt.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}{':' if colon else ''}{mins:02d}"


def started_at(epoch: float | None = None) -> str:
    """``Time.now.to_s``: ``2026-11-28 21:27:37 +0000``."""
    dt = _local(epoch)
    return dt.strftime("%Y-%m-%d %H:%M:%S ") + _offset(dt, colon=False)


def heartbeat_at(epoch: float) -> str:
    """``Time#iso8601`` in the local zone: ``2026-11-28T21:27:37+00:00``."""
    dt = _local(int(epoch))
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + _offset(dt, colon=True)


_run_at_cache: tuple[int, str] = (-1, "")


def run_at(epoch: float | None = None) -> str:
    """``Time.now.utc.iso8601``: ``2026-11-28T21:27:38Z`` (memoised per second)."""
    global _run_at_cache
    second = int(time.time() if epoch is None else epoch)
    if _run_at_cache[0] != second:
        _run_at_cache = (second, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(second)))
    return _run_at_cache[1]


def failed_at(epoch: float | None = None, zone: bool = True) -> str:
    """``strftime("%Y/%m/%d %H:%M:%S %Z")``; without the zone for RedisMultiQueue's retried_at."""
    dt = _local(epoch)
    text = dt.strftime("%Y/%m/%d %H:%M:%S")
    return f"{text} {dt.tzname()}" if zone else text


_FORMATS = (
    "%Y-%m-%d %H:%M:%S %z",  # started
    "%Y/%m/%d %H:%M:%S %Z",  # failed_at (UTC)
    "%Y/%m/%d %H:%M:%S",
    "%a %b %d %Y %H:%M:%S",  # node-resque: Date#toString (zone part cut)
)
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$")


def parse_time(text: str | bytes | None) -> datetime | None:
    """Read any time Ruby, node-resque or Python wrote; ``None`` when unreadable."""
    if text is None:
        return None
    if isinstance(text, bytes):
        text = readable.text(text)
    text = text.strip()
    if not text:
        return None
    if text.isdigit():  # node-resque writes epoch seconds
        try:
            return datetime.fromtimestamp(int(text), tz=timezone.utc)
        except (ValueError, OverflowError, OSError):  # past year 9999, or thousands of digits
            return None
    if _ISO.match(text):
        value = text.replace("Z", "+00:00")
        try:
            dt = datetime.fromisoformat(value)
        except ValueError:
            return None
        return dt if dt.tzinfo else dt.astimezone()
    if " GMT" in text:  # Sat Nov 28 2026 22:07:07 GMT+0000 (Coordinated Universal Time)
        head, _, rest = text.partition(" GMT")
        try:
            dt = datetime.strptime(head, "%a %b %d %Y %H:%M:%S")
            return dt.replace(tzinfo=datetime.strptime(rest[:5], "%z").tzinfo)
        except ValueError:
            return None
    for fmt in _FORMATS:
        try:
            dt = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return dt if dt.tzinfo else dt.astimezone()
    # a zone abbreviation other than UTC (IST, CET...): read the wall time as local
    match = re.match(r"^(\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}) \S+$", text)
    if match:
        return datetime.strptime(match.group(1), "%Y/%m/%d %H:%M:%S").astimezone()
    return None
