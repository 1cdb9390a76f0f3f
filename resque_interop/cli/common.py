"""What every ``resque-interop`` command shares: connection options, the client,
argument parsing and tables. The commands only parse and print."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import click
import redis

from ..client.resque import Resque
from ..errors import AppImportError, DecodeError, ResqueError
from ..schema import readable
from ..schema.codec import DEFAULT_CODEC, DIALECTS
from ..schema.timefmt import parse_time
from ..store.connection import describe, url_from_env
from ..store.redis_errors import describe_redis_error
from .apploader import import_app

F = TypeVar("F", bound=Callable[..., Any])


# where make_client keeps the address it connected to, for the error line (never the password)
_ADDRESS = "resque_interop.redis_address"


def fail(message: str) -> None:
    raise click.ClickException(message)


# set by a long-running command (a worker, a pool, the scheduler, the dashboard) as it starts
_LOG_LIKE = "resque_interop.log_like"


def long_running() -> None:
    """Mark this command as long-running: its banner and the ``Error:`` line it ends with
    are log lines, timestamped as its log (a short command's error stays a plain
    ``Error: ...`` for the person who typed it)."""
    click.get_current_context().meta[_LOG_LIKE] = True


def banner(message: str, err: bool = True) -> None:
    """A long-running command's start line (on stderr, as its log), shaped as its log lines."""
    from ..runtime.process import log_line

    click.echo(log_line(message), err=err)


class LogLineError(click.ClickException):
    """The error a long-running command ends with, printed as one more log line."""

    def show(self, file: Any = None) -> None:
        from ..runtime.process import log_line

        click.echo(log_line(f"Error: {self.format_message()}"), file=file, err=file is None)


class OneLineRedisErrors(click.Group):
    """The command group: a Redis error raised anywhere below (a full Redis, a read-only
    replica, a wrong password, a timeout) ends the command with one line saying what to do
    and exit status 1, never a traceback; a long-running command's error line is
    timestamped as its log lines (:func:`long_running`)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            try:
                return super().invoke(ctx)
            except redis.RedisError as exc:
                raise click.ClickException(describe_redis_error(exc, ctx.meta.get(_ADDRESS))) from None
        except click.UsageError:
            raise  # bad arguments: said before anything ran, with the usage
        except click.ClickException as exc:
            if not ctx.meta.get(_LOG_LIKE):
                raise
            raise LogLineError(exc.format_message()) from None


_DIALECT_META = "resque_interop.dialect"


def _remember_dialect(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:
        ctx.meta[_DIALECT_META] = value.lower()


def connection_options(func: F) -> F:
    """``-r/--redis`` (REDIS_URL), ``-N/--namespace`` (RESQUE_NAMESPACE) and ``--dialect``
    (RESQUE_DIALECT; kept in the click context for :func:`make_client`, so commands take no argument)."""
    func = click.option("--dialect", envvar="RESQUE_DIALECT", type=click.Choice(DIALECTS, case_sensitive=False),
                        default=None, expose_value=False, callback=_remember_dialect, metavar="NAME",
                        help="The JSON the Ruby side writes (RESQUE_DIALECT): json (default), oj, rails "
                        "(a Rails app), oj_rails, rails_oj; `resque-interop doctor` tells.")(func)
    func = click.option("-N", "--namespace", envvar="RESQUE_NAMESPACE", default="resque", show_default=True,
                        help="Key namespace (RESQUE_NAMESPACE).")(func)
    func = click.option("-r", "--redis", "redis_url", envvar="REDIS_URL", default=None,
                        help="Redis URL or host:port[:db] (REDIS_URL; default redis://localhost:6379/0).")(func)
    return func


def yes_option(func: F) -> F:
    """``-y/--yes``: do a destructive command without asking (for scripts)."""
    return click.option("-y", "--yes", is_flag=True, default=False,
                        help="Do it without asking (scripts; without a terminal the command refuses otherwise).")(func)


def confirm(action: str, yes: bool) -> None:
    """Ask before ``action`` on a terminal, as resque-web asks; without one, refuse unless --yes."""
    if yes:
        return
    import sys

    if not sys.stdin.isatty():
        fail(f"not confirmed: {action}? There is no terminal to ask on; add --yes to do it")
    if not click.confirm(f"{action}?", default=False):
        fail("nothing done")


def load_app(module: str | None) -> None:
    """Import the module that registers the jobs (``-A``/RESQUE_APP), as the Rakefile's require:
    a dotted name from the current directory or the Python path, or a file path."""
    if not module:
        return
    try:
        import_app(module)
    except AppImportError as exc:
        fail(str(exc))


def make_client(redis_url: str | None, namespace: str, **kwargs: Any) -> Resque:
    """A client whose Redis answers; an unreachable one is named with the reason."""
    url = redis_url or url_from_env()
    context = click.get_current_context(silent=True)
    if context is not None and context.meta.get(_DIALECT_META):
        kwargs.setdefault("dialect", context.meta[_DIALECT_META])
    try:
        client = Resque(url, namespace=namespace, **kwargs)
    except ResqueError as exc:
        fail(str(exc))
    # a sentinel client's pool names no host of its own: name the sentinels (no credentials)
    address = ("redis-sentinel://" + url.split("@")[-1].removeprefix("redis-sentinel://")
               if url.startswith("redis-sentinel://") else describe(client.redis))
    click.get_current_context().meta[_ADDRESS] = address
    try:
        client.store.keyspace.ping()
    except (redis.RedisError, OSError) as exc:
        fail(describe_redis_error(exc, address))
    return client


def json_args(text: str | None) -> list[Any]:
    if not text:
        return []
    try:
        value = DEFAULT_CODEC.decode(text)  # integers of any size, as Ruby reads them
    except DecodeError as exc:
        fail(f"ARGS must be a JSON array (e.g. '[44, \"masterbrew\"]'): {exc}")
    return value if isinstance(value, list) else [value]


def table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    """A table on stdout. Cells are never cut: on a terminal a long one wraps; into a
    pipe or a log the table is as wide as its widest row (so ids and queue names
    survive ``grep``); ``--json`` is the form for scripts."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*[str(c) if c is not None else "" for c in row])
    console = Console()
    if not console.is_terminal:
        console = Console(width=1_000_000)  # rich would otherwise assume 80 columns
    console.print(table)


