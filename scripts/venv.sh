# Sourced by scripts/test and scripts/demo: activates a virtualenv, first making
# .venv when none is active, so that nothing is installed into the system's
# Python (which Debian and Ubuntu refuse anyway: PEP 668, externally-managed-environment).
# PYTHON picks the interpreter (default python3).

use_venv() {
  local python=${PYTHON:-python3}
  if [ -n "${VIRTUAL_ENV:-}" ]; then
    return 0
  fi
  if [ ! -x .venv/bin/python ]; then
    if ! command -v "$python" >/dev/null 2>&1; then
      echo "no $python on PATH: install Python 3.10 or newer, or set PYTHON=/path/to/python3" >&2
      exit 1
    fi
    if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
      echo "resque_interop needs Python 3.10 or newer; $python is $("$python" -V 2>&1): set PYTHON=python3.12 (say)" >&2
      exit 1
    fi
    if ! "$python" -m venv .venv >/dev/null 2>&1; then
      # Debian's and Ubuntu's python3 come without venv until python3-venv is installed
      rm -rf .venv
      if command -v apt-get >/dev/null 2>&1; then
        local sudo=""
        [ "$(id -u)" = 0 ] || sudo="sudo"
        echo "installing python3-venv with apt-get (this python3 cannot make a virtualenv without it)" >&2
        $sudo apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-venv >/dev/null
      fi
      if ! "$python" -m venv .venv; then
        rm -rf .venv
        echo "$python cannot make a virtualenv: install your system's venv package (python3-venv)" >&2
        exit 1
      fi
    fi
  fi
  # shellcheck disable=SC1091
  . .venv/bin/activate
}
