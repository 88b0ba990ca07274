"""Scores a large table on Apache Spark with a detector exported by `vigil export`.

The recipe: Spark reads the table, `mapInPandas` hands each partition's rows in Arrow
batches to ONNX Runtime (one session per Python worker, loaded once from the broadcast
model bytes), and the scores come back as columns beside the row's id. Vigil trains and
exports; Spark scores at cluster scale.

This script also builds its test table and checks the result: it repeats a KDD Cup '99
sample (`vigil data sample kdd`, 18 features) to --rows rows as Parquet, scores them in
Spark's local mode, and compares the rows of the first copy with `vigil score` on the
sample (instance scores to 1e-4 relative — scripts/onnx-check.py puts the two engines' Float32
difference for a mixture energy near 2e-5 — with its scale rule, and the
flags exactly).

Usage (Java 17+, `pip install pyspark onnxruntime numpy pandas pyarrow`):
  python scripts/spark/score_onnx.py --onnx model.onnx --sample sample.csv \
      --vigil-scores vigil.csv --rows 10000000 --work DIR [--master local[2]]
where vigil.csv is `vigil score --model M --input sample.csv --label-column label
--latent mean --output vigil.csv` and model.onnx is `vigil export --model M --onnx model.onnx`.
"""

import argparse
import os
import sys
import time

import numpy as np
import pandas as pd

_session = None


def score_partitions(model_bytes, feature_columns):
    """The mapInPandas function: ONNX Runtime on each Arrow batch of a partition."""

    def score(batches):
        global _session
        import onnxruntime as ort

        if _session is None:
            options = ort.SessionOptions()
            options.intra_op_num_threads = 1  # Spark runs one task per core
            _session = ort.InferenceSession(model_bytes.value, options, providers=["CPUExecutionProvider"])
        if "is_outlier" not in [output.name for output in _session.get_outputs()]:
            raise ValueError("the model has no is_outlier output: export a detector that has a threshold")
        for batch in batches:
            x = np.ascontiguousarray(batch[feature_columns].to_numpy(dtype=np.float32))
            instance, flags = _session.run(["instance_score", "is_outlier"], {"x": x})
            yield pd.DataFrame({"id": batch["id"].to_numpy(), "instance_score": instance, "is_outlier": flags.astype(np.int32)})

    return score


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--onnx", required=True)
    parser.add_argument("--sample", required=True, help="the CSV sample (18 features and a label column)")
    parser.add_argument("--vigil-scores", required=True, help="vigil score's CSV for the sample, --latent mean")
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--work", required=True)
    parser.add_argument("--master", default="local[2]")
    arguments = parser.parse_args()

    # The workers run the driver's Python, which has onnxruntime and pandas.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession, functions as F

    spark = (SparkSession.builder.master(arguments.master).appName("vigil-onnx-scoring")
             .config("spark.sql.execution.arrow.maxRecordsPerBatch", "65536")
             .config("spark.driver.memory", "4g").getOrCreate())
    spark.sparkContext.setLogLevel("WARN")

    sample = pd.read_csv(arguments.sample)
    feature_columns = [c for c in sample.columns if c != "label"]
    copies = -(-arguments.rows // len(sample))
    table = os.path.join(arguments.work, "kdd-repeated.parquet")
    if not os.path.exists(table):
        base = spark.createDataFrame(sample[feature_columns].astype(np.float32).assign(row=np.arange(len(sample))))
        repeated = (spark.range(copies).withColumnRenamed("id", "copy").crossJoin(base)
                    .withColumn("id", F.col("copy") * len(sample) + F.col("row"))
                    .where(F.col("id") < arguments.rows).drop("copy", "row"))
        repeated.repartition(8).write.parquet(table)
    rows = spark.read.parquet(table)
    count = rows.count()

    with open(arguments.onnx, "rb") as handle:
        model_bytes = spark.sparkContext.broadcast(handle.read())
    schema = "id long, instance_score float, is_outlier int"
    scored_path = os.path.join(arguments.work, "scores.parquet")
    start = time.perf_counter()
    rows.mapInPandas(score_partitions(model_bytes, feature_columns), schema).write.mode("overwrite").parquet(scored_path)
    seconds = time.perf_counter() - start
    print(f"Spark {spark.version} {arguments.master}: scored {count:,} rows in {seconds:.1f} s, {count / seconds:,.0f} rows/s")

    # The first copy's rows against vigil score on the sample.
    first = spark.read.parquet(scored_path).where(F.col("id") < len(sample)).toPandas().sort_values("id")
    vigil = pd.read_csv(arguments.vigil_scores)
    expected, got = vigil["instance_score"].to_numpy(np.float64), first["instance_score"].to_numpy(np.float64)
    scale = np.maximum(np.abs(expected), np.median(np.abs(expected)))
    relative = float(np.max(np.abs(got - expected) / scale))
    flags_equal = bool(np.array_equal(first["is_outlier"].to_numpy(), vigil["is_outlier"].to_numpy()))
    total_flagged = spark.read.parquet(scored_path).agg(F.sum("is_outlier")).first()[0]
    print(f"check: {len(first):,} rows against vigil score: max relative difference {relative:.2e}, flags "
          f"{'equal' if flags_equal else 'DIFFERENT'}; {total_flagged:,} of {count:,} rows flagged")
    spark.stop()
    if len(first) != len(sample) or not flags_equal or not relative <= 1e-4:
        raise SystemExit("Spark scores differ from vigil score")


if __name__ == "__main__":
    main()
