#!/usr/bin/env bash
# Sourced by test.sh (and usable by hand): throw-away PostgreSQL and Redis servers on loopback,
# their data in a temporary folder, stopped by stop_services (test.sh runs it on EXIT).
#   install_services          apt-get install postgresql redis-server when a binary is missing
#   start_postgres DIR        initdb + pg_ctl start on a free port; sets PG_URL
#   start_redis DIR           redis-server on a free port, no persistence; sets REDIS_URL
#   stop_services             stops what start_* started (safe to call twice)
#   stop_postgres DIR / stop_redis PORT DIR   the same for servers started by another shell
# Ports: free ones picked by the kernel, or from CREDIT_SERVICES_PORTS="FIRST-LAST" when set.

_SERVICES_STARTED=()

_sudo() { if [ "$(id -u)" -ne 0 ]; then sudo "$@"; else "$@"; fi; }

pg_bindir() {
    local found
    found="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
    [ -n "$found" ] && [ -x "$found/initdb" ] && echo "$found"
}

install_services() {
    if [ -z "$(pg_bindir)" ] || ! command -v redis-server >/dev/null 2>&1; then
        echo "==> installing postgresql and redis-server with apt (storage tests)"
        _sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive _sudo apt-get install -y -qq postgresql redis-server
        # Debian starts the packaged services; the tests use their own, on other ports.
    else
        echo "==> postgresql and redis-server found"
    fi
}

free_port() {
    local range="${CREDIT_SERVICES_PORTS:-}"
    "${PYTHON_FOR_PORTS:-python3}" - "$range" <<'PY'
import socket, sys
first, last = (map(int, sys.argv[1].split("-")) if sys.argv[1] else (0, 0))
for port in range(first, last + 1) if first else [0]:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            continue
        print(probe.getsockname()[1])
        break
else:
    sys.exit(f"no free port in {sys.argv[1]}")
PY
}

# As root, PostgreSQL refuses to run: the server runs as the 'postgres' account (or nobody).
_as_db_user() {
    if [ "$(id -u)" -ne 0 ]; then "$@"; return; fi
    local user=postgres
    id -u "$user" >/dev/null 2>&1 || user=nobody
    runuser -u "$user" -- "$@"
}

start_postgres() {
    local dir="$1/postgres" bindir port
    bindir="$(pg_bindir)" || { echo "PostgreSQL binaries not found" >&2; return 1; }
    mkdir -p "$dir"
    # The server account must reach its folder inside the (root-only) temporary one.
    [ "$(id -u)" -eq 0 ] && chmod 755 "$1" && chown "$(id -u postgres 2>/dev/null || echo nobody)" "$dir" && chmod 700 "$dir"
    _as_db_user "$bindir/initdb" -D "$dir/data" -U credit --auth=trust -E UTF8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; return 1; }
    port="$(free_port)"
    _as_db_user "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start \
        >/dev/null || { cat "$dir/server.log" >&2; return 1; }
    _SERVICES_STARTED+=("postgres:$bindir:$dir")
    PG_URL="postgresql+psycopg://credit@127.0.0.1:$port/postgres"
    echo "==> PostgreSQL on 127.0.0.1:$port (data in $dir)"
}

start_redis() {
    local dir="$1/redis" port
    mkdir -p "$dir"
    port="$(free_port)"
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
        --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null
    for _ in $(seq 50); do
        redis-cli -p "$port" ping >/dev/null 2>&1 && break
        sleep 0.1
    done
    redis-cli -p "$port" ping >/dev/null 2>&1 || { cat "$dir/redis.log" >&2; return 1; }
    _SERVICES_STARTED+=("redis:$port:$dir")
    REDIS_URL="redis://127.0.0.1:$port/0"
    echo "==> Redis on 127.0.0.1:$port"
}

stop_postgres() {  # DIR as given to start_postgres
    local bindir; bindir="$(pg_bindir)"
    [ -f "$1/postgres/data/postmaster.pid" ] \
        && _as_db_user "$bindir/pg_ctl" -D "$1/postgres/data" -m fast -w stop >/dev/null 2>&1 || true
}

stop_redis() {  # PORT DIR as given to start_redis
    redis-cli -p "$1" shutdown nosave >/dev/null 2>&1 \
        || kill "$(cat "$2/redis/redis.pid" 2>/dev/null)" 2>/dev/null || true
}

stop_services() {
    local entry kind a b
    for entry in "${_SERVICES_STARTED[@]}"; do
        IFS=: read -r kind a b <<<"$entry"
        case "$kind" in
            postgres) stop_postgres "$(dirname "$b")" ;;
            redis) stop_redis "$a" "$(dirname "$b")" ;;
        esac
    done
    _SERVICES_STARTED=()
}
