#!/usr/bin/env bash
# Trains and scores on a table larger than the memory budget: KDD's 18-feature view repeated to
# ROWS rows (default 5,000,000), as .npy and .csv.gz; prints wall time and peak RSS (/usr/bin/time -v)
# of `vigil train --stream` (AEGMM, EPOCHS epochs) and `vigil score` on each, and, for contrast,
# of in-memory training on the .npy. Needs python3 with numpy to build the files.
# Usage: scripts/larger-than-memory.sh [ROWS] [EPOCHS]
set -euo pipefail
rows=${1:-5000000}
epochs=${2:-2}
root=$(cd "$(dirname "$0")/.." && pwd)
data=${VIGIL_DATA_DIR:-$root/../shared/data}
work=$(mktemp -d "${TMPDIR:-/tmp}/vigil-large-XXXXXX")
trap 'rm -rf "$work"' EXIT
swift build -c release --package-path "$root" >/dev/null
vigil="$root/.build/release/vigil"
python3 "$root/scripts/kdd-repeated.py" "$data/kddcup.data_10_percent.gz" "$work" "$rows"
measure() {  # name, command…
    local name=$1; shift
    /usr/bin/time -v "$@" >"$work/out.log" 2>"$work/time.log" || { cat "$work/time.log" >&2; exit 1; }
    local wall rss
    wall=$(grep "Elapsed (wall clock)" "$work/time.log" | awk '{print $NF}')
    rss=$(grep "Maximum resident set size" "$work/time.log" | awk '{print $NF}')
    printf '| %s | %s | %d MiB |\n' "$name" "$wall" $((rss / 1024))
}
echo "| step ($rows rows, 18 features) | wall time | peak RSS |"
echo "| --- | --- | --- |"
measure "train --stream, .npy, $epochs epochs" "$vigil" train --stream --detector aegmm --data "$work/kdd-$rows.npy" --epochs "$epochs" --out "$work/npy-model"
measure "train --stream, .csv.gz, $epochs epochs" "$vigil" train --stream --detector aegmm --data "$work/kdd-$rows.csv.gz" --epochs "$epochs" --out "$work/csv-model"
measure "score, .npy → CSV" "$vigil" score --model "$work/npy-model" --input "$work/kdd-$rows.npy" --output "$work/npy-scores.csv"
measure "score, .csv.gz → CSV" "$vigil" score --model "$work/npy-model" --input "$work/kdd-$rows.csv.gz" --output "$work/csv-scores.csv"
cmp -s "$work/npy-scores.csv" "$work/csv-scores.csv" && echo "the two score files are identical ($(($(wc -l <"$work/npy-scores.csv") - 1)) rows)" \
    || { echo "the score files differ" >&2; exit 1; }
cmp -s "$work/npy-model/weights.safetensors" "$work/csv-model/weights.safetensors" && echo "the two trained detectors have identical weights" \
    || echo "the two trained detectors have different weights"
measure "train in memory (no --stream), .npy, $epochs epochs" "$vigil" train --detector aegmm --data "$work/kdd-$rows.npy" --epochs "$epochs" --out "$work/memory-model"
