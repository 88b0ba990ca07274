#!/usr/bin/env python3
"""alibi-detect's CIFAR-10 OutlierVAE, training and scoring timed beside `vigil bench --networks cifar-vae`.

The example's networks (encoder Conv2D 64/128/512, 4×4, stride 2, same, relu → Flatten; latent
1,024; decoder Dense(4·4·128) → Reshape → Conv2DTranspose 256/64/3, 4×4, stride 2, same, relu,
relu, sigmoid), its ELBO (cov_elbo sim 0.05), samples 2 and batch 64, trained for one epoch on
the first ROWS images (at least 64) of data_batch_1.bin (the shared copy): a one-step fit to
warm up, then one timed fit over all ROWS images, in seconds per 64-image step; then the
instance score of 1,000 images (`od.score`, 2 samples), best of 2, in images/s. Run it
alternated with Vigil on the same cores:

    python scripts/alibi-cifar10-side-by-side.py [ROWS] [THREADS]
    .build/release/vigil bench --threads 2 --gemm-sizes 1024 --networks cifar-vae --epochs 1 --epoch-rows ROWS --scoring

Needs a Python environment with tensorflow-cpu 2.18 and alibi-detect 0.13.
"""
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1280
if rows < 64:
    sys.exit("ROWS must be at least 64 (one batch)")
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
tf.config.threading.set_intra_op_parallelism_threads(threads)
tf.config.threading.set_inter_op_parallelism_threads(1)
from tensorflow.keras.layers import Conv2D, Conv2DTranspose, Dense, Flatten, InputLayer, Reshape  # noqa: E402
from alibi_detect.od import OutlierVAE  # noqa: E402
from alibi_detect.models.tensorflow.losses import elbo  # noqa: E402

data_dir = os.environ.get("VIGIL_DATA_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data"))
raw = np.fromfile(os.path.join(data_dir, "cifar-10-batches-bin", "data_batch_1.bin"), dtype=np.uint8).reshape(10_000, 3073)
images = raw[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).astype(np.float32) / 255
train = images[:rows]

latent = 1024
encoder = tf.keras.Sequential([InputLayer(input_shape=(32, 32, 3)),
                               Conv2D(64, 4, strides=2, padding="same", activation=tf.nn.relu),
                               Conv2D(128, 4, strides=2, padding="same", activation=tf.nn.relu),
                               Conv2D(512, 4, strides=2, padding="same", activation=tf.nn.relu), Flatten()])
decoder = tf.keras.Sequential([InputLayer(input_shape=(latent,)), Dense(4 * 4 * 128), Reshape(target_shape=(4, 4, 128)),
                               Conv2DTranspose(256, 4, strides=2, padding="same", activation=tf.nn.relu),
                               Conv2DTranspose(64, 4, strides=2, padding="same", activation=tf.nn.relu),
                               Conv2DTranspose(3, 4, strides=2, padding="same", activation="sigmoid")])
detector = OutlierVAE(threshold=0.015, score_type="mse", encoder_net=encoder, decoder_net=decoder, latent_dim=latent, samples=2)

# A one-step fit first (oneDNN's first calls), then the timed fit over every image.
start = time.perf_counter()
detector.fit(train[:64], loss_fn=elbo, cov_elbo=dict(sim=0.05), epochs=1, batch_size=64, verbose=False)
first = time.perf_counter() - start
start = time.perf_counter()
detector.fit(train, loss_fn=elbo, cov_elbo=dict(sim=0.05), epochs=1, batch_size=64, verbose=False)
whole = time.perf_counter() - start
steps = rows // 64
print(f"alibi-detect OutlierVAE (CIFAR-10 example), TensorFlow {tf.__version__}, {threads} threads: "
      f"{whole / steps:.3f} s per 64-image step over {steps} steps ({64 * steps / whole:.1f} images/s; "
      f"{50_000 / 64 * whole / steps:,.0f} s per 50,000-image epoch); a first one-step fit took {first:.2f} s")
best = float("inf")
for _ in range(2):
    start = time.perf_counter()
    detector.score(images[:1000], batch_size=64)
    best = min(best, time.perf_counter() - start)
print(f"alibi-detect OutlierVAE score (2 samples, batch 64): {1000 / best:,.0f} images/s")
