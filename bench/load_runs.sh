#!/usr/bin/env bash
# The long load runs of bench/README.md ("Load"): 20 req/s for 10 minutes, then 3x capacity for
# 60 s, against `kgqp serve` on BUNDLE (a bundle folder, served as is, e.g. the quickstart's
# ~/.cache/kgqp/bundle), or on a bundle built from a TAGGER folder and the default KG.
# Usage: bash bench/load_runs.sh BUNDLE_OR_TAGGER_DIR [PORT]
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=${1:?usage: bench/load_runs.sh BUNDLE_OR_TAGGER_DIR [PORT]}
PORT=${2:-8765}
OUT=${KGQP_LOAD_OUT:-/tmp/kgqp-load}
PY=${PYTHON:-.venv/bin/python}
KGQP=${KGQP:-.venv/bin/kgqp}
mkdir -p "$OUT"
if [ -f "$SRC/kgqp-bundle.json" ]; then
  BUNDLE=$SRC
else
  [ -d "$OUT/kg" ] || "$KGQP" kg build-default "$OUT/kg"
  "$PY" -c "from parser.bundle import build_bundle; \
build_bundle('$OUT/bundle', tagger='$SRC', kg='$OUT/kg', force=True)"
  BUNDLE=$OUT/bundle
fi
"$KGQP" serve --bundle "$BUNDLE" --port "$PORT" > "$OUT/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 120); do curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null && break; sleep 1; done
"$PY" bench/load.py "http://127.0.0.1:$PORT" --pid "$SERVER" --rate 20 --duration 600 \
  | tee "$OUT/steady.txt"
"$PY" bench/load.py "http://127.0.0.1:$PORT" --pid "$SERVER" --overload 3 --duration 60 \
  | tee "$OUT/overload.txt"
kill -TERM "$SERVER"
wait "$SERVER" && echo "server exited 0 after SIGTERM"
