#!/usr/bin/env python3
"""Writes the bad-input corpus under Tests/Fixtures/bad/ (run from the repository root).

    scripts/make-bad-corpus.py [path/to/vigil]

A good detector (`base/`, an OutlierAEGMM with a standardiser, and `base-vae/`, an
OutlierVAE) is trained with the given `vigil` on small generated rows (in a scratch folder:
no table is committed; the test writes the rows it scores, `{scratch}/rows.csv`); every case is a
folder holding only the files that differ from its base (a case's detector is its base
with those files laid over it) or a data file, and `cases.json` says for each case which
command runs on it and the exact words its error must contain. The test suite
(Tests/VigilCLITests/BadInputCorpusTests.swift) runs them all. Needs numpy.
"""
import gzip
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile

import numpy as np

ROOT = "Tests/Fixtures/bad"
VIGIL = sys.argv[1] if len(sys.argv) > 1 else ".build/release/vigil"
cases = []


def case(name, command, expect, base=None, env=None):
    cases.append({"name": name, "base": base, "command": command, "expect": expect, "environment": env or {}})


def folder(name):
    path = os.path.join(ROOT, name)
    os.makedirs(path, exist_ok=True)
    return path


def write(path, data):
    with open(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)


def read_safetensors(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        tensors[name] = np.frombuffer(raw[8 + n + begin:8 + n + end], dtype="<f4").reshape(entry["shape"]).copy()
    return tensors


def safetensors_bytes(tensors, header_override=None):
    header, offset, body = {}, 0, b""
    for name in sorted(tensors):
        data = tensors[name].astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        body += data
    text = header_override(header) if header_override else json.dumps(header, sort_keys=True)
    text = text.encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + body


def rows_csv(n, seed, label=True):
    rng = random.Random(seed)
    lines = ["a,b,c" + (",label" if label else "")]
    for i in range(n):
        values = [rng.gauss(0, 6 if i % 30 == 0 else 1) for _ in range(3)]
        lines.append(",".join(f"{v:.6f}" for v in values) + ((",1" if i % 30 == 0 else ",0") if label else ""))
    return "\n".join(lines) + "\n"


shutil.rmtree(ROOT, ignore_errors=True)
os.makedirs(ROOT)
training = os.path.join(tempfile.mkdtemp(), "training.csv")
write(training, rows_csv(240, 2))
for base, detector in [("base", "aegmm"), ("base-vae", "vae")]:
    subprocess.run([VIGIL, "train", "--detector", detector, "--data", training, "--label-column", "label", "--epochs", "1",
                    "--out", os.path.join(ROOT, base)], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
config = json.load(open(os.path.join(ROOT, "base", "config.json")))
vae_config = json.load(open(os.path.join(ROOT, "base-vae", "config.json")))
weights = read_safetensors(os.path.join(ROOT, "base", "weights.safetensors"))
SCORE = ["score", "--model", "{case}", "--input", "{scratch}/rows.csv", "--output", "{scratch}/scores.csv"]


def config_case(name, change, expect, base="base", env=None):
    c = json.loads(json.dumps(vae_config if base == "base-vae" else config))
    change(c)
    write(os.path.join(folder(name), "config.json"), json.dumps(c, indent=1, sort_keys=True))
    case(name, SCORE, expect, base=base, env=env)


def weights_case(name, change, expect, header_override=None):
    t = {k: v.copy() for k, v in weights.items()}
    change(t)
    write(os.path.join(folder(name), "weights.safetensors"), safetensors_bytes(t, header_override))
    case(name, SCORE, expect, base="base")


def dense(c, part, layer):
    return c["networks"][part]["sequential"]["layers"][layer]["dense"]


# --- config.json: sizes, shapes and stored values ---------------------------------------
config_case("layer-of-10^12-units", lambda c: dense(c, "encoder", 0).update(outputSize=10**12),
            ["{case}/config.json: network \"encoder\": invalid dense sizes [3, 1000000000000]: every extent must be in 1…65536"])
config_case("layer-of-2^62-units", lambda c: dense(c, "decoder", 3).update(outputSize=2**62),
            ["{case}/config.json: network \"decoder\": invalid dense sizes [60, 4611686018427387904]: every extent must be in 1…65536"])
config_case("lstm-of-2^62-units", lambda c: c["networks"]["encoder"]["sequential"]["layers"].insert(
    0, {"lstm": {"inputSize": 3, "units": 2**62, "returnSequences": False}}),
    ["{case}/config.json: network \"encoder\": invalid LSTM units 4611686018427387904"])
config_case("feature-count-disagrees-without-standardiser",
            lambda c: (c.update(featureCount=4), c.pop("standardizer")),
            ["{case}/config.json: network \"encoder\" does not fit the detector's shapes: Dense(3 → 60): expected input of shape [any, 3], got [1, 4]"])
config_case("decoder-output-too-narrow", lambda c: (dense(c, "decoder", 3).update(outputSize=2)),
            ["{case}/config.json: the reconstruction (network \"decoder\") has width 2, expected 3"])
config_case("density-input-wrong", lambda c: (dense(c, "density", 0).update(inputSize=2)),
            ["{case}/config.json: network \"density\" does not fit the detector's shapes: Dense(2 → 10): expected input of shape [any, 2], got [1, 3]"])
config_case("more-weights-declared-than-stored", lambda c: (dense(c, "density", 0).update(outputSize=1000), dense(c, "density", 1).update(inputSize=1000)),
            ["{case}/config.json: the networks declare more weights than the", "(network \"density\")"])
config_case("convolution-in-a-tabular-network", lambda c: c["networks"]["encoder"]["sequential"]["layers"].__setitem__(
    0, {"conv2D": {"kernel": [1, 1, 3, 60], "strides": [1, 1], "padding": "same", "activation": "relu", "useBias": True}}),
    ["{case}/config.json: network \"encoder\" does not fit the detector's shapes: Conv2D([1, 1, 3, 60]): expected input of shape [any, any, any, 3], got [1, 3]"])
config_case("standard-deviation-zero", lambda c: c["standardizer"]["standardDeviation"].__setitem__(1, 0),
            ["{case}/config.json: standardizer.standardDeviation[1] is 0.0; every deviation must be finite and > 0"])
config_case("standard-deviation-negative", lambda c: c["standardizer"]["standardDeviation"].__setitem__(2, -1),
            ["{case}/config.json: standardizer.standardDeviation[2] is -1.0; every deviation must be finite and > 0"])
config_case("standardiser-too-short", lambda c: c["standardizer"]["mean"].pop(),
            ["{case}/config.json: standardizer.mean holds 2 values, expected one per feature (3)"])
config_case("standard-deviation-tiny", lambda c: c["standardizer"].update(standardDeviation=[1e-38, 1e-38, 1e-38]),
            ["OutlierAEGMM: the score of row 0 is NaN or infinite (at the scaler stage)", "{scratch}/rows.csv:2: data row 0:"])
config_case("jitter-of-one", lambda c: c["aegmm"].update(jitter=1.0),
            ["{case}/config.json: jitter 1.0, expected a value in [0, 0.01]"])
config_case("unknown-kind", lambda c: c.update(kind="OutlierMagic"), ["{case}/config.json: unknown detector kind \"OutlierMagic\""])
config_case("newer-format", lambda c: c.update(formatVersion=9),
            ["{case}/config.json: format version 9 was written by a newer Vigil; this one reads up to version 1"])
config_case("feature-count-zero", lambda c: c.update(featureCount=0), ["{case}/config.json: featureCount 0, expected 1…65536"])
config_case("vae-covariance-wrong-length", lambda c: c["vae"].update(covariance={"diagonal": {"_0": [1.0, 1.0]}}),
            ["likelihood variances (2 values): must hold one per feature (3)"], base="base-vae")
config_case("vae-samples-huge", lambda c: c["vae"].update(samples=2**40),
            ["samples in 1…10000 and outlier percentage in (0, 100]"], base="base-vae")
config_case("config-over-the-size-limit", lambda c: None,
            ["{case}/config.json: ", "more than the limit of 1000 (raise it with VIGIL_MAX_CONFIG_BYTES)"], env={"VIGIL_MAX_CONFIG_BYTES": "1000"})
write(os.path.join(folder("config-not-json"), "config.json"), "{\"kind\": \"OutlierAEGMM\", oops")
case("config-not-json", SCORE, ["{case}/config.json: not a detector configuration"], base="base")
os.makedirs(os.path.join(folder("config-is-a-folder"), "config.json"), exist_ok=True)
write(os.path.join(ROOT, "config-is-a-folder", "config.json", ".keep"), "")
case("config-is-a-folder", SCORE, ["{case}/config.json: cannot read: it is a folder; a saved detector's files must be regular files in its folder"], base="base")

# --- weights.safetensors ------------------------------------------------------------------
weights_case("mixture-weight-negative", lambda t: t.update({"mixture.weights": np.array([-0.5, 1.5], dtype="<f4")}),
             ["{case}/weights.safetensors: tensor \"mixture.weights\" holds -0.5 at element 0; mixture weights must be ≥ 0"])
weights_case("mixture-weights-do-not-sum-to-one", lambda t: t.update({"mixture.weights": np.array([0.5, 0.1], dtype="<f4")}),
             ["{case}/weights.safetensors: tensor \"mixture.weights\" sums to 0.6", "mixture weights must sum to 1"])
weights_case("covariance-not-symmetric", lambda t: t["mixture.covariance.0"].__setitem__((0, 1), 5.0),
             ["{case}/weights.safetensors: tensor \"mixture.covariance.0\" is not symmetric"])
weights_case("covariance-diagonal-negative", lambda t: t["mixture.covariance.1"].__setitem__((2, 2), -1.0),
             ["{case}/weights.safetensors: tensor \"mixture.covariance.1\" has -1.0 at [2, 2]; a covariance's diagonal must be positive"])
weights_case("weight-is-nan", lambda t: t["network.encoder.layers.0.bias"].__setitem__(3, np.nan),
             ["{case}/weights.safetensors: tensor \"network.encoder.layers.0.bias\" holds nan at element 3; every weight must be finite"])
weights_case("decoder-bias-huge", lambda t: t.update({"network.decoder.layers.3.bias": np.full(3, 3e38, dtype="<f4")}),
             ["OutlierAEGMM: the score of row 0 is NaN or infinite (at the network stage)"])


def duplicate(header):
    text = json.dumps(header, sort_keys=True)
    entry = json.dumps(header["mixture.weights"])
    return text[:-1] + ", \"mixture.weights\": " + entry + "}"


weights_case("tensor-name-twice", lambda t: None, ["{case}/weights.safetensors: tensor \"mixture.weights\" appears more than once in the header"],
             header_override=duplicate)


def overflowing(header):
    header["mixture.weights"]["shape"] = [2147483647, 2147483647]
    return json.dumps(header, sort_keys=True)


weights_case("shape-overflows", lambda t: None, ["{case}/weights.safetensors: tensor \"mixture.weights\" of shape [2147483647, 2147483647] does not match its 8 bytes"],
             header_override=overflowing)
good = open(os.path.join(ROOT, "base", "weights.safetensors"), "rb").read()
write(os.path.join(folder("weights-truncated"), "weights.safetensors"), good[:-10])
case("weights-truncated", SCORE, ["{case}/weights.safetensors: ", "(truncated?)"], base="base")
write(os.path.join(folder("weights-not-safetensors"), "weights.safetensors"), "secret=hunter2\nthis is not a weights file\n")
case("weights-not-safetensors", SCORE, ["{case}/weights.safetensors: not a safetensors file: its first 8 bytes do not give a header length"], base="base")
os.symlink("../../cases.json", os.path.join(folder("weights-linked-elsewhere"), "weights.safetensors"))
case("weights-linked-elsewhere", SCORE, ["{case}/weights.safetensors: cannot read: it is a symbolic link; a saved detector's files must be regular files in its folder"], base="base")
write(os.path.join(folder("weights-header-not-json"), "weights.safetensors"), struct.pack("<Q", 8) + b"{nope!!}")
case("weights-header-not-json", SCORE, ["{case}/weights.safetensors: the header is not valid JSON"], base="base")

# --- data files ---------------------------------------------------------------------------
MODEL = ["--model", "{corpus}/base"]


def data_case(name, filename, data, command, expect, env=None):
    write(os.path.join(folder(name), filename), data)
    case(name, [part.replace("{file}", "{case}/" + filename) for part in command], expect, env=env)


SCORE_FILE = ["score"] + MODEL + ["--input", "{file}", "--output", "{scratch}/scores.csv"]
TRAIN_FILE = ["train", "--detector", "aegmm", "--data", "{file}", "--epochs", "1", "--out", "{scratch}/model"]


def npy(shape_text, body=b"", descr="<f4", magic=b"\x93NUMPY"):
    header = ("{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape_text)).encode()
    header += b" " * ((64 - (10 + len(header) + 1) % 64) % 64) + b"\n"
    return magic + b"\x01\x00" + struct.pack("<H", len(header)) + header + body


for command, verb in [(SCORE_FILE, "score"), (TRAIN_FILE, "train")]:
    data_case(f"npy-shape-2^32-by-2^32-{verb}", "x.npy", npy("(4294967296, 4294967296)"), command,
              ["{case}/x.npy: more than 1073741824 elements (shape [4294967296, 4294967296]), the limit (raise it with VIGIL_MAX_ELEMENTS)"])
data_case("npy-negative-shape", "x.npy", npy("(-2, -2)"), SCORE_FILE, ["{case}/x.npy: expected a shape tuple of non-negative integers, got (-2, -2)"])
data_case("npy-not-numpy", "x.npy", b"PK\x03\x04 this is a zip", SCORE_FILE,
          ["{case}/x.npy: expected an .npy file (starting with \\x93NUMPY), got a file starting with bytes 50 4b 03 04 20 74"])
data_case("npy-short-data", "x.npy", npy("(10, 3)", b"\x00" * 40), SCORE_FILE,
          ["{case}/x.npy: expected 120 bytes of <f4 data for shape [10, 3], got 40 bytes"])
data_case("npy-one-dimensional", "x.npy", npy("(3,)", b"\x00" * 12), SCORE_FILE, ["{case}/x.npy: expected a 2-D array [rows, features], got shape [3]"])
bad_rows = rows_csv(40, 3, label=False).split("\n")
bad_rows[26] = "1.0,nan,2.0"
data_case("csv-nan-in-data-row-25", "x.csv", "\n".join(bad_rows), SCORE_FILE + ["--batch-size", "10"],
          ["{case}/x.csv:27: data row 25: OutlierAEGMM: value at row 5, column 1 is NaN or infinite"])
data_case("csv-row-too-short", "x.csv", "a,b,c\n1,2,3\n4,5\n", SCORE_FILE, ["{case}/x.csv:3: expected 3 fields, got 2"])
data_case("csv-not-a-number", "x.csv", "a,b,c\n1,2,3\n4,five,6\n", SCORE_FILE, ["{case}/x.csv:3:2: expected a number, got \"five\""])
data_case("csv-too-many-columns", "x.csv", "a,b,c,d\n1,2,3,4\n", SCORE_FILE, ["{case}/x.csv: expected 3 feature columns (the detector's), got 4 columns at line 2"])
data_case("csv-unclosed-quote", "x.csv", "a,b,c\n1,\"2,3\n4,5,6\n", SCORE_FILE,
          ["{case}/x.csv: expected a closing quote for the field opened at line 2, column 2, got the end of the file"])
data_case("csv-line-with-no-end", "x.csv", "a,b,c\n" + "1" * 5000, SCORE_FILE,
          ["{case}/x.csv: more than 1000 bytes in line 2, the limit (raise it with VIGIL_MAX_LINE_BYTES)"], env={"VIGIL_MAX_LINE_BYTES": "1000"})
data_case("csv-empty", "x.csv", "", SCORE_FILE, ["{case}/x.csv: expected a header line, got an empty file"])
data_case("gzip-truncated", "x.csv.gz", gzip.compress(rows_csv(200, 4, label=False).encode())[:300], SCORE_FILE,
          ["{case}/x.csv.gz: corrupt compressed data: unexpected end of data (the file is truncated)"])
data_case("labels-are-words", "x.csv", "a,b,c,kind\n1,2,3,attack\n4,5,6,normal\n", TRAIN_FILE + ["--label-column", "kind"],
          ["{case}/x.csv:2:4: expected a numeric label in column \"kind\" (0 = normal, any other number = outlier); for word labels name the normal one (--normal-label), got \"attack\""])
data_case("normal-label-absent", "x.csv", "a,b,c,kind\n1,2,3,attack\n4,5,6,scan\n", TRAIN_FILE + ["--label-column", "kind", "--normal-label", "normal"],
          ["{case}/x.csv: expected some rows labelled \"normal\" (the normal label) in column \"kind\", got none"])
data_case("only-a-label-column", "x.csv", "label\n0\n0\n", TRAIN_FILE + ["--label-column", "label"],
          ["{case}/x.csv: expected at least one feature column, got none besides the label"])
write(os.path.join(folder("input-is-a-folder"), ".keep"), "")
case("input-is-a-folder", SCORE_FILE[:-4] + ["--input", "{case}", "--output", "{scratch}/scores.csv"], ["{case}: cannot open: it is a folder, expected a file"])
case("input-is-a-device", SCORE_FILE[:-4] + ["--input", "/dev/zero", "--output", "{scratch}/scores.csv"],
     ["/dev/zero: cannot open: it is a device or a socket, expected a regular file or a pipe"])

json.dump(cases, open(os.path.join(ROOT, "cases.json"), "w"), indent=1, ensure_ascii=False)
print(f"{len(cases)} cases in {ROOT}")
