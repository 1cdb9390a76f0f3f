"""Log text for people: job arguments as JSON, every value bounded in size.

A log line must never carry a 20 MB argument (twice): values are cut to
:data:`LIMIT` characters with a marker that says how much was left out.
"""

from __future__ import annotations

from typing import Any

import msgspec

#: The most characters of one value (arguments, an error) a log line carries.
LIMIT = 1024


def bounded(text: str, limit: int = LIMIT) -> str:
    """``text``, cut to ``limit`` characters with a marker saying how much was cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... [{len(text) - limit} more characters]"


def format_args(args: Any, limit: int = LIMIT) -> str:
    """Job arguments as compact JSON (as Resque users read them), bounded."""
    try:
        text = msgspec.json.encode(args).decode("utf-8", "backslashreplace")
    except (TypeError, ValueError, RecursionError, OverflowError):
        try:
            text = repr(args)
        except RecursionError:
            text = f"<{type(args).__name__} nested too deep to show>"
        except ValueError:  # an integer past Python's 4,300-digit str() limit (Ruby writes them)
            text = f"<{type(args).__name__} holding an integer too long to show>"
    return bounded(text, limit)


def format_error(exc: BaseException, limit: int = LIMIT) -> str:
    """``ExceptionName: message``, bounded."""
    return bounded(f"{type(exc).__name__}: {exc}", limit)
