#!/usr/bin/env bash
# Set up whatever is missing (environment, embedded data set, model), then serve the dashboard on
# http://127.0.0.1:8050. Safe to run again: each step is skipped when its output already exists.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/_setup_env.sh
PY="$ROOT/.venv/bin/python"
DATA_DIR="${CREDIT_DATA_DIR:-data}"
ARTIFACTS_DIR="${CREDIT_ARTIFACTS_DIR:-artifacts}"

if [ ! -f "$DATA_DIR/application_train.parquet" ] || [ ! -f "$DATA_DIR/application_test.parquet" ]; then
    echo "==> generating the embedded data set in $DATA_DIR/ (about a minute)"
    "$PY" scripts/make_data.py --out "$DATA_DIR"
else
    echo "==> data set found in $DATA_DIR/"
fi

# A model is there when a version is active (active.json) or, for a folder trained before model
# versions existed, when model.joblib and its card sit at the top.
if [ ! -f "$ARTIFACTS_DIR/active.json" ] && { [ ! -f "$ARTIFACTS_DIR/model.joblib" ] || [ ! -f "$ARTIFACTS_DIR/model_card.json" ]; }; then
    echo "==> training the model in quick mode into $ARTIFACTS_DIR/ (about two minutes)"
    "$PY" scripts/train.py --train "$DATA_DIR/application_train.parquet" \
        --applicants "$DATA_DIR/application_test.parquet" --out "$ARTIFACTS_DIR" --quick
else
    echo "==> model found in $ARTIFACTS_DIR/"
fi

if [ -f "$DATA_DIR/batches/manifest.json" ]; then
    # In the background, while the dashboard already serves: each batch is stored whole or not at
    # all, and every worker picks a new one up within seconds (scoring and the Evidently report take
    # tens of seconds a batch, so the analyst page fills month by month on the first start).
    echo "==> monthly applicant batches: ingesting those not stored yet, in the background" \
         "(log: $DATA_DIR/batches/ingest.log)"
    nohup "$PY" scripts/ingest_embedded.py --data-dir "$DATA_DIR" --artifacts-dir "$ARTIFACTS_DIR" \
        > "$DATA_DIR/batches/ingest.log" 2>&1 &
fi

# Serve as production does: the Procfile's gunicorn command (workers, threads, timeout), bound to
# CREDIT_HOST (default loopback, where the Procfile binds every address) and PORT.
HOST="${CREDIT_HOST:-127.0.0.1}"
export PORT="${PORT:-8050}"
WEB="$(sed -n 's/^web:[[:space:]]*//p' Procfile)"
[ -n "$WEB" ] || { echo "Procfile has no 'web:' line" >&2; exit 1; }
WEB="${WEB//0.0.0.0:/$HOST:}"
echo "==> serving the dashboard with gunicorn on http://$HOST:$PORT (Ctrl-C to stop)"
eval "exec $ROOT/.venv/bin/$WEB"