def echo_json(value: Any) -> None:
    """``--json`` output: indented, UTF-8 as stored."""
    click.echo(json.dumps(value, indent=2, ensure_ascii=False))


def human_time(when: float | str | bytes | None) -> str:
    """A time for people: ISO 8601 in the local zone, with its offset (``2026-12-01T22:10:05+00:00``);
    takes epoch seconds or any time Ruby, node-resque or Python wrote (as written when unreadable)."""
    if when is None or when == "":
        return ""
    if isinstance(when, (int, float)):
        return datetime.fromtimestamp(when).astimezone().isoformat(timespec="seconds")
    parsed = parse_time(when)
    if parsed is None:
        return readable.text(when)
    return parsed.astimezone().isoformat(timespec="seconds")


def human_epoch(epoch: float) -> str:
    """``2026-12-01T22:10:05+00:00 (epoch 1796162005)``: for people, and for scripts."""
    return f"{human_time(epoch)} (epoch {int(epoch)})"


def when_from(delay: float | None, at: str | None) -> float | None:
    """Epoch seconds from --in or --at (None: now)."""
    if delay is not None and at is not None:
        raise click.UsageError("give --in or --at, not both")
    if delay is not None:
        return time.time() + delay
    if at is None:
        return None
    try:
        return float(at)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(at.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise click.BadParameter(f"{at!r} is neither epoch seconds nor an ISO-8601 time", param_hint="--at") from None


def failure_backend_name(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """Check FAILURE_BACKEND: ``redis``, ``redis_multi_queue``, ``sentry``, or several
    joined by commas (``redis,sentry``)."""
    bad = [n for n in value.split(",") if n.strip() not in ("redis", "redis_multi_queue", "sentry")]
    if bad:
        raise click.BadParameter(f"{', '.join(map(repr, bad))}: use redis, redis_multi_queue, sentry, "
                                 "or several joined by commas (redis,sentry)")
    return value
