"""The errors a ``cron`` / ``every`` value can raise (shared by the parsers and their users)."""

from __future__ import annotations

from ..errors import ResqueError


class ScheduleSyntaxError(ResqueError, ValueError):
    """A ``cron`` or ``every`` value that rufus-scheduler or this library cannot use."""


class CronRefused(ScheduleSyntaxError):
    """A construct of a cron line that is refused; the message names the construct."""
