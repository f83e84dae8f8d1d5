#!/usr/bin/env bash
# Shared by run.sh and test.sh: create .venv and install the project when missing or out of date.
# Idempotent: a stamp file remembers the pyproject.toml it installed, so a second run does nothing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
VENV="$ROOT/.venv"
STAMP="$ROOT/.setup-stamp"

# A venv whose creation was interrupted has a python but no pip: start it again from scratch.
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
    echo "==> creating virtual environment in .venv"
    rm -f "$STAMP"
    if ! "$PYTHON" -m venv --clear "$VENV" 2>/dev/null; then
        echo "==> python3-venv missing: installing it with apt"
        SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
        $SUDO apt-get update -qq && $SUDO apt-get install -y -qq python3-venv
        "$PYTHON" -m venv "$VENV"
    fi
fi

want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
have="$(cat "$STAMP" 2>/dev/null || true)"
if [ "$want" != "$have" ]; then
    echo "==> installing the project and its dependencies into .venv (a few minutes the first time)"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -e ".[test,mlflow]"
    echo "$want" > "$STAMP"
else
    echo "==> .venv is up to date"
fi
