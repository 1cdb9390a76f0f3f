"""resque-pool's ``config/resque-pool.yml``, read as resque-pool 0.8.0 reads it.

The file maps a queue list to a worker count (``"high,low": 2``). Lookup order: the
``-c`` path, else ``RESQUE_POOL_CONFIG``, else the first of ``resque-pool.yml`` and
``config/resque-pool.yml`` that exists (no file: an empty pool). The environment
(``RACK_ENV``, else ``RAILS_ENV``, else ``RESQUE_ENV``) picks a section whose entries
are merged over the root ones; every other section (any value that is a mapping) is
dropped. resque-pool runs the file through ERB first; Python has no ERB, so a file
with ``<%`` is refused with a line saying so rather than read wrongly.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from ..errors import ResqueError

#: resque-pool's ConfigLoaders::FileOrHashLoader::CONFIG_FILES, in its order.
CONFIG_FILES = ("resque-pool.yml", "config/resque-pool.yml")


class PoolConfigError(ResqueError, ValueError):
    """A resque-pool.yml that cannot be used; says which file and why."""


def pool_environment(environ: Mapping[str, str] | None = None) -> str | None:
    """resque-pool's ``environment``: RACK_ENV, else RAILS_ENV, else RESQUE_ENV."""
    env = os.environ if environ is None else environ
    return env.get("RACK_ENV") or env.get("RAILS_ENV") or env.get("RESQUE_ENV") or None


def find_config_file(path: str | None = None, environ: Mapping[str, str] | None = None,
                     cwd: Path | None = None) -> Path | None:
    """The file resque-pool would read: ``path``, RESQUE_POOL_CONFIG, or the first default
    that exists (relative to ``cwd``); None when there is none."""
    env = os.environ if environ is None else environ
    chosen = path or env.get("RESQUE_POOL_CONFIG")
    base = cwd or Path.cwd()
    if chosen:
        return base / chosen
    for name in CONFIG_FILES:
        if (base / name).is_file():
            return base / name
    return None


def parse_pool_config(text: str, environment: str | None, source: str = "resque-pool.yml") -> dict[str, int]:
    """Queue list -> worker count, with the environment's section merged over the root."""
    if "<%" in text:
        raise PoolConfigError(
            f"{source}: ERB tags (<% ... %>) are not supported: resque-pool runs the file through ERB, "
            "resque-interop reads plain YAML; write the values out (or render the file first)")
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PoolConfigError(f"{source}{_yaml_where_and_what(exc)}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise PoolConfigError(f"{source}: expected a mapping of queue lists to worker counts, "
                              f"got {type(loaded).__name__}")
    config: dict[Any, Any] = dict(loaded)
    section = config.get(environment) if environment else None
    if isinstance(section, dict):
        config.update(section)
    counts: dict[str, int] = {}
    for key, value in config.items():
        if isinstance(value, dict):
            continue  # another environment's section
        queues = _queue_list(key, source)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise PoolConfigError(f"{source}: {queues!r}: the worker count must be a whole number >= 0, "
                                  f"got {value!r}")
        counts[queues] = value
    return counts


def load_pool_config(path: str | None = None, environ: Mapping[str, str] | None = None,
                     cwd: Path | None = None) -> tuple[Path | None, dict[str, int]]:
    """(the file read or None, its counts for the current environment)."""
    found = find_config_file(path, environ, cwd)
    if found is None:
        return None, {}
    try:
        text = found.read_text(encoding="utf-8")
    except OSError as exc:
        raise PoolConfigError(f"{found}: cannot be read: {exc.strerror or exc}") from None
    return found, parse_pool_config(text, pool_environment(environ), str(found))


def _queue_list(key: Any, source: str) -> str:
    if isinstance(key, bool) or key is None:
        raise PoolConfigError(f"{source}: {key!r} is not a queue list (quote it)")
    text = str(key)
    if not text or any(not part for part in text.split(",")):
        raise PoolConfigError(f"{source}: {text!r} is not a queue list")
    return text


def _yaml_where_and_what(exc: yaml.YAMLError) -> str:
    """``:LINE:COLUMN: not valid YAML: <problem>`` on one line (PyYAML's own text spans
    several and names the source ``<unicode string>``)."""
    mark = getattr(exc, "problem_mark", None)
    where = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
    what = " ".join(filter(None, [getattr(exc, "context", None), getattr(exc, "problem", None)]))
    return f"{where}: not valid YAML: {what or ' '.join(str(exc).split())}"
