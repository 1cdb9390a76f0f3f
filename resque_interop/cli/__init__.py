"""The ``resque-interop`` command line: thin commands over the library (no logic of its own)."""

from __future__ import annotations

from .commands import main

__all__ = ["main"]
