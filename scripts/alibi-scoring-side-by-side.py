#!/usr/bin/env python3
"""alibi-detect's OutlierAEGMM scoring, timed on one core beside `vigil bench --scoring`.

The KDD example's networks (encoder Dense 60/30/10 tanh → 1, decoder 10/30/60 tanh → 18,
GMM density net Dense(10, relu) → Dense(2, softmax), reconstruction features eucl and
cosine), fitted for one epoch on 20,000 N(0, 1) rows (speed does not depend on the weights),
then `predict` on 400,000 N(0, 1) rows × 18 in one batch, best of 3, with TensorFlow held to
one thread. Prints rows/s. Run it pinned to one core, alternated with Vigil:

    taskset -c 0 python scripts/alibi-scoring-side-by-side.py
    taskset -c 0 .build/release/vigil bench --threads 1 --gemm-sizes 64 --networks aegmm \
        --epochs 1 --epoch-rows 20000 --scoring

Needs a Python environment with tensorflow-cpu 2.18 and alibi-detect 0.13.
"""
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf.config.threading.set_intra_op_parallelism_threads(1)
tf.config.threading.set_inter_op_parallelism_threads(1)
from tensorflow.keras.layers import Dense, InputLayer  # noqa: E402
from alibi_detect.od import OutlierAEGMM  # noqa: E402

features, latent, components = 18, 1, 2
encoder = tf.keras.Sequential([InputLayer(input_shape=(features,)), Dense(60, activation=tf.nn.tanh),
                               Dense(30, activation=tf.nn.tanh), Dense(10, activation=tf.nn.tanh), Dense(latent, activation=None)])
decoder = tf.keras.Sequential([InputLayer(input_shape=(latent,)), Dense(10, activation=tf.nn.tanh),
                               Dense(30, activation=tf.nn.tanh), Dense(60, activation=tf.nn.tanh), Dense(features, activation=None)])
density = tf.keras.Sequential([InputLayer(input_shape=(latent + 2,)), Dense(10, activation=tf.nn.relu),
                               Dense(components, activation=tf.nn.softmax)])
detector = OutlierAEGMM(threshold=None, encoder_net=encoder, decoder_net=decoder, gmm_density_net=density, n_gmm=components)
rng = np.random.default_rng(0)
detector.fit(rng.standard_normal((20_000, features)).astype(np.float32), epochs=1, batch_size=1024, verbose=False)
rows = rng.standard_normal((400_000, features)).astype(np.float32)
best = float("inf")
for _ in range(3):
    start = time.perf_counter()
    detector.score(rows, batch_size=int(1e10))
    best = min(best, time.perf_counter() - start)
print(f"alibi-detect OutlierAEGMM score, TensorFlow {tf.__version__}, 1 thread: {len(rows) / best:,.0f} rows/s")
