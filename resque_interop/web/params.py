"""Query-string parameters shared by the dashboard's pages."""

from __future__ import annotations

from flask import request

#: Redis takes list positions as signed 64-bit integers; anything past this is out of range
MAX_POSITION = 2**62


def int_arg(name: str, default: int) -> int:
    """A non-negative integer from the query string; ``default`` when absent or malformed."""
    try:
        return min(MAX_POSITION, max(0, int(request.args.get(name, default))))
    except ValueError:
        return default
