"""``resque-interop doctor``: which JSON dialect the Ruby side writes (resque_interop.client.doctor)."""

from __future__ import annotations

import click

from ..client.doctor import diagnose
from ..schema.readable import counted
from .common import connection_options, echo_json, make_client


@click.command()
@click.option("-n", "--sample", type=int, default=100, show_default=True,
              help="Entries read from each queue and failure list (and delayed timestamps / 10).")
@click.option("--json", "as_json", is_flag=True, help="As JSON.")
@connection_options
def doctor(sample: int, as_json: bool, redis_url: str | None, namespace: str) -> None:
    """Tell which JSON dialect the Ruby side writes (json, oj, rails, ...) from the queues, failures
    and delayed jobs in Redis, with the evidence, and whether it is the one configured
    (--dialect / RESQUE_DIALECT). Exits 1 when they differ."""
    client = make_client(redis_url, namespace)
    found = diagnose(client, sample)
    if as_json:
        echo_json(found.as_dict())
    else:
        click.echo(f"sampled {counted(found.sampled, 'entry', 'entries')} ({found.unreadable} unreadable); "
                   f"{found.telling} tell the dialects apart")
        for dialect, count in found.reproduced.items():
            click.echo(f"  {dialect:9} writes {count} of {found.telling} as stored")
        for item in found.evidence:
            click.echo(f"- {item.source}: written as by {', '.join(item.dialects)}: {item.excerpt}")
            for dialect, why in item.differences.items():
                click.echo(f"    not {dialect}: {why}")
        if found.matches is None:
            click.echo(f"nothing tells the dialects apart; configured: {found.configured}")
        elif found.matches:
            click.echo(f"OK: the configured dialect {found.configured} writes what is stored "
                       f"(consistent: {', '.join(found.verdict)})")
        else:
            best = found.verdict or sorted(found.reproduced, key=lambda d: -found.reproduced[d])[:1]
            click.echo(f"MISMATCH: configured {found.configured}, stored entries are written as by "
                       f"{', '.join(best)}: set RESQUE_DIALECT={best[0]} (or --dialect {best[0]})")
    if found.matches is False:
        raise SystemExit(1)
