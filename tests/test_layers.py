"""The package's layers, read from its imports (every one: TYPE_CHECKING and function-level too).

A module imports only its own layer's part (its folder) or the parts below it, so a reader can
tell where a module sits; no two modules import each other in a circle, not even through a type
hint; only store/ (and aio's store) calls Redis. Paths users import (the README's and the docs'
``from resque_interop... import ...`` lines) keep working after any move.
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

import resque_interop

PACKAGE = Path(resque_interop.__file__).parent
ROOT = PACKAGE.parent

#: part -> layer, bottom first; a part is a sub-package (its folder's name), or ``base`` for the
#: top-level modules (errors, version) and ``entry`` for the package's own entry points
#: (``__init__`` re-exports the client's API, ``__main__`` runs the CLI). Parts on one layer
#: may not import each other.
LAYERS: dict[str, float] = {
    "base": 0,
    "schema": 1, "runtime": 1,
    "store": 2,
    "failure": 3,
    "scheduler": 4,
    "retry": 4.5,  # resque-retry: below the client, whose registry and jobs hold a Retry
    "client": 5,
    "worker": 6,
    "metrics": 7, "aio": 7, "dev": 7,
    "web": 8,
    "cli": 9,
    "entry": 10,
}
ENTRY_POINTS = {"", "__main__"}


def module_name(path: Path) -> str:
    """``store.datastore`` for resque_interop/store/datastore.py, ``""`` for the package itself."""
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def part_of(module: str) -> str:
    """The part a module belongs to: its folder's name, ``entry`` or ``base`` at the top level."""
    head, _, rest = module.partition(".")
    if module in ENTRY_POINTS:
        part = "entry"
    elif rest or (PACKAGE / head).is_dir():
        part = head
    else:
        part = "base"
    if part not in LAYERS:
        raise AssertionError(f"resque_interop.{module}: its folder {part!r} has no layer in LAYERS ({__file__})")
    return part


def is_module(name: str) -> bool:
    path = PACKAGE.joinpath(*name.split(".")) if name else PACKAGE
    return path.is_dir() or path.with_suffix(".py").is_file()


def imports(source: str, module: str, is_package: bool) -> set[str]:
    """Every resque_interop module ``module`` imports (names relative to the package)."""
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {a.name.removeprefix("resque_interop").lstrip(".") for a in node.names
                      if a.name.split(".")[0] == "resque_interop"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".") if package else []
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            elif (node.module or "").split(".")[0] == "resque_interop":
                target = (node.module or "").removeprefix("resque_interop").lstrip(".")
            else:
                continue
            for alias in node.names:  # ``from . import scripts`` imports the module ``scripts``
                sub = f"{target}.{alias.name}".lstrip(".")
                found.add(sub if is_module(sub) else target)
    return found


def edges(package: Path = PACKAGE) -> list[tuple[str, str]]:
    """(importer, imported) module pairs across the package."""
    out = []
    for path in sorted(package.rglob("*.py")):
        name = module_name(path)
        out += [(name, target) for target in imports(path.read_text(), name, path.name == "__init__.py")]
    return out


def test_every_import_points_down_or_within_its_part() -> None:
    upward = []
    for source, target in edges():
        a, b = part_of(source), part_of(target)
        if a != b and LAYERS[b] >= LAYERS[a]:
            upward.append(f"resque_interop.{source} ({a}, layer {LAYERS[a]}) imports "
                          f"resque_interop.{target} ({b}, layer {LAYERS[b]})")
    assert not upward, "imports against the layers:\n" + "\n".join(upward)


