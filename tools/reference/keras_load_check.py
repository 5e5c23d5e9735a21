#!/usr/bin/env python3
"""Loads a .keras file that dp4j wrote with Keras 3 itself and compares predictions.

  ./dp4j predict --model M.keras --input X --json > dp4j.json
  python keras_load_check.py M.keras X dp4j.json [--scale S]

X is the input dp4j predicted on: a CSV (one example per row) or an IDX file. Prints
the largest absolute difference between Keras' and dp4j's outputs and the fraction of
examples whose arg-max agrees, and exits 1 if the difference exceeds --tolerance.
"""
import argparse
import json
import os
import sys

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras  # noqa: E402


def read_input(path, shape):
    if path.endswith(".csv"):
        x = np.loadtxt(path, delimiter=",", dtype=np.float32, ndmin=2)
    else:
        with open(path, "rb") as f:
            data = f.read()
        dims = data[3]
        dim = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
        x = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(dim).astype(np.float32)
    return x.reshape((len(x),) + tuple(shape))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("input")
    ap.add_argument("dp4j_json")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--tolerance", type=float, default=1e-4)
    a = ap.parse_args()
    model = keras.saving.load_model(a.model, compile=False)
    x = read_input(a.input, model.input_shape[1:]) * a.scale
    with open(a.dp4j_json) as f:
        theirs = np.array(json.load(f)["predictions"], dtype=np.float64)
    ours = model.predict(x, batch_size=500, verbose=0).astype(np.float64)
    diff = float(np.max(np.abs(ours - theirs)))
    agree = float(np.mean(np.argmax(ours, 1) == np.argmax(theirs, 1))) if ours.shape[1] > 1 else None
    print(json.dumps({"model": a.model, "examples": len(x), "layers": [l.__class__.__name__ for l in model.layers],
                      "max_abs_difference": diff, "argmax_agreement": agree, "keras": keras.__version__}))
    sys.exit(0 if diff <= a.tolerance else 1)
