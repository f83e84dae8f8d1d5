#!/usr/bin/env bash
# Run the whole test suite: unit, data, model, storage (real PostgreSQL and Redis) and
# headless-Chromium browser tests. Installs the environment, Debian's chromium + chromium-driver
# and postgresql + redis-server when missing; starts a throw-away PostgreSQL and Redis on loopback
# (data in a temporary folder, stopped on exit whatever happens). Extra arguments go to pytest
# (e.g. `bash scripts/test.sh -k waterfall`). CREDIT_TEST_DATABASE_URL / CREDIT_TEST_REDIS_URL
# already set: those servers are used instead.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/_setup_env.sh
# shellcheck source=scripts/_services.sh
source scripts/_services.sh
PYTHON_FOR_PORTS="$ROOT/.venv/bin/python"

if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    echo "==> installing chromium and chromium-driver with apt (browser tests)"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver
else
    echo "==> chromium and chromedriver found"
fi

# axe-core, the accessibility engine the browser tests run on every page (npm package).
AXE_DIR="$ROOT/.cache/axe"
if [ ! -f "$AXE_DIR/node_modules/axe-core/axe.min.js" ]; then
    if ! command -v npm >/dev/null 2>&1; then
        echo "==> installing npm with apt (for axe-core)"
        SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq npm
    fi
    echo "==> installing axe-core from npm into .cache/axe"
    mkdir -p "$AXE_DIR"
    npm install --no-save --no-audit --no-fund --silent --prefix "$AXE_DIR" axe-core@4
else
    echo "==> axe-core found"
fi
export CREDIT_AXE_JS="$AXE_DIR/node_modules/axe-core/axe.min.js"

echo "==> ruff"
"$ROOT/.venv/bin/ruff" check src scripts tests

SERVICES_TMP=""
cleanup() {
    stop_services
    [ -n "$SERVICES_TMP" ] && rm -rf "$SERVICES_TMP"
}
trap cleanup EXIT
if [ -z "${CREDIT_TEST_DATABASE_URL:-}" ] || [ -z "${CREDIT_TEST_REDIS_URL:-}" ]; then
    install_services
    SERVICES_TMP="$(mktemp -d -t credit-test-services.XXXXXX)"
    if [ -z "${CREDIT_TEST_DATABASE_URL:-}" ]; then
        start_postgres "$SERVICES_TMP"
        export CREDIT_TEST_DATABASE_URL="$PG_URL"
    fi
    if [ -z "${CREDIT_TEST_REDIS_URL:-}" ]; then
        start_redis "$SERVICES_TMP"
        export CREDIT_TEST_REDIS_URL="$REDIS_URL"
    fi
fi

echo "==> pytest"
# Not exec: the EXIT trap must stop the servers after pytest.
"$ROOT/.venv/bin/python" -m pytest --headless "$@"
