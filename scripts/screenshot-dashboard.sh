#!/usr/bin/env bash
# The dashboard in headless Chromium: trains an autoencoder on the normal rows of a sample
# of KDD Cup '99 (1,000 labelled rows, 10 % attacks, all saved as its sample), serves it on loopback,
# opens /?model=kdd-ae&sample=1 (the sample scored) and writes a full-page screenshot;
# fails on any console error (a script error, a refused resource).
#
#   scripts/screenshot-dashboard.sh [OUT.png] [WIDTH]
#
# Environment: VIGIL (default .build/release/vigil), VIGIL_DATA_DIR (default ../shared/data),
# PORT (default 18182), HEIGHT (default 4200). Needs chromium (apt-get install -y chromium).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
VIGIL=${VIGIL:-$HERE/../.build/release/vigil}
DATA_DIR=${VIGIL_DATA_DIR:-$HERE/../../shared/data}
PORT=${PORT:-18182}
out=$(realpath -m "${1:-dashboard.png}")
width=${2:-1500}
WORK=$(mktemp -d)
SERVER=""
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
"$VIGIL" data sample kdd --rows 1000 --outlier-percentage 10 --seed 2 --out "$WORK/labelled.csv" --data-dir "$DATA_DIR" >/dev/null
mkdir "$WORK/models"
# Trained on the file's normal rows; all 1,000 labelled rows are saved as its sample.
"$VIGIL" train --detector ae --data "$WORK/labelled.csv" --label-column label --sample-rows 1000 --out "$WORK/models/kdd-ae" >/dev/null 2>"$WORK/train.log"
"$VIGIL" serve --models "$WORK/models" --port "$PORT" > "$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/v2/health/ready" >/dev/null 2>&1 && break; sleep 0.1; done
HEIGHT=${HEIGHT:-4200} "$HERE/screenshot-report.sh" "http://127.0.0.1:$PORT/?model=kdd-ae&sample=1" "$out" "$width"
