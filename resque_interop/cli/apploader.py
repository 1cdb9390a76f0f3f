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
