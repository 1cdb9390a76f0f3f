"""``resque-interop``: workers, queues, failures and the dashboard from a shell.

Every option falls back to the environment variable Resque uses, so a
Procfile line ``QUEUE=file_serve rake resque:work`` becomes
``QUEUE=file_serve resque-interop work -A myapp.jobs``. The commands only
parse and print; the work is done by the library.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import click

from ..errors import ResqueError
from ..runtime.logfmt import format_args
from ..schema.readable import counted, raw_text
from ..version import __version__
from .common import (
    OneLineRedisErrors,
    banner,
    confirm,
    connection_options,
    echo_json,
    fail,
    failure_backend_name,
    human_epoch,
    human_time,
    json_args,
    load_app,
    long_running,
    make_client,
    table,
    when_from,
    yes_option,
)
from .delayed import delayed, scheduler
from .doctor import doctor
from .failed import failed
from .retries import retries
from .run import pool, prepare_worker, run_worker, work, worker_options
from .schedule import schedule


@click.group(cls=OneLineRedisErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="resque-interop")
def main() -> None:
    """Python workers, producers and a dashboard for Ruby Resque's Redis schema."""


@main.command()
@click.argument("class_name")
@click.argument("args", required=False)
@click.option("-q", "--queue", default=None, help="Queue (default: the job's registered queue).")
@click.option("--ruby", is_flag=True, help="CLASS_NAME is a Ruby class not registered here.")
@click.option("-f", "--file", "jsonl", type=click.File("r"), default=None,
              help="Bulk: a JSON-lines file of argument arrays (one job per line).")
@click.option("-A", "--app", envvar="RESQUE_APP", default=None,
              help="Module that registers your jobs (as for work; RESQUE_APP).")
@click.option("--in", "delay", type=float, default=None,
              help="Delay by SECONDS (resque-scheduler's enqueue_in).")
@click.option("--at", "at", default=None,
              help="Run at an epoch second or ISO-8601 time (resque-scheduler's enqueue_at).")
@connection_options
def enqueue(class_name: str, args: str | None, queue: str | None, ruby: bool, jsonl: Any,
            app: str | None, delay: float | None, at: str | None, redis_url: str | None, namespace: str) -> None:
    """Enqueue CLASS_NAME with ARGS (a JSON array), as Resque.enqueue would; with
    --in/--at, delay it in resque-scheduler's schema."""
    load_app(app)
    client = make_client(redis_url, namespace)
    if not ruby and class_name not in client.registry:
        fail(f"unknown class {class_name!r} (registered: {', '.join(client.registry.names()) or 'none'}): "
             "pass -A MODULE to load the Python module that registers it (RESQUE_APP), "
             "or --ruby to enqueue it for a Ruby class")
    queue = queue or client.queue_for(class_name)
    if not queue:
        raise click.ClickException(f"no queue for {class_name}: pass -q QUEUE")
    if jsonl is not None:
        from rich.progress import track

        lines = [line for line in jsonl if line.strip()]
        jobs = [(queue, class_name, json_args(line)) for line in track(lines, description="reading")]
        count = client.enqueue_many(jobs)
        click.echo(f"enqueued {counted(count, f'{class_name} job')} on {queue}")
        return
    when = when_from(delay, at)
    try:
        if when is None:
            client.enqueue_to(queue, class_name, *json_args(args))
        else:
            client.delayed.enqueue_at_with_queue(queue, when, class_name, *json_args(args))
    except ResqueError as exc:
        fail(str(exc))
    due = "" if when is None else f" at {human_epoch(when)}"
    click.echo(f"enqueued {class_name}{format_args(json_args(args))} on {queue}{due}")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="As JSON: {queue: size}.")
@connection_options
def queues(as_json: bool, redis_url: str | None, namespace: str) -> None:
    """Queue names and sizes."""
    client = make_client(redis_url, namespace)
    sizes = client.queue_sizes()
    if as_json:
        echo_json(sizes)
        return
    table("queues", ["queue", "size"], [[q, n] for q, n in sizes.items()])


