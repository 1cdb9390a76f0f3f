"""``resque-interop failed ...``: list, show, retry, remove and clear failures."""

from __future__ import annotations

import json

import click

from ..client.resque import Resque
from ..errors import ResqueError
from ..schema.readable import counted
from .common import (
    F,
    confirm,
    connection_options,
    echo_json,
    fail,
    failure_backend_name,
    human_time,
    make_client,
    table,
    yes_option,
)


@click.group()
def failed() -> None:
    """Failed jobs: list, show, retry, remove, clear."""


def failure_client(redis_url: str | None, namespace: str, backend: str) -> Resque:
    return make_client(redis_url, namespace, failure_backend=backend)


def failure_options(func: F) -> F:
    func = click.option("--failure-backend", envvar="FAILURE_BACKEND", default="redis", show_default=True,
                        callback=failure_backend_name,
                        help="FAILURE_BACKEND (reads go to the first named).")(func)
    func = click.option("-l", "--list", "list_name", default=None,
                        help="Failure list (RedisMultiQueue: e.g. low_failed).")(func)
    return connection_options(func)


@failed.command(name="list")
@click.option("-s", "--start", type=int, default=0, show_default=True,
              help="Index of the first failure shown, in each failure list (0: the oldest).")
@click.option("-n", "--count", type=int, default=20, show_default=True, help="How many failures to show.")
@click.option("-c", "--class", "class_name", default=None, help="Only failures of this job class.")
@click.option("--json", "as_json", is_flag=True, help="As JSON, each failure whole.")
@failure_options
def failed_list(start: int, count: int, class_name: str | None, as_json: bool, list_name: str | None,
                failure_backend: str, redis_url: str | None, namespace: str) -> None:
    """List failures (with --class, the START..START+COUNT of that class)."""
    client = failure_client(redis_url, namespace, failure_backend)
    lists = [list_name] if list_name else client.failure.queues()
    if class_name:
        records = [rec for name in lists
                   for rec in list(client.failure.each(0, None, name, class_name, "asc"))[start:start + count]]
    else:
        records = [rec for name in lists for rec in client.failure.all(start, count, name)]
    if as_json:
        echo_json([rec.as_dict() for rec in records])
        return
    table("failed", ["#", "list", "failed_at", "queue", "class", "exception", "error", "retried_at"],
           [[rec.index, rec.list_name, human_time(rec.failed_at), rec.queue, rec.class_name, rec.exception,
             rec.error if rec.data is not None else rec.problem, human_time(rec.retried_at)] for rec in records])


@failed.command(name="classes")
@click.option("--json", "as_json", is_flag=True, help="As JSON: {list: {class: count}}.")
@failure_options
def failed_classes(as_json: bool, list_name: str | None, failure_backend: str, redis_url: str | None,
                   namespace: str) -> None:
    """How many failures of each job class each list holds."""
    client = failure_client(redis_url, namespace, failure_backend)
    lists = [list_name] if list_name else client.failure.queues()
    counts = {name: client.failure.class_counts(name) for name in lists}
    if as_json:
        echo_json(counts)
        return
    table("failures by class", ["list", "class", "count"],
           [[name, cls, n] for name in lists for cls, n in counts[name].items()])


@failed.command(name="show")
@click.argument("index", type=int)
@failure_options
def failed_show(index: int, list_name: str | None, failure_backend: str, redis_url: str | None,
                namespace: str) -> None:
    """Show failure INDEX whole."""
    client = failure_client(redis_url, namespace, failure_backend)
    found = client.failure.all(index, 1, list_name)
    if not found:
        fail(f"no failure at index {index}")
    click.echo(json.dumps(found[0].as_dict(), indent=2, ensure_ascii=False))


@failed.command(name="retry")
@click.argument("index", type=int, required=False)
@click.option("--all", "retry_all", is_flag=True,
              help="Retry every failure, those retried before included (as Ruby's requeue_all).")
@click.option("--skip-retried", is_flag=True, help="With --all: leave the failures retried before.")
@click.option("-q", "--queue", default=None, help="Retry the failures of jobs from QUEUE.")
@click.option("--to", "to_queue", default=None, help="Put the job on this queue instead.")
@failure_options
def failed_retry(index: int | None, retry_all: bool, skip_retried: bool, queue: str | None,
                 to_queue: str | None, list_name: str | None, failure_backend: str, redis_url: str | None,
                 namespace: str) -> None:
    """Retry failure INDEX, or --all, or those of --queue. A retried failure stays in
    its list, marked retried_at (as resque-web); `failed clear --retried` removes those."""
    client = failure_client(redis_url, namespace, failure_backend)
    if skip_retried and not retry_all:
        fail("--skip-retried goes with --all")
    try:
        if retry_all:
            before = client.failure.count_retried()
            if skip_retried:
                click.echo(f"retried {client.failure.requeue_not_retried()}; "
                           f"left {before} that had been retried before")
            else:
                click.echo(f"retried {client.failure.requeue_all()}, {before} of them retried before "
                           "(--skip-retried leaves those; `failed clear --retried` removes them)")
        elif queue:
            click.echo(f"retried {client.failure.requeue_queue(queue)}")
        elif index is not None:
            rec = client.failure.requeue(index, list_name, to_queue)
            click.echo(f"retried {rec.class_name} on {to_queue or rec.queue}")
        else:
            fail("give an INDEX, --all or --queue")
    except (ResqueError, ValueError) as exc:
        fail(str(exc))


@failed.command(name="remove")
@click.argument("index", type=int)
@yes_option
@failure_options
def failed_remove(index: int, yes: bool, list_name: str | None, failure_backend: str, redis_url: str | None,
                  namespace: str) -> None:
    """Remove failure INDEX (asks first on a terminal; --yes for scripts)."""
    client = failure_client(redis_url, namespace, failure_backend)
    confirm(f"Remove failure {index}", yes)
    click.echo(f"removed {client.failure.remove(index, list_name)}")


@failed.command(name="clear")
@click.option("--retried", is_flag=True, help="Only the failures that were retried.")
@yes_option
@failure_options
def failed_clear(retried: bool, yes: bool, list_name: str | None, failure_backend: str, redis_url: str | None,
                 namespace: str) -> None:
    """Remove every failure (of one list with -l; asks first on a terminal; --yes for scripts)."""
    client = failure_client(redis_url, namespace, failure_backend)
    if retried:
        confirm(f"Remove the {counted(client.failure.count_retried(), 'failure')} that were retried", yes)
    else:
        confirm(f"Remove all {counted(client.failure.count(list_name), 'failure')}" + (f" of {list_name}" if list_name else ""),
                yes)
    if retried:
        click.echo(f"removed {counted(client.failure.clear_retried(), 'retried failure')}")
    else:
        client.failure.clear(list_name)
        click.echo("cleared")
