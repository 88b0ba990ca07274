#!/usr/bin/env bash
# Runs every Vigil detector on the tabular tuning corpus (../shared/TUNING.md) with the
# semi-supervised protocol, and PyOD on the same rows when it is installed.
#
#   scripts/tabular-corpus.sh [seeds] [set…]      # e.g. scripts/tabular-corpus.sh 0,1,2 vowels pendigits
#
# Environment: VIGIL (the program, default .build/release/vigil), VIGIL_DATA_DIR (default
# ../shared/data), OUT (where the JSON results and reports go, default /tmp/vigil-tabular),
# PYTHON (a Python with pyod, default python3; skipped when pyod does not import), DETECTORS
# (comma-separated, default all).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
vigil="${VIGIL:-$root/.build/release/vigil}"
data="${VIGIL_DATA_DIR:-$root/../shared/data}/tabular"
out="${OUT:-/tmp/vigil-tabular}"
python="${PYTHON:-python3}"
seeds="${1:-0}"
shift || true
sets=("$@")
[ ${#sets[@]} -gt 0 ] || sets=(ionosphere vowels musk pageblocks optdigits pendigits spambase magic-gamma campaign cover)
mkdir -p "$out"
for name in "${sets[@]}"; do
    echo "== $name"
    "$vigil" evaluate --data "$data/$name.csv.gz" --label-column label --seeds "$seeds" --detectors "${DETECTORS:-all}" \
        --json "$out/$name.json" --report "$out/$name.html"
    if "$python" -c "import pyod" 2>/dev/null; then
        "$python" "$root/scripts/pyod-tabular.py" "$data/$name.csv.gz" "$out/$name.json"
    fi
done