@main.command()
@click.argument("queue")
@click.option("-s", "--start", type=int, default=0, show_default=True, help="Index of the first job shown (0: the head).")
@click.option("-n", "--count", type=int, default=10, show_default=True, help="How many jobs to show.")
@click.option("--json", "as_json", is_flag=True,
              help="As one JSON array (an entry that is not JSON shows as its text).")
@connection_options
def peek(queue: str, start: int, count: int, as_json: bool, redis_url: str | None, namespace: str) -> None:
    """Show jobs waiting on QUEUE (one stored payload a line)."""
    client = make_client(redis_url, namespace)
    texts = [raw_text(raw) for raw in client.store.queues.queue_range(queue, start, count)]
    if as_json:
        echo_json([_json_or_text(text) for text in texts])
        return
    for text in texts:
        click.echo(text)


def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


@main.command()
@click.argument("queue")
@click.option("--forget", is_flag=True, help="Also remove QUEUE from the queues set.")
@yes_option
@connection_options
def clear(queue: str, forget: bool, yes: bool, redis_url: str | None, namespace: str) -> None:
    """Delete every job waiting on QUEUE (asks first on a terminal; --yes for scripts)."""
    client = make_client(redis_url, namespace)
    size = client.size(queue)
    confirm(f"Delete the {counted(size, 'job')} waiting on {queue}", yes)
    if forget:
        client.remove_queue(queue)
    else:
        client.clear_queue(queue)
    click.echo(f"cleared {counted(size, 'job')} from {queue}")


@main.command()
@click.option("-c", "--count", envvar="COUNT", type=int, default=None,
              help="Start this many workers (COUNT), as `rake resque:workers`; without it, list workers.")
@click.option("--json", "as_json", is_flag=True, help="List as JSON.")
@worker_options
def workers(count: int | None, as_json: bool, **opts: Any) -> None:
    """List registered workers (Ruby, Python, node-resque), or with -c N run a pool of N."""
    if count is None:
        client = make_client(opts["redis_url"], opts["namespace"])
        infos = client.workers()
        if as_json:
            echo_json([w.as_dict() for w in infos])
            return
        table("workers", ["id", "host", "pid", "queues", "state", "job", "started", "processed", "failed"],
               [[w.id, w.host, w.pid, ",".join(w.queues), w.state, w.job_class, human_time(w.started),
                 w.processed, w.failed] for w in infos])
        return
    from ..runtime.process import run_pool
    from ..runtime.procline import set_title

    long_running()
    if count < 1:
        fail("set -c/--count or COUNT to 1 or more, e.g. COUNT=2 resque-interop workers")
    prepare_worker(opts)
    set_title(f"resque-interop pool: {count} workers")
    sys.exit(run_pool(count, lambda _i: run_worker(opts)))


@main.command()
@click.option("--json", "as_json", is_flag=True, help="As JSON.")
@connection_options
def info(as_json: bool, redis_url: str | None, namespace: str) -> None:
    """Resque.info: pending, processed, queues, workers, working, failed."""
    client = make_client(redis_url, namespace)
    facts = client.info()
    if as_json:
        echo_json(facts)
        return
    for key, value in facts.items():
        click.echo(f"{key}: {value}")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="As JSON: {processed, failed, keys: [{key, type, size}]}.")
@connection_options
def stats(as_json: bool, redis_url: str | None, namespace: str) -> None:
    """Counters and keys (as resque-web's stats page)."""
    client = make_client(redis_url, namespace)
    rows = [[k, *client.store.keyspace.key_info(k)] for k in client.all_keys()]
    processed, failures = client.stats.get("processed"), client.stats.get("failed")
    if as_json:
        echo_json({"processed": processed, "failed": failures,
                   "keys": [{"key": k, "type": kind, "size": size} for k, kind, size in rows]})
        return
    table("keys", ["key", "type", "size"], rows)
    click.echo(f"processed: {processed}  failed: {failures}")


