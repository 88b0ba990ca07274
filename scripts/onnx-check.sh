#!/usr/bin/env bash
# Exports every exportable detector kind and checks the files in ONNX Runtime against
# `vigil score` (scripts/onnx-check.py), in a Python environment made here with onnx,
# onnxruntime and numpy. Usage: VIGIL=.build/debug/vigil scripts/onnx-check.sh [WORK_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
vigil=${VIGIL:-.build/debug/vigil}
work=${1:-$(mktemp -d)}
venv=.build-python
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check 'onnx>=1.16' 'onnxruntime>=1.18' numpy
export VIGIL_DATA_DIR=${VIGIL_DATA_DIR:-../shared/data}
"$venv/bin/python" scripts/onnx-check.py --vigil "$vigil" --work "$work"
