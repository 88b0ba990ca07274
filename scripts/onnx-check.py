"""Checks Vigil's ONNX export in the real engine.

For every exportable detector kind: train a small detector on KDD Cup '99's 18-feature
view with `vigil train`, export it with `vigil export`, run the file in ONNX Runtime on a
few thousand rows, and compare with `vigil score --latent mean` (the deterministic mode):
instance scores and feature scores to 1e-5 relative, and the outlier flags. The ONNX
checker (full check, with shape inference) must accept every file, at the default opset
and at the newest one Vigil writes.

"Relative" is relative to the value, or to its scale where the value is smaller: an energy
near zero is a difference of terms of the typical energy's size, and a feature score near
zero comes from x − x̂ of two nearly equal Float32 numbers, so two engines that round sums
in another order differ there by the scale's last bits, not the value's. The scale of an
instance score is the median |instance score|; of a feature score, its row's largest.

Where Float32 itself cannot hold 1e-5 (a feature score or an energy made by cancellation),
the same graph is also evaluated in Float64 (onnx's reference evaluator, weights and input
widened): Vigil and ONNX Runtime then pass when each is within 1e-4 of that exact value
and they differ from each other by no more than twice the larger of their own Float32
errors. The table prints all three figures.

The sampled variational graphs draw their codes with ONNX Runtime's generator, not Vigil's
row-keyed noise, so they are checked in distribution: the paired mean difference from
`vigil score` (sampled) must be within 4 standard errors, and their rank correlation with
Vigil's no lower than that of two runs of the graph itself, less 0.02.

Usage: python scripts/onnx-check.py --vigil .build/debug/vigil --work DIR
(VIGIL_DATA_DIR must name the folder holding KDD Cup '99's 10% file.)
"""

import argparse
import csv
import os
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, numpy_helper
from onnx.reference import ReferenceEvaluator

KINDS = ["ae", "vae", "vae-nll", "aegmm", "vaegmm", "dagmm", "pca", "iforest", "ocsvm"]
# The training arguments of a checked detector that is not a plain `--detector KIND`: the
# recommended KDD VAE (tanh, its `nll` score with learnt variances).
TRAIN_ARGUMENTS = {"vae-nll": ["--detector", "vae", "--networks", "kdd-recommended"]}
VARIATIONAL = ("vae", "vae-nll", "vaegmm")
# Training rows per kind (20,000 unless named): the One-Class SVM's solver grows with the
# square of the rows, so it trains on 2,000 in the debug build CI runs.
TRAINING_ROWS = {"ocsvm": 2000}
# Relative tolerance on the deterministic scores (see above for the scale).
RTOL = 1e-5


def run(*args):
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result.stdout


def read_scores(path):
    with open(path) as handle:
        rows = list(csv.DictReader(handle))
    instance = np.array([float(r["instance_score"]) for r in rows], dtype=np.float64)
    flags = np.array([int(r["is_outlier"]) for r in rows])
    feature_columns = [c for c in rows[0].keys() if c.startswith("feature_score")]
    feature = np.array([[float(r[c]) for c in feature_columns] for r in rows]) if feature_columns else None
    return instance, flags, feature


def relative_difference(got, expected):
    """max |got − expected| / max(|expected|, scale): per instance score with the median
    |score| as scale, per feature score with its row's largest |score|."""
    if expected.ndim == 1:
        scale = np.full_like(expected, np.median(np.abs(expected)))
    else:
        scale = np.max(np.abs(expected), axis=1, keepdims=True)
    return float(np.max(np.abs(got - expected) / np.maximum(np.maximum(np.abs(expected), scale), 1e-30)))


def float64_outputs(path, x):
    """The model's outputs evaluated in Float64: every Float32 initializer, input and output widened."""
    model = onnx.load(path)
    for initializer in model.graph.initializer:
        if initializer.data_type == TensorProto.FLOAT:
            widened = numpy_helper.to_array(initializer).astype(np.float64)
            initializer.CopyFrom(numpy_helper.from_array(widened, initializer.name))
    for value in list(model.graph.input) + list(model.graph.output):
        if value.type.tensor_type.elem_type == TensorProto.FLOAT:
            value.type.tensor_type.elem_type = TensorProto.DOUBLE
    names = [output.name for output in model.graph.output]
    return dict(zip(names, ReferenceEvaluator(model).run(None, {"x": x.astype(np.float64)})))


