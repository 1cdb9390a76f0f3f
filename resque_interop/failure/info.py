"""A failure before it is saved (Ruby's ``Resque::Failure::Base`` fields): a Python
exception described as Ruby describes a Ruby one, in :class:`FailureInfo`."""

from __future__ import annotations

import ast
import inspect
import os
import textwrap
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


def exception_name(exc: BaseException) -> str:
    """The ``exception`` field: Ruby's class name for our Resque errors, else the
    Python class name (``ValueError``, ``myapp.errors.Boom`` for non-builtins)."""
    ruby = getattr(exc, "ruby_name", None)
    if isinstance(ruby, str):
        return ruby
    kind = type(exc)
    if kind.__module__ == "builtins" or kind.__module__.startswith("resque_interop."):
        return kind.__qualname__
    return f"{kind.__module__}.{kind.__qualname__}"


def backtrace_lines(exc: BaseException, cut_after: str | None = None,
                    callee: Callable[..., Any] | None = None) -> list[str]:
    """The ``backtrace`` field: ``file:line:in 'func'``, innermost first as Ruby
    writes it; frames up to the last one in the file ``cut_after`` (where the job was
    called from) are left out, as Ruby cuts at ``lib/resque/job.rb``. When the cut
    leaves nothing because calling ``callee`` itself raised (a TypeError for the wrong
    arguments), ``callee``'s definition is the one line, as Ruby's ArgumentError names
    the method that refused them (``archive.rb:3:in 'perform'``)."""
    frames = traceback.extract_tb(exc.__traceback__)
    start = 0
    cut = os.path.abspath(cut_after) if cut_after else None
    for i, frame in enumerate(frames):
        if cut is not None and os.path.abspath(frame.filename) == cut:
            start = i + 1
    lines = [f"{f.filename}:{f.lineno}:in '{f.name}'" for f in reversed(frames[start:])]
    if not lines and callee is not None:
        where = definition_line(callee)
        if where is not None:
            lines.append(where)
    return lines


def definition_line(fn: Callable[..., Any]) -> str | None:
    """``file:line:in 'name'`` for the ``def`` of a Python function or method (its
    decorators skipped), None for a callable without code of its own (a builtin, a class)."""
    code = getattr(getattr(fn, "__func__", fn), "__code__", None)
    if code is None:
        return None
    return f"{code.co_filename}:{_def_line(code)}:in '{code.co_name}'"


def _def_line(code: Any) -> int:
    # co_firstlineno is the first decorator's line; the ``def`` is found in the source
    first = int(code.co_firstlineno)
    try:
        source, _ = inspect.getsourcelines(code)
        node = ast.parse(textwrap.dedent("".join(source))).body[0]
    except (OSError, TypeError, SyntaxError, IndexError):  # no source at hand: the first line is close
        return first
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return first + node.lineno - 1
    return first


@dataclass
class FailureInfo:
    """A failure before it is saved: what every backend receives."""

    payload: Any
    exception: str
    error: str
    backtrace: list[str]
    worker: str
    queue: str
    failure_id: str | None = None
    #: the exception itself, for backends that want more than its text (an error tracker)
    exc: BaseException | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_exception(cls, exc: BaseException, payload: Any, worker: str, queue: str,
                       cut_after: str | None = None, callee: Callable[..., Any] | None = None) -> FailureInfo:
        """Describe a Python exception as Ruby would describe a Ruby one (its backtrace cut
        after the frames of the file ``cut_after``, the one that called the job; ``callee``:
        the job's callable when calling it raised, see :func:`backtrace_lines`)."""
        return cls(payload, exception_name(exc), str(exc), backtrace_lines(exc, cut_after, callee), worker,
                   queue, exc=exc)
