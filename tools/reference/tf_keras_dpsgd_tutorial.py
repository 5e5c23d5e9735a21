#!/usr/bin/env python3
"""TF Privacy's Keras MNIST DP-SGD tutorial on TensorFlow 2 and Keras 3 themselves.

A second cross-check of dp4j's tutorial, next to tf_privacy_tutorial_numpy.py: this
one runs Keras' own layers, initializers and loss, and implements
DPKerasSGDOptimizer's step (num_microbatches = batch size) the way TF Privacy's
vectorized optimizer does, with tf.vectorized_map over the examples:

  per-example gradients of the whole model -> clip each to L2 norm C
  -> sum -> add N(0, (sigma*C)^2) to every coordinate -> divide by 250 -> SGD.

TensorFlow Privacy itself is not installable here; the step above is its
algorithm, not its code. Data: Keras fit(shuffle=True) batches, 240 steps of 250
per epoch, or Poisson sampling (--sampling poisson).

It also times one DP step and one plain step of the same model (--time), as
`dp4j bench` does for dp4j.

Needs tensorflow-cpu and MNIST in ~/.cache/dp4j/mnist (run ./dp4j tutorial once).
Usage:
  python tf_keras_dpsgd_tutorial.py --check
  python tf_keras_dpsgd_tutorial.py --epochs 3 --seed 1
  python tf_keras_dpsgd_tutorial.py --time [--xla]
"""
import argparse
import json
import os
import sys
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402

MNIST_DIR = os.path.expanduser("~/.cache/dp4j/mnist")
C, SIGMA, LR, BATCH = 1.5, 1.3, 0.25, 250


def idx(name):
    with open(os.path.join(MNIST_DIR, name), "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load():
    x = idx("train-images-idx3-ubyte").astype(np.float32)[..., None] / 255.0
    y = idx("train-labels-idx1-ubyte").astype(np.int64)
    xt = idx("t10k-images-idx3-ubyte").astype(np.float32)[..., None] / 255.0
    yt = idx("t10k-labels-idx1-ubyte").astype(np.int64)
    return x, y, xt, yt


def model(seed):
    keras.utils.set_random_seed(seed)
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(16, 8, strides=2, padding="same", activation="relu"),
        keras.layers.MaxPool2D(2, 1),
        keras.layers.Conv2D(32, 4, strides=2, padding="valid", activation="relu"),
        keras.layers.MaxPool2D(2, 1),
        keras.layers.Flatten(),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dense(10),
    ])


def steps(m, xla=False):
    loss = keras.losses.CategoricalCrossentropy(from_logits=True, reduction=None)
    variables = m.trainable_variables

    def example_grads(xy):
        x, y = xy
        with tf.GradientTape() as tape:
            per = loss(y[None], m(x[None], training=True))
        return tape.gradient(per, variables)

    @tf.function(jit_compile=xla)
    def dp_step(x, y, weights, seed):
        grads = tf.vectorized_map(example_grads, (x, y))
        sq = tf.add_n([tf.reduce_sum(tf.reshape(g, [tf.shape(g)[0], -1]) ** 2, 1) for g in grads])
        factor = tf.minimum(1.0, C / (tf.sqrt(sq) + 1e-6)) * weights
        for i, (g, v) in enumerate(zip(grads, variables)):
            f = tf.reshape(factor, [-1] + [1] * (len(g.shape) - 1))
            noise = tf.random.stateless_normal(v.shape, seed=seed + [0, i], stddev=SIGMA * C)
            v.assign_sub(LR * (tf.reduce_sum(g * f, 0) + noise) / BATCH)

    @tf.function(jit_compile=xla)
    def plain_step(x, y):
        with tf.GradientTape() as tape:
            mean = tf.reduce_mean(loss(y, m(x, training=True)))
        for g, v in zip(tape.gradient(mean, variables), variables):
            v.assign_sub(LR * g)

    dp_step.example_grads = example_grads
    return dp_step, plain_step


def check(args):
    """Vectorized per-example gradients against one tape per example, and their norms."""
    x, y, _, _ = load()
    onehot = np.eye(10, dtype=np.float32)[y]
    m = model(3)
    dp_step, _ = steps(m)
    xb, yb = tf.constant(x[:16]), tf.constant(onehot[:16])
    vec = tf.function(lambda a, b: tf.vectorized_map(dp_step.example_grads, (a, b)))(xb, yb)
    worst = 0.0
    for i in range(16):
        own = dp_step.example_grads((xb[i], yb[i]))
        for g, o in zip(vec, own):
            worst = max(worst, float(tf.reduce_max(tf.abs(g[i] - o)) / (tf.reduce_max(tf.abs(o)) + 1e-12)))
    print(json.dumps({"max_relative_error": worst}))


def accuracy(m, xt, yt):
    logits = m.predict(xt, batch_size=1000, verbose=0)
    return float(np.mean(np.argmax(logits, 1) == yt))


def train(args):
    x, y, xt, yt = load()
    onehot = np.eye(10, dtype=np.float32)[y]
    m = model(args.seed)
    dp_step, _ = steps(m)
    rng = np.random.default_rng(args.seed)
    n = len(x)
    per_epoch = n // BATCH
    result = {"seed": args.seed, "sampling": args.sampling, "epochs": []}
    start = time.time()
    for epoch in range(args.epochs):
        order = rng.permutation(n)
        for s in range(per_epoch):
            if args.sampling == "shuffle":
                batch = order[s * BATCH:(s + 1) * BATCH]
                w = np.ones(BATCH, np.float32)
            else:
                batch = np.flatnonzero(rng.random(n) < BATCH / n)
                if len(batch) == 0:
                    batch, w = np.array([0]), np.zeros(1, np.float32)
                else:
                    w = np.ones(len(batch), np.float32)
            seed = tf.constant([args.seed, epoch * per_epoch + s], tf.int32)
            dp_step(tf.constant(x[batch]), tf.constant(onehot[batch]), tf.constant(w), seed)
        acc = accuracy(m, xt, yt)
        result["epochs"].append(acc)
        print(f"epoch {epoch + 1}: test accuracy {acc:.4f} ({time.time() - start:.0f} s)",
              file=sys.stderr)
    result["test_accuracy"] = result["epochs"][-1]
    result["seconds"] = time.time() - start
    print(json.dumps(result))


def timing(args):
    x, y, _, _ = load()
    onehot = np.eye(10, dtype=np.float32)[y]
    m = model(1)
    dp_step, plain_step = steps(m, args.xla)
    xb, yb = tf.constant(x[:BATCH]), tf.constant(onehot[:BATCH])
    w = tf.constant(np.ones(BATCH, np.float32))
    seed = tf.constant([1, 2], tf.int32)
    plain, dp = [], []
    for _ in range(args.rounds):
        for fn, out in ((lambda: plain_step(xb, yb), plain), (lambda: dp_step(xb, yb, w, seed), dp)):
            for _ in range(5):
                fn()
            t0 = time.perf_counter()
            for _ in range(args.steps):
                fn()
            out.append((time.perf_counter() - t0) * 1000 / args.steps)
    p, d = float(np.median(plain)), float(np.median(dp))
    print(json.dumps({"nondp_ms_per_step": p, "dp_ms_per_step": d, "ratio": d / p,
                      "xla": args.xla, "tensorflow": tf.__version__, "keras": keras.__version__}))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sampling", choices=["shuffle", "poisson"], default="shuffle")
    ap.add_argument("--time", action="store_true")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--xla", action="store_true", help="compile both steps with XLA (--time)")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    check(a) if a.check else timing(a) if a.time else train(a)