def test_no_cycle_between_parts() -> None:
    graph: dict[str, set[str]] = {}
    for source, target in edges():
        a, b = part_of(source), part_of(target)
        if a != b:
            graph.setdefault(a, set()).add(b)

    def cycle_from(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return [*path[path.index(node):], node]
        for nxt in sorted(graph.get(node, ())):
            found = cycle_from(nxt, [*path, node])
            if found:
                return found
        return None

    cycles = [c for c in (cycle_from(part, []) for part in sorted(graph)) if c]
    assert not cycles, f"sub-packages import each other in a circle: {' -> '.join(cycles[0])}"


def module_cycles(pairs: list[tuple[str, str]]) -> list[list[str]]:
    """The import circles between modules (strongly connected groups of two or more, or a module
    importing itself), found with Tarjan's algorithm."""
    graph: dict[str, set[str]] = {}
    for source, target in pairs:
        graph.setdefault(source, set()).add(target)
        graph.setdefault(target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                group.append(item)
                if item == node:
                    break
            if len(group) > 1 or node in graph[node]:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_circle_between_modules() -> None:
    """Every import counts (type-only and function-level too): no module reaches itself."""
    cycles = module_cycles(edges())
    assert not cycles, "modules import each other in a circle:\n" + "\n".join(
        " <-> ".join(f"resque_interop.{m}" if m else "resque_interop" for m in group) for group in cycles)


def test_the_cycle_check_sees_a_type_only_circle() -> None:
    """A type-only import back is a circle too (the check is not vacuous)."""
    back = imports("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .resque import Resque\n",
                   "client.job", is_package=False)
    assert back == {"client.resque"}
    assert module_cycles([("client.resque", "client.job"), ("client.job", "client.resque")]) == [
        ["client.job", "client.resque"]]
    assert module_cycles([("client.resque", "client.job")]) == []


def test_top_level_holds_only_entry_points_errors_and_version() -> None:
    top = sorted(p.stem for p in PACKAGE.glob("*.py"))
    assert top == ["__init__", "__main__", "errors", "version"], top


def test_the_check_sees_an_upward_import() -> None:
    """A type-only import of the client from the schema is refused (the check is not vacuous)."""
    source = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..client import Resque\n"
    found = imports(source, "schema.keys", is_package=False)
    assert found == {"client"}
    assert LAYERS[part_of("client")] > LAYERS[part_of("schema.keys")]


DOC_IMPORT = re.compile(r"^\s*from (resque_interop[\w.]*) import ([\w, ]+)$", re.M)


def documented_imports() -> list[tuple[str, str]]:
    found = set()
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for module, names in DOC_IMPORT.findall(doc.read_text()):
            found |= {(module, n.strip()) for n in names.split(",") if n.strip()}
    return sorted(found)


@pytest.mark.parametrize(("module", "name"), [
    *documented_imports(),
    ("resque_interop", "Resque"), ("resque_interop.worker", "Worker"), ("resque_interop.aio", "AsyncResque"),
    ("resque_interop.web.app", "create_app"), ("resque_interop.web.app", "mount"), ("resque_interop.cli", "main"),
    ("resque_interop.metrics", "ResqueCollector"), ("resque_interop.failure", "FailureBackend"),
])
def test_public_paths_still_import(module: str, name: str) -> None:
    assert hasattr(importlib.import_module(module), name), f"from {module} import {name} no longer works"


def test_public_api_names_resolve() -> None:
    assert resque_interop.__all__
    for name in resque_interop.__all__:
        assert hasattr(resque_interop, name), name


#: the one module outside the store part that may call Redis: the asyncio client's store
ASYNC_STORE = "aio.store"
#: names a Redis client or pipeline goes by: a method called on one is a Redis command
REDIS_RECEIVERS = {"redis", "pipe", "pipeline", "multi"}


def _dotted(node: ast.expr) -> list[str] | None:
    """``["redis", "asyncio", "Redis"]`` for ``redis.asyncio.Redis``; None for anything else."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.insert(0, node.attr)
        node = node.value
    return [node.id, *parts] if isinstance(node, ast.Name) else None


def _resolve(path: list[str]) -> object:
    """The object ``redis.asyncio.Redis`` names in the installed redis package."""
    target: object = importlib.import_module(path[0])
    for at, part in enumerate(path[1:], 1):
        try:
            target = getattr(target, part)
        except AttributeError:
            target = importlib.import_module(".".join(path[: at + 1]))
    return target


def redis_calls(source: str) -> list[str]:
    """Where ``source`` talks to Redis itself, by two rules:

    1. a name bound from the ``redis`` package (``import redis``, ``import redis.asyncio as
       aioredis``, ``from redis.exceptions import ResponseError``) reaches only exception
       classes (anywhere: ``except``, ``raise``) and classes used as types (in annotations
       and as ``isinstance``'s class), resolved on the installed package: ``redis.Redis(...)``,
       ``aioredis.Redis.from_url(...)`` or a client class passed around as a value is refused;
    2. no method is called on a variable or attribute named ``redis``, ``pipe``, ``pipeline``
       or ``multi``: ``client.redis.ping()``, ``pipe.sadd(...)``, ``redis.lrange(...)``.

    Handing a client to the store (``QueueWaiter(client.redis, keys)``) is neither."""
    tree = ast.parse(source)
    bound: dict[str, str] = {}  # local name -> the redis path it stands for
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "redis":
                    bound[a.asname or "redis"] = a.name if a.asname else "redis"
        elif isinstance(node, ast.ImportFrom) and not node.level and (node.module or "").split(".")[0] == "redis":
            for a in node.names:
                bound[a.asname or a.name] = f"{node.module}.{a.name}"
    typed: set[int] = set()  # the nodes of annotations and of isinstance's class argument
    shadowed: set[tuple[int, str]] = set()
    parent: dict[int, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parent[id(child)] = node
        roots: list[ast.expr | None] = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            every = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs,
                     *[a for a in (node.args.vararg, node.args.kwarg) if a is not None]]
            roots = [node.returns, *(a.annotation for a in every)]
            # a parameter named like a module (``redis: str | redis.Redis``) hides it in the body
            hidden = {a.arg for a in every} & set(bound)
            shadowed |= {(id(n), name) for stmt in node.body for n in ast.walk(stmt) for name in hidden}
        elif isinstance(node, ast.AnnAssign):
            roots = [node.annotation]
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id in ("isinstance", "issubclass") and len(node.args) == 2):
            roots = [node.args[1]]
        typed |= {id(n) for root in roots if root is not None for n in ast.walk(root)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Name, ast.Attribute)) and isinstance(node.ctx, ast.Load):
            up = parent.get(id(node))
            chain = _dotted(node)
            if (chain and chain[0] in bound and (id(node), chain[0]) not in shadowed
                    and not (isinstance(up, ast.Attribute) and up.value is node)):
                target = _resolve([*bound[chain[0]].split("."), *chain[1:]])
                is_class = isinstance(target, type)
                if not (is_class and (issubclass(target, BaseException) or id(node) in typed)):
                    found.append(f"line {node.lineno}: {'.'.join(chain)}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            receiver = node.func.value
            name = receiver.attr if isinstance(receiver, ast.Attribute) else getattr(receiver, "id", None)
            if name in REDIS_RECEIVERS:
                found.append(f"line {node.lineno}: {ast.unparse(node.func)}(...)")
    return sorted(set(found))


def test_redis_is_called_only_from_the_store() -> None:
    """Every Redis command goes through ``store/`` (or the asyncio client's ``aio/store.py``);
    elsewhere the redis package gives only its exceptions and types (rules: :func:`redis_calls`)."""
    offences = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = module_name(path)
        if part_of(name) == "store" or name == ASYNC_STORE:
            continue
        offences += [f"resque_interop.{name} {where}" for where in redis_calls(path.read_text())]
    assert not offences, "Redis called outside the store:\n" + "\n".join(offences)


def test_the_redis_check_sees_calls_and_allows_exceptions() -> None:
    """The check is not vacuous: it sees a client made or called, and lets exceptions and types by."""
    source = (
        "import redis\nimport redis.asyncio as aioredis\nfrom redis.exceptions import ResponseError\n"
        "def f(client: redis.Redis, pipe: object) -> None:\n"
        "    client.redis.ping()\n    pipe.sadd('queues', 'q')\n    redis.Redis(port=1)\n"
        "    aioredis.Redis.from_url('redis://')\n    kind = redis.Redis\n"
        "    try:\n        hand_over(client.redis)\n    except (redis.ConnectionError, ResponseError):\n"
        "        isinstance(client, aioredis.Redis)\n"
        "def g(redis: str | redis.Redis) -> None:\n    hand_over(redis)\n"
    )
    assert redis_calls(source) == [
        "line 5: client.redis.ping(...)", "line 6: pipe.sadd(...)", "line 7: redis.Redis",
        "line 7: redis.Redis(...)", "line 8: aioredis.Redis.from_url", "line 9: redis.Redis",
    ]
    # and the store's own modules, which it skips, are what it would find
    assert redis_calls((PACKAGE / "store" / "waits.py").read_text())
    assert redis_calls((PACKAGE / "aio" / "store.py").read_text())