@main.command()
@click.option("-q", "--queues", default="*", show_default=True, help="Prune as a worker on these queues.")
@connection_options
def prune(queues: str, redis_url: str | None, namespace: str) -> None:
    """Prune dead workers now, with Ruby's rules."""
    import socket

    from ..worker.prune import prune_dead_workers
    from ..worker.queues import QueueList

    client = make_client(redis_url, namespace)
    removed = prune_dead_workers(client, f"{socket.gethostname()}:{os.getpid()}:cli",
                                 QueueList.parse(queues).patterns, socket.gethostname(), force=True)
    click.echo("pruned: " + (", ".join(removed) if removed else "none"))


@main.command()
@connection_options
def pause(redis_url: str | None, namespace: str) -> None:
    """Pause every worker, Ruby and Python (SET pause-all-workers true)."""
    make_client(redis_url, namespace).pause_all()
    click.echo("paused all workers")


@main.command()
@connection_options
def resume(redis_url: str | None, namespace: str) -> None:
    """Resume every worker (DEL pause-all-workers)."""
    make_client(redis_url, namespace).resume_all()
    click.echo("resumed all workers")


@main.command()
@click.option("-p", "--port", type=int, default=5678, show_default=True, help="Port to listen on.")
@click.option("-o", "--host", default="127.0.0.1", show_default=True,
              help="Address to bind; 0.0.0.0 exposes it, so set a password.")
@click.option("--user", envvar="RESQUE_WEB_USER", default=None, help="Basic auth user (RESQUE_WEB_USER).")
@click.option("--password", envvar="RESQUE_WEB_PASSWORD", default=None,
              help="Basic auth password (RESQUE_WEB_PASSWORD).")
@click.option("--failure-backend", envvar="FAILURE_BACKEND", default="redis", show_default=True,
              callback=failure_backend_name, help="FAILURE_BACKEND (reads go to the first named).")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="NAME",
              help="Also answer to this Host name (repeatable; RESQUE_WEB_ALLOWED_HOSTS, comma-separated, too). "
                   "By default only the bind address, localhost, 127.0.0.1 and [::1]; others get 421.")
@click.option("-s", "--schedule", "schedule_file", envvar="RESQUE_SCHEDULE", default=None,
              help="Show this YAML file's schedules beside the persistent ones (RESQUE_SCHEDULE).")
@connection_options
def web(port: int, host: str, user: str | None, password: str | None, failure_backend: str,
        allow_hosts: tuple[str, ...], schedule_file: str | None, redis_url: str | None, namespace: str) -> None:
    """Serve the dashboard (resque-web's options)."""
    from ..scheduler.schedule_times import ScheduleSyntaxError
    from ..scheduler.schedules import load_schedule_file
    from ..web.app import create_app

    long_running()
    client = make_client(redis_url, namespace, failure_backend=failure_backend)
    if schedule_file:
        try:
            client.schedules.load(load_schedule_file(schedule_file))
        except (OSError, ScheduleSyntaxError) as exc:
            fail(f"schedule refused: {exc}")
    app = create_app(client, auth=(user, password) if user and password else None, bind=host,
                     allow_hosts=allow_hosts)
    banner(f"resque-interop dashboard on http://{host}:{port}/ ({client.redis_id}, namespace {namespace})", err=False)
    import waitress  # a production WSGI server: threads, no development-server warning

    try:
        waitress.serve(app, host=host, port=port, threads=8, ident="resque_interop")
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc} (another process has the port? "
             "choose another with -p/--port)")


@main.command()
@click.option("--no-fork", is_flag=True, help="Run the jobs in-process.")
def demo(no_fork: bool) -> None:
    """Start a private Redis (unless REDIS_URL is set), enqueue as Rails would, work, show the result."""
    from ..dev.demo import run_demo

    sys.exit(run_demo(click.echo, fork_per_job=not no_fork))


main.add_command(failed)
main.add_command(scheduler)
main.add_command(delayed)
main.add_command(retries)
main.add_command(schedule)
main.add_command(doctor)
main.add_command(work)
main.add_command(pool)
