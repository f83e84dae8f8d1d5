#!/usr/bin/env bash
# Run the whole test suite: unit, data, model and headless-Chromium browser tests.
# Installs the environment and Debian's chromium + chromium-driver when missing. Extra arguments go
# to pytest (e.g. `bash scripts/test.sh -k waterfall`).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/_setup_env.sh

if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    echo "==> installing chromium and chromium-driver with apt (browser tests)"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver
else
    echo "==> chromium and chromedriver found"
fi

echo "==> ruff"
"$ROOT/.venv/bin/ruff" check src scripts tests
echo "==> pytest"
exec "$ROOT/.venv/bin/python" -m pytest --headless "$@"
