"""Writes docs/cli.md from the CLI's own --help texts (tests/test_cli.py checks they agree).

    python scripts/cli_docs.py > docs/cli.md
"""

from __future__ import annotations

import click

from resque_interop.cli import main

INTRO = """# Command line: `resque-interop`

Every option falls back to the environment variable Ruby Resque reads, so a
Procfile line `worker: QUEUE=file_serve rake resque:work` becomes
`worker: QUEUE=file_serve resque-interop work -A myapp.jobs`. `-A/--app`
(`RESQUE_APP`) names the module that registers your jobs, as the Rakefile's
`require 'your/app'` does: a dotted name found from the current directory first
(as `python -m` finds it), then the installed packages, or a file path
(`-A src/myapp/jobs.py`). Errors print one line and exit non-zero; a Redis
error names what to do ("Error: Redis is out of memory (maxmemory reached ...)",
"Error: Redis is a read-only replica: point REDIS_URL at the primary", a password
missing from REDIS_URL, a key of the wrong type, a Redis that did not answer in time).

Listing commands take `--json`. Tables never cut a cell: on a terminal a long
one wraps, into a pipe or a log the table is as wide as its widest row. Times
print as ISO 8601 with the zone, with the epoch beside them where scripts need it.

Signals to `work` (and to each process of `workers -c N`), as Resque:
QUIT finishes the job then exits; TERM and INT kill the job's child and exit
(with `TERM_CHILD`, TERM first, KILL after `RESQUE_TERM_TIMEOUT`, waiting
`RESQUE_PRE_SHUTDOWN_TIMEOUT` before that); USR1 kills the child and goes on;
USR2 pauses; CONT resumes. `scheduler` stops on TERM, INT or QUIT, releasing
the master lock; `web` on TERM or INT (see docs/operations.md).

This page is generated from the `--help` texts below (`python scripts/cli_docs.py`).
"""


def render() -> str:
    out = [INTRO]

    def walk(command: click.Command, path: list[str], parent: click.Context | None) -> None:
        # chained as when run, so that the group's settings (-h for --help) reach every command
        ctx = click.Context(command, info_name=path[-1], parent=parent, **command.context_settings)
        out.append(f"\n## `{' '.join(path)}`\n\n```\n{command.get_help(ctx)}\n```\n")
        if isinstance(command, click.Group):
            for name in sorted(command.commands):
                walk(command.commands[name], [*path, name], ctx)

    walk(main, ["resque-interop"], None)
    return "".join(out)


if __name__ == "__main__":
    print(render(), end="")
