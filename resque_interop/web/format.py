"""How the dashboard shows values: one time format (relative, the exact UTC
time on hover), arguments in their stored key order and cut when huge, and the
signed one-line notes an action leaves for the page it returns to."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import request
from markupsafe import Markup, escape

from ..schema.readable import counted, preview
from ..schema.timefmt import parse_time
from .security import sign

#: arguments longer than this are cut on the pages (the JSON API has them whole)
ARGS_LIMIT = 2_000
EXACT = "%Y-%m-%d %H:%M:%S UTC"
NOTE = "note"


def _ago(seconds: float) -> str:
    future, seconds = seconds < 0, abs(seconds)
    for unit, size in (("year", 31536000), ("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = int(seconds // size)
            text = counted(n, unit)
            break
    else:
        return "just now"
    return f"in {text}" if future else f"{text} ago"


def when(value: Any, now: float | None = None) -> Markup:
    """``<time title="exact UTC">3 minutes ago</time>`` for any time Ruby, node-resque or
    we wrote (epoch seconds too); text that is not a time is shown marked. ``now`` is the
    clock to measure against (Redis's, for heartbeats), else this process's."""
    if value is None or value == "":
        return Markup('<span class="unknown">unknown</span>')
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            dt: datetime | None = datetime.fromtimestamp(value, timezone.utc)
        except (ValueError, OverflowError, OSError):
            dt = None
    else:
        dt = parse_time(str(value))
    if dt is None:
        return Markup('<span class="bad" title="not a time">{}</span>').format(preview(str(value), 40))
    exact = dt.astimezone(timezone.utc).strftime(EXACT)
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        dt.isoformat(), exact, _ago((time.time() if now is None else now) - dt.timestamp()))


def exact_utc(timestamp: int) -> str:
    """``2033-05-18 03:33:20 UTC`` for epoch seconds; the number itself when out of range."""
    try:
        return datetime.fromtimestamp(timestamp, timezone.utc).strftime(EXACT)
    except (ValueError, OverflowError, OSError):
        return str(timestamp)


def args_text(args: Any) -> str:
    """Arguments as compact JSON, hashes in their stored key order; huge ones cut."""
    if args in (None, []):
        return ""
    text = json.dumps(args, ensure_ascii=False) if not isinstance(args, str) else args
    if len(text) > ARGS_LIMIT:
        return f"{text[:ARGS_LIMIT]}… ({len(text)} characters; the JSON API has them whole)"
    return text


def or_unknown(value: Any) -> Markup:
    """The value, or a marked ``unknown`` where a failure entry lacks the field."""
    if value is None or value == "":
        return Markup('<span class="unknown">unknown</span>')
    return escape(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))


# -- notes: what an action did, shown on the page it returns to ---------------
def with_note(target: str, message: str) -> str:
    """``target`` with a signed note (a forged or stale note is not shown)."""
    stamp = str(int(time.time()))
    note = f"{stamp}.{sign(stamp + message, 'note')[:32]}.{message}"
    return f"{target}{'&' if '?' in target else '?'}{urlencode({NOTE: note})}"


def current_note(max_age: int = 120) -> str | None:
    """The note of this request's URL, when it is ours and recent."""
    raw = request.args.get(NOTE, "")
    stamp, _, rest = raw.partition(".")
    mac, _, message = rest.partition(".")
    if not stamp.isdigit() or not message or abs(time.time() - int(stamp)) > max_age:
        return None
    return message if mac == sign(stamp + message, "note")[:32] else None


def back_to(default: str, root: str) -> str:
    """Where an action returns: the ``next`` form field when it is a page of this
    dashboard (a path under ``root``, never another site), else ``default``."""
    target = request.form.get("next", "")
    parts = urlsplit(target)
    unsafe = "\\" in target or any(ord(c) < 32 for c in target)  # browsers drop tabs: "/\t/evil" is "//evil"
    if parts.scheme or parts.netloc or not target.startswith(root) or target.startswith("//") or unsafe:
        return default
    query = "&".join(p for p in parts.query.split("&") if p and not p.startswith(NOTE + "="))
    return parts.path + (f"?{query}" if query else "")


def here() -> str:
    """This page's path and query without its note: the ``next`` of its forms."""
    query = "&".join(p for p in urlsplit(request.full_path).query.split("&") if p and not p.startswith(NOTE + "="))
    return request.path + (f"?{query}" if query else "")
