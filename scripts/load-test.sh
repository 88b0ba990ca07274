#!/usr/bin/env bash
# Sustained load on `vigil serve` over loopback with wrk, while the model's folder is
# replaced every 10 seconds: 1-row and 1,000-row requests, each at saturation and at half
# the saturated rate. Prints requests/s, p50/p99/p99.9/max latency, non-2xx responses,
# socket errors and the service's RSS (sampled every 5 s) per phase, and over the run;
# fails on any error.
#
#   scripts/load-test.sh [SECONDS-PER-PHASE]     (default 75: four phases, 5 minutes)
#
# Environment: VIGIL (the program; default .build/release/vigil), VIGIL_DATA_DIR (where the
# KDD file is; default ../shared/data), PORT (default 18181), CONNECTIONS (default 32 for
# one-row requests, 8 for 1,000-row ones). Needs wrk (apt-get install wrk). Listens on
# 127.0.0.1 only and removes everything it made.
set -euo pipefail
SECONDS_PER_PHASE=${1:-75}
HERE=$(cd "$(dirname "$0")" && pwd)
VIGIL=${VIGIL:-$HERE/../.build/release/vigil}
DATA_DIR=${VIGIL_DATA_DIR:-$HERE/../../shared/data}
PORT=${PORT:-18181}
WORK=$(mktemp -d)
SERVER=""
SWAPPER=""
SAMPLER=""
cleanup() {
  for pid in $SWAPPER $SAMPLER $SERVER; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
command -v wrk >/dev/null || { echo "load-test: wrk is not installed (apt-get install wrk)" >&2; exit 1; }

# Two AEGMM detectors (different seeds) trained on 20,000 normal KDD rows, and the bodies.
"$VIGIL" data sample kdd --rows 20000 --outlier-percentage 0 --seed 1 --out "$WORK/train.csv" --data-dir "$DATA_DIR" >/dev/null
"$VIGIL" data sample kdd --rows 1000 --outlier-percentage 10 --seed 2 --out "$WORK/rows.csv" --data-dir "$DATA_DIR" >/dev/null
mkdir "$WORK/models"
for seed in 0 1; do
  "$VIGIL" train --detector aegmm --data "$WORK/train.csv" --label-column label --seed $seed --epochs 5 --out "$WORK/aegmm-$seed" >/dev/null 2>"$WORK/train.log"
done
cp -r "$WORK/aegmm-0" "$WORK/models/aegmm"
# {"instances": [[…]]} of the first row, and of all 1,000 rows (the label column left out).
awk 'NR > 1 { sub(/\r$/, ""); sub(/,[^,]*$/, ""); row = "[" $0 "]"; rows = rows (rows ? "," : "") row; if (NR == 2) first = row }
  END { print "{\"instances\":[" first "]}" > "'"$WORK"'/one.json"; print "{\"instances\":[" rows "]}" > "'"$WORK"'/thousand.json" }' "$WORK/rows.csv"

"$VIGIL" serve --models "$WORK/models" --port "$PORT" --reload-interval 1 > "$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 200); do
  curl -sf "http://127.0.0.1:$PORT/v2/health/ready" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -sf "http://127.0.0.1:$PORT/v2/health/ready" >/dev/null || { cat "$WORK/serve.log" >&2; exit 1; }

# Replace the model's folder every 10 s, alternating the two detectors (copied under a
# hidden name, then moved into place).
( n=0; while true; do
    sleep 10; n=$((n + 1)); source="$WORK/aegmm-$((n % 2))"
    cp -r "$source" "$WORK/models/.aegmm-next"; rm -rf "$WORK/models/aegmm"; mv "$WORK/models/.aegmm-next" "$WORK/models/aegmm"
  done ) &
SWAPPER=$!
( while true; do awk '/VmRSS/ { print $2 }' "/proc/$SERVER/status" >> "$WORK/rss.txt" 2>/dev/null || true; sleep 5; done ) &
SAMPLER=$!

failed=0
phase() {  # NAME BODY CONNECTIONS DELAY-MS
  local out="$WORK/wrk-$1.txt" before
  before=$( (wc -l < "$WORK/rss.txt") 2>/dev/null || echo 0)  # the sampler may not have written yet
  wrk -t2 -c"$3" -d"${SECONDS_PER_PHASE}s" --timeout 10s --latency -s "$HERE/load/post.lua" "http://127.0.0.1:$PORT" \
    -- "$2" /v1/models/aegmm/predict "$4" > "$out"
  local rate non2xx socket
  rate=$(awk '/Requests\/sec/ { print $2 }' "$out")
  non2xx=$(awk '/Non-2xx/ { print $NF }' "$out"); socket=$(awk '/Socket errors/ { print }' "$out")
  printf '%-22s %9s req/s  %s  non-2xx %s%s  RSS %s MiB\n' "$1" "$rate" \
    "$(awk '/^percentiles_us/ { printf "p50 %.2f ms  p99 %.2f ms  p99.9 %.2f ms  max %.1f ms", $3 / 1000, $5 / 1000, $7 / 1000, $9 / 1000 }' "$out")" \
    "${non2xx:-0}" "${socket:+ ($socket)}" \
    "$(tail -n +"$((before + 1))" "$WORK/rss.txt" | awk 'NR == 1 { min = $1; max = $1 } { if ($1 < min) min = $1; if ($1 > max) max = $1 } END { printf "%.0f–%.0f", min / 1024, max / 1024 }')"
  if [ -n "$non2xx" ] || [ -n "$socket" ]; then failed=1; fi
  RATE=$rate
  P50=$(awk '/^percentiles_us/ { print $3 / 1000 }' "$out")
}
ONE_CONNECTIONS=${CONNECTIONS:-32}
MANY_CONNECTIONS=${CONNECTIONS:-8}
phase "1 row, saturated" "$WORK/one.json" "$ONE_CONNECTIONS" 0
# Half the saturated rate: each connection waits so that its request and the wait take
# connections / (rate / 2) seconds (wrk's delay is in whole milliseconds).
half_delay() { awk -v r="$RATE" -v c="$1" -v l="$P50" 'BEGIN { d = c * 1000 / (r / 2) - l; printf "%d", d < 1 ? 1 : d + 0.5 }'; }
half_one=$(half_delay "$ONE_CONNECTIONS")
phase "1 row, half rate" "$WORK/one.json" "$ONE_CONNECTIONS" "$half_one"
phase "1000 rows, saturated" "$WORK/thousand.json" "$MANY_CONNECTIONS" 0
half_many=$(half_delay "$MANY_CONNECTIONS")
phase "1000 rows, half rate" "$WORK/thousand.json" "$MANY_CONNECTIONS" "$half_many"

metrics=$(curl -sf "http://127.0.0.1:$PORT/metrics")
reloads=$(echo "$metrics" | awk -F' ' '/^vigil_model_reloads_total\{result="loaded"\}/ { print $2 }')
errors=$(echo "$metrics" | awk '/^vigil_request_errors_total/ { s += $2 } END { print s + 0 }')
rows=$(echo "$metrics" | awk '/^vigil_rows_scored_total/ { s += $2 } END { printf "%d", s }')
echo "rows scored $rows; model loads $reloads (the first one and the swaps); error responses counted by the service $errors"
awk 'NR == 1 { min = $1; max = $1 } { if ($1 < min) min = $1; if ($1 > max) max = $1; last = $1; n++ }
  END { printf "RSS over %d samples: first %.0f MiB, min %.0f, max %.0f, last %.0f MiB\n", n, first / 1024, min / 1024, max / 1024, last / 1024 } NR == 1 { first = $1 }' "$WORK/rss.txt"
if [ "$errors" != "0" ]; then failed=1; fi
exit $failed