def agreement(vigil, onnx_runtime, exact):
    """(Vigil vs ONNX Runtime, Vigil vs Float64, ONNX Runtime vs Float64) and whether they pass."""
    between = relative_difference(onnx_runtime, vigil)
    vigil_error, runtime_error = relative_difference(vigil, exact), relative_difference(onnx_runtime, exact)
    passed = between <= RTOL or (max(vigil_error, runtime_error) <= 1e-4 and between <= 2 * max(vigil_error, runtime_error))
    return (between, vigil_error, runtime_error), passed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--vigil", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--rows", type=int, default=4000)
    arguments = parser.parse_args()
    vigil, work = arguments.vigil, arguments.work
    os.makedirs(work, exist_ok=True)

    train_csv = os.path.join(work, "train.csv")
    rows_csv = os.path.join(work, "rows.csv")
    run(vigil, "data", "sample", "kdd", "--rows", "20000", "--outlier-percentage", "0", "--seed", "1", "--out", train_csv)
    training_files = {}
    for kind, count in TRAINING_ROWS.items():
        training_files[kind] = os.path.join(work, f"train-{count}.csv")
        run(vigil, "data", "sample", "kdd", "--rows", str(count), "--outlier-percentage", "0", "--seed", "1", "--out", training_files[kind])
    run(vigil, "data", "sample", "kdd", "--rows", str(arguments.rows), "--outlier-percentage", "10", "--seed", "2", "--out", rows_csv)
    table = np.loadtxt(rows_csv, delimiter=",", skiprows=1, dtype=np.float32)
    x = np.ascontiguousarray(table[:, :-1])

    failures = []
    sampled_notes = []
    print("relative differences: instance scores (Vigil–ORT, Vigil–F64, ORT–F64), feature scores (the same three)")
    print(f"{'kind':8} {'rows':>6} {'inst V–O':>8} {'V–F64':>8} {'O–F64':>8} {'feat V–O':>8} {'V–F64':>8} {'O–F64':>8} "
          f"{'flags':>6} {'sampled ρ':>10}  opsets")
    for kind in KINDS:
        folder = os.path.join(work, kind)
        run(vigil, "train", *TRAIN_ARGUMENTS.get(kind, ["--detector", kind]), "--data", training_files.get(kind, train_csv), "--label-column", "label",
            "--epochs", "2", "--seed", "3", "--out", folder, "--overwrite")
        scores_csv = os.path.join(work, f"{kind}-scores.csv")
        variational = kind in VARIATIONAL
        latent = ["--latent", "mean"] if variational else []
        run(vigil, "score", "--model", folder, "--input", rows_csv, "--label-column", "label", "--feature-scores",
            "--output", scores_csv, *latent)
        expected_instance, expected_flags, expected_feature = read_scores(scores_csv)

        opsets = []
        for opset in (17, 21):
            path = os.path.join(work, f"{kind}-{opset}.onnx")
            run(vigil, "export", "--model", folder, "--onnx", path, "--opset", str(opset))
            onnx.checker.check_model(onnx.load(path), full_check=True)
            opsets.append(opset)
        session = ort.InferenceSession(os.path.join(work, f"{kind}-17.onnx"), providers=["CPUExecutionProvider"])
        names = [output.name for output in session.get_outputs()]
        outputs = dict(zip(names, session.run(None, {"x": x})))

        exact = float64_outputs(os.path.join(work, f"{kind}-17.onnx"), x)
        instance_figures, instance_ok = agreement(expected_instance, outputs["instance_score"].astype(np.float64), exact["instance_score"])
        flags_equal = np.array_equal(outputs["is_outlier"].astype(int), expected_flags)
        feature_figures, feature_ok = (float("nan"),) * 3, True
        if expected_feature is not None:
            if "feature_score" not in outputs:
                failures.append(f"{kind}: Vigil gives feature scores, the ONNX model none")
            else:
                feature_figures, feature_ok = agreement(expected_feature, outputs["feature_score"].astype(np.float64), exact["feature_score"])
        elif "feature_score" in outputs:
            failures.append(f"{kind}: the ONNX model gives feature scores, Vigil none")

        correlation = float("nan")
        if variational:
            sampled_path = os.path.join(work, f"{kind}-sampled.onnx")
            run(vigil, "export", "--model", folder, "--onnx", sampled_path, "--latent", "sampled")
            onnx.checker.check_model(onnx.load(sampled_path), full_check=True)
            sampled_session = ort.InferenceSession(sampled_path, providers=["CPUExecutionProvider"])
            first, second = (sampled_session.run(["instance_score"], {"x": x})[0].astype(np.float64) for _ in range(2))
            vigil_sampled_csv = os.path.join(work, f"{kind}-sampled-scores.csv")
            run(vigil, "score", "--model", folder, "--input", rows_csv, "--label-column", "label", "--output", vigil_sampled_csv)
            vigil_sampled, _, _ = read_scores(vigil_sampled_csv)
            correlation, own = spearman(first, vigil_sampled), spearman(first, second)
            differences = first - vigil_sampled
            z = float(np.mean(differences) / (np.std(differences) / np.sqrt(len(differences))))
            if not correlation >= own - 0.02:
                failures.append(f"{kind}: sampled rank correlation with Vigil {correlation:.4f}, with itself {own:.4f}")
            if not abs(z) < 4:
                failures.append(f"{kind}: sampled mean score differs from Vigil's by {z:.1f} standard errors")
            sampled_notes.append(f"{kind}: mean {np.mean(first):.6g} (ONNX) vs {np.mean(vigil_sampled):.6g} (Vigil), z = {z:+.2f}; "
                                 f"rank correlation {correlation:.4f} with Vigil, {own:.4f} between two ONNX runs")

        figures = " ".join(f"{value:8.1e}" for value in instance_figures + feature_figures)
        print(f"{kind:8} {len(x):6d} {figures} {'equal' if flags_equal else 'DIFF':>6} {correlation:10.4f}  {','.join(map(str, opsets))}")
        for name, (between, vigil_error, runtime_error), ok in (
            ("instance", instance_figures, instance_ok), ("feature", feature_figures, feature_ok)):
            if not ok:
                failures.append(f"{kind}: {name} scores differ by {between:.2e} relative; against Float64, Vigil {vigil_error:.2e}, "
                                f"ONNX Runtime {runtime_error:.2e}")
        if not flags_equal:
            mismatched = int(np.sum(outputs["is_outlier"].astype(int) != expected_flags))
            failures.append(f"{kind}: {mismatched} outlier flags differ")

    for note in sampled_notes:
        print("sampled " + note)
    if failures:
        sys.exit("ONNX check failed:\n  " + "\n  ".join(failures))
    print(f"ONNX check passed: {len(KINDS)} detectors, ONNX Runtime {ort.__version__}, onnx {onnx.__version__}")


def spearman(a, b):
    ranks_a = np.argsort(np.argsort(a)).astype(np.float64)
    ranks_b = np.argsort(np.argsort(b)).astype(np.float64)
    return float(np.corrcoef(ranks_a, ranks_b)[0, 1])


if __name__ == "__main__":
    main()
