"""Importing the module that registers the jobs (``-A``/``RESQUE_APP``), the way
``python -m`` and ``flask --app`` find one.

A dotted name (``myapp.jobs``) is looked up from the current directory first,
then on the Python path; a file or folder path (``src/myapp/jobs.py``) is
imported under its package name with the folder above the package on the path.
Only this operator-given name is ever imported: class names read from Redis
go through the registry.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from types import ModuleType

from ..errors import AppImportError


def _module_for_path(path: Path) -> tuple[str, Path]:
    """``(dotted name, folder to put on sys.path)`` for a ``.py`` file or a package
    folder: walks up while the folders are packages, as ``flask --app`` does."""
    path = path.resolve()
    if path.name == "__init__.py":
        path = path.parent
    parts, folder = [path.name if path.is_dir() else path.stem], path.parent
    while (folder / "__init__.py").exists():
        parts.insert(0, folder.name)
        folder = folder.parent
    return ".".join(parts), folder


def _is_path(spec: str) -> bool:
    return spec.endswith(".py") or os.sep in spec or "/" in spec


def _put_first(folder: str) -> None:
    if folder not in sys.path:
        sys.path.insert(0, folder)


def _missing(spec: str, exc: ModuleNotFoundError) -> bool:
    """Whether ``exc`` says ``spec`` itself (or a package above it) was not found,
    rather than something the module imports."""
    return bool(exc.name) and (spec == exc.name or spec.startswith(f"{exc.name}."))


def _shadowing_module(name: str, exc: ModuleNotFoundError) -> str | None:
    """Why ``a`` "is not a package" when ``a.b`` was asked for: a module file ``a.py``
    found before the folder ``a/`` (a folder without ``__init__.py`` loses to a file)."""
    if "is not a package" not in str(exc) or "." not in name:
        return None
    parts = name.split(".")
    for depth in range(1, len(parts)):
        module = sys.modules.get(".".join(parts[:depth]))
        found = getattr(module, "__file__", None)
        if module is not None and not hasattr(module, "__path__") and found:
            folder = Path(found).with_suffix("")
            also = (f"; the folder {folder}/ beside it has no __init__.py, so the file wins"
                    if folder.is_dir() and not (folder / "__init__.py").exists() else "")
            return (f"{'.'.join(parts[:depth])!r} is the module file {found}, not a package{also}. "
                    f"Add {folder.name}/__init__.py to make the folder a package, or rename the file")
    return None


def import_app(spec: str) -> ModuleType:
    """Import ``spec`` (a dotted module name, or a path to a ``.py`` file or package
    folder); :class:`AppImportError` says where it looked and what to try."""
    cwd = os.getcwd()
    name = spec
    if _is_path(spec):
        path = Path(spec)
        if not path.exists():
            raise AppImportError(f"cannot import app module {spec!r}: no such file or folder (from {cwd})")
        name, folder = _module_for_path(path)
        _put_first(str(folder))
    else:
        _put_first(cwd)  # as `python -m`: the current directory comes first
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        shadow = _shadowing_module(name, exc)
        if shadow:
            raise AppImportError(f"cannot import app module {spec!r}: {shadow}") from exc
        if not _missing(name, exc):
            raise AppImportError(
                f"cannot import app module {spec!r}: importing it failed with {exc} "
                f"(is that package installed in this environment, {sys.prefix}?)"
            ) from exc
        top = f"{name.split('.')[0]}/" if "." in name else f"{name}.py"
        pythonpath = os.environ.get("PYTHONPATH")
        looked = f"the current directory ({cwd})" + (f", PYTHONPATH ({pythonpath})" if pythonpath else "")
        hint = f"{name.replace('.', '/')}.py"
        raise AppImportError(
            f"cannot import app module {spec!r}: {exc}. Looked in {looked} and the packages installed in "
            f"{sys.prefix}. Run from the folder that holds {top}, set PYTHONPATH to that folder, "
            f"or give a path: -A path/to/{hint}"
        ) from exc
    except ImportError as exc:
        raise AppImportError(f"cannot import app module {spec!r}: importing it failed with {exc}") from exc
