"""The README's first command, `./scripts/demo`, in a copy of the checkout with no
virtualenv active and no Redis configured: it makes its own .venv, installs the
package there (not into the system's Python) and runs the demo against a
private redis-server. Slow (a pip install into a new virtualenv), so marked;
CI runs it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .support.workers import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def _checkout_copy(dest: Path) -> Path:
    """What a fresh clone holds that the demo needs (no .venv, no build output)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", ".venv")
    for name in ("README.md", "pyproject.toml"):
        shutil.copy2(ROOT / name, dest / name)
    for name in ("resque_interop", "scripts"):
        shutil.copytree(ROOT / name, dest / name, ignore=ignore)
    return dest


def _without_virtualenv() -> dict[str, str]:
    """This process's environment minus any virtualenv and Redis settings."""
    venv_bins = {str(Path(sys.prefix) / "bin"), str(ROOT / ".venv" / "bin")}
    if os.environ.get("VIRTUAL_ENV"):
        venv_bins.add(str(Path(os.environ["VIRTUAL_ENV"]) / "bin"))
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if p not in venv_bins)
    drop = {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "REDIS_URL", "RESQUE_NAMESPACE", "RESQUE_TEST_REDIS_URL",
            "PYTHON", "PIP_REQUIRE_VIRTUALENV"}
    return {**{k: v for k, v in os.environ.items() if k not in drop}, "PATH": path}


def test_scripts_demo_makes_its_virtualenv_and_runs_the_demo(tmp_path: Path) -> None:
    env = _without_virtualenv()
    python = shutil.which("python3", path=env["PATH"])
    if python is None:
        pytest.skip("no python3 on PATH outside the virtualenv")
    checkout = _checkout_copy(tmp_path)

    done = subprocess.run(["./scripts/demo"], cwd=checkout, env=env, capture_output=True, text=True, timeout=840)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert f"into {checkout / '.venv'}" in done.stderr
    assert '{"class":"Archive","args":[44,"masterbrew"]}' in out
    assert "Processed: 4   Failed: 1" in out and 'failed Archive["oops","masterbrew"]' in out

    venv_python = checkout / ".venv" / "bin" / "python"
    found = subprocess.run([str(venv_python), "-c", "import resque_interop; print(resque_interop.__file__)"],
                           cwd=tmp_path.parent, env=env, capture_output=True, text=True, timeout=60)
    assert found.stdout.strip() == str(checkout / "resque_interop" / "__init__.py")
    assert (checkout / ".venv" / "bin" / "resque-interop").exists()
    # nothing was installed into the Python the script was started with
    outside = subprocess.run([python, "-c", "import importlib.util as u; s = u.find_spec('resque_interop'); "
                                            "print(s.origin if s else '')"],
                             cwd=tmp_path.parent, env=env, capture_output=True, text=True, timeout=60)
    assert str(checkout) not in outside.stdout

    # a second run reuses the virtualenv
    again = subprocess.run(["./scripts/demo", "--no-fork"], cwd=checkout, env=env, capture_output=True, text=True,
                           timeout=600)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Processed: 4   Failed: 1" in again.stdout
