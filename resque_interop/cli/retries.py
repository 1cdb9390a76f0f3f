"""``resque-interop retries``: resque-retry's retries waiting in the delayed queue; cancel one, or
queue it now."""

from __future__ import annotations

import click

from ..retry.pending import cancel_retry, pending_retries
from ..runtime.logfmt import format_args
from ..schema.readable import counted
from .common import connection_options, echo_json, fail, human_time, load_app, make_client, table


@click.group(invoke_without_command=True)
@click.option("-s", "--start", type=int, default=0, help="First timestamp (earliest first).")
@click.option("-n", "--count", type=int, default=20, show_default=True, help="Timestamps to look at.")
@click.option("--json", "as_json", is_flag=True, help="As JSON: [{timestamp, class, args, queue, attempt, ...}].")
@click.option("-A", "--app", envvar="RESQUE_APP", default=None,
              help="Module that registers your jobs (their Retry: identifier and hash style).")
@connection_options
@click.pass_context
def retries(ctx: click.Context, start: int, count: int, as_json: bool, app: str | None, redis_url: str | None,
            namespace: str) -> None:
    """Delayed retries (resque-retry's Retry tab): when each is due, its attempt, its last failure."""
    if ctx.invoked_subcommand is not None:
        return
    load_app(app)
    client = make_client(redis_url, namespace)
    found, total = pending_retries(client, start, count)
    if as_json:
        echo_json([p.as_json() for p in found])
        return
    rows = [[human_time(p.timestamp), p.timestamp, p.class_name, format_args(p.args), p.attempt,
             (f"{p.last_failure.get('exception')}: {p.last_failure.get('error')}" if p.last_failure else "n/a")]
            for p in found]
    looked = min(count, max(total - start, 0))
    table(f"retries waiting: {len(found)} (in {looked} of {counted(total, 'delayed timestamp')})",
          ["due", "epoch", "class", "args", "attempt", "last failure"], rows)


@retries.command(name="cancel")
@click.argument("timestamp", type=int)
@click.argument("item")
@click.option("-A", "--app", envvar="RESQUE_APP", default=None, help="Module that registers your jobs.")
@connection_options
def retries_cancel(timestamp: int, item: str, app: str | None, redis_url: str | None, namespace: str) -> None:
    """Cancel one retry: ITEM is the delayed item's JSON as `retries --json` prints it."""
    load_app(app)
    client = make_client(redis_url, namespace)
    if not cancel_retry(client, timestamp, item.encode("utf-8")):
        fail(f"no such retry at {timestamp} (already run or removed)")
    click.echo("cancelled the retry, its failure details and its attempt count")


@retries.command(name="queue-now")
@click.argument("timestamp", type=int)
@click.argument("item")
@click.option("-A", "--app", envvar="RESQUE_APP", default=None, help="Module that registers your jobs.")
@connection_options
def retries_queue_now(timestamp: int, item: str, app: str | None, redis_url: str | None, namespace: str) -> None:
    """Queue one retry now instead of at its time (its attempt count and failure details stay):
    ITEM is the delayed item's JSON as `retries --json` prints it."""
    load_app(app)
    client = make_client(redis_url, namespace)
    queued = client.delayed.enqueue_item(timestamp, item.encode("utf-8"))
    if queued is None:
        fail(f"the retry at {timestamp} is due and a master scheduler holds the lock: it is the scheduler's to move")
    if not queued:
        fail(f"no such retry at {timestamp} (already queued, run or removed): nothing changed")
    click.echo(f"queued the retry due at {human_time(timestamp)} now")
