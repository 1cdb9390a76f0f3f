"""Query-string parameters shared by the dashboard's pages."""

from __future__ import annotations

from flask import request


def int_arg(name: str, default: int) -> int:
    """A non-negative integer from the query string; ``default`` when absent or malformed."""
    try:
        return max(0, int(request.args.get(name, default)))
    except ValueError:
        return default
