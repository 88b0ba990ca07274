#!/usr/bin/env bash
# Regenerates Sources/VigilONNX/onnx.pb.swift from Protos/onnx.proto (ONNX's IR definition,
# Apache-2.0, copied from the onnx Python package's onnx/onnx.proto). Needs protoc
# (Debian: protobuf-compiler) and swift-protobuf's plugin, built once from the package
# at the version Package.swift names.
set -euo pipefail
cd "$(dirname "$0")/.."
plugin=${PROTOC_GEN_SWIFT:-}
if [ -z "$plugin" ]; then
    scratch=$(mktemp -d)
    git clone --quiet --branch 1.39.0 https://github.com/apple/swift-protobuf "$scratch/swift-protobuf"
    swift build -c release --package-path "$scratch/swift-protobuf" --product protoc-gen-swift
    plugin="$scratch/swift-protobuf/.build/release/protoc-gen-swift"
fi
protoc --plugin="$plugin" --swift_out=Sources/VigilONNX --proto_path=Protos Protos/onnx.proto
