#!/usr/bin/env python3
"""Recomputes dp4j's DP step with Keras: per-example gradients, their norms, clipping, the sum.

  java -cp dp4j-cli/target/dp4j.jar tools/reference/KerasDpStepExport.java DIR
  python keras_dp_step_check.py DIR

Loads DIR/cnn.keras with Keras, takes one gradient tape per example of the sparse softmax
cross-entropy on logits, and compares the squared norms and the sum of the gradients clipped to C
(factor min(1, C / (norm + 1e-6)), as dp4j and TF Privacy) with dp4j's. Exits 1 if a relative
error exceeds --tolerance.
"""
import argparse
import json
import os
import sys

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("dir")
ap.add_argument("--tolerance", type=float, default=1e-4)
a = ap.parse_args()
model = keras.saving.load_model(os.path.join(a.dir, "cnn.keras"), compile=False)
x = np.loadtxt(os.path.join(a.dir, "x.csv"), delimiter=",", dtype=np.float32).reshape(-1, 28, 28, 1)
y = np.loadtxt(os.path.join(a.dir, "y.csv"), dtype=np.int64)
with open(os.path.join(a.dir, "dp4j.json")) as f:
    theirs = json.load(f)
loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
clip = theirs["clip"]
norms = []
sums = [np.zeros(v.shape, np.float64) for v in model.trainable_variables]
for i in range(len(x)):
    with tf.GradientTape() as tape:
        value = loss(y[i:i + 1], model(x[i:i + 1], training=True))
    grads = [g.numpy().astype(np.float64) for g in tape.gradient(value, model.trainable_variables)]
    sq = sum(float(np.sum(g * g)) for g in grads)
    norms.append(sq)
    factor = min(1.0, clip / (np.sqrt(sq) + 1e-6))
    for s, g in zip(sums, grads):
        s += factor * g
norms = np.array(norms)
theirs_norms = np.array(theirs["squared_norms"])
norm_error = float(np.max(np.abs(norms - theirs_norms) / norms))
sum_errors = [float(np.max(np.abs(s.ravel() - np.array(t))) / np.max(np.abs(s)))
              for s, t in zip(sums, theirs["clipped_sums"])]
clipped = int(np.sum(np.sqrt(norms) > clip))
print(json.dumps({"examples": len(x), "clip": clip, "examples_clipped": clipped,
                  "max_relative_error_squared_norms": norm_error,
                  "max_relative_error_clipped_sums": max(sum_errors),
                  "per_parameter": sum_errors, "keras": keras.__version__}))
sys.exit(0 if max(norm_error, max(sum_errors)) <= a.tolerance else 1)
