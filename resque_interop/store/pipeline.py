"""What a failure backend, a stat store and a job's failure step write into: a
:class:`Pipeline`, and :class:`CommandLog`, the one the worker sends with a job's outcome.

:class:`Pipeline` names exactly the commands those writers queue; a redis-py pipeline
has them all, and so has a :class:`CommandLog`. A writer that calls any other command
on a pipe is told so by the type checker, not by a worker at run time.
"""

from __future__ import annotations

from typing import Any, Protocol

#: what a command's value may be (as redis-py encodes it)
Value = bytes | str | int | float


class Pipeline(Protocol):
    """The commands queued on a pipe by failure backends, stat stores and a job's failure
    step (a redis-py pipeline or a :class:`CommandLog`); replies are read by its owner."""

    def rpush(self, name: str, /, *values: Value) -> object: ...
    def sadd(self, name: str, /, *values: Value) -> object: ...
    def incrby(self, name: str, amount: int = 1, /) -> object: ...
    def decrby(self, name: str, amount: int = 1, /) -> object: ...
    def delete(self, *names: str) -> object: ...
    def execute_command(self, *args: Any) -> object: ...


class CommandLog:
    """Writes recorded once and sent later, again after a lost connection: a failure
    backend and the stat store write into it as into a pipeline, so their side effects
    (an error tracker, a log line) happen once however often Redis must be retried."""

    def __init__(self) -> None:
        self.commands: list[tuple[str, tuple[Any, ...]]] = []

    def rpush(self, name: str, *values: Value) -> CommandLog:
        self.commands.append(("rpush", (name, *values)))
        return self

    def sadd(self, name: str, *values: Value) -> CommandLog:
        self.commands.append(("sadd", (name, *values)))
        return self

    def incrby(self, name: str, amount: int = 1) -> CommandLog:
        self.commands.append(("incrby", (name, amount)))
        return self

    def decrby(self, name: str, amount: int = 1) -> CommandLog:
        self.commands.append(("decrby", (name, amount)))
        return self

    def delete(self, *names: str) -> CommandLog:
        self.commands.append(("delete", names))
        return self

    def execute_command(self, *args: Any) -> CommandLog:
        """Any other command, as redis-py's ``execute_command`` takes it (``"SETNX", key, -1``)."""
        self.commands.append(("execute_command", args))
        return self

    #: the same, by its shorter name
    command = execute_command

    def replay(self, pipe: Pipeline) -> None:
        """Queue every recorded command on ``pipe``."""
        for name, args in self.commands:
            getattr(pipe, name)(*args)
