#!/usr/bin/env python3
"""Independent numpy re-implementation of TF Privacy's Keras MNIST DP-SGD tutorial.

Written as a cross-check of dp4j's Java tutorial: it shares no code with dp4j and
depends on numpy only. It reproduces tutorials/mnist_dpsgd_tutorial_keras.py with
DPKerasSGDOptimizer semantics:

  model  Conv2D(16, 8x8, stride 2, SAME, relu) -> MaxPool(2, stride 1, VALID)
         -> Conv2D(32, 4x4, stride 2, VALID, relu) -> MaxPool(2, stride 1, VALID)
         -> Flatten -> Dense(32, relu) -> Dense(10) (logits)
         Glorot-uniform kernels, zero biases, channels-last.
  loss   softmax cross-entropy with logits, one value per example.
  step   batch 250, 250 microbatches (one example each): per-example gradient of
         all parameters, clip the whole-model gradient to L2 norm C, sum, add
         N(0, (sigma*C)^2) to every coordinate, divide by 250, w -= lr * g.
  data   'shuffle': Keras fit(shuffle=True): permute the 60000 examples every
         epoch, 240 consecutive batches of 250.  'poisson': every example joins a
         step independently with probability 250/60000, 240 steps per epoch, the
         noisy sum is still divided by 250.

Usage:
  python3 tf_privacy_tutorial_numpy.py --check
  python3 tf_privacy_tutorial_numpy.py --nonprivate --epochs 1
  python3 tf_privacy_tutorial_numpy.py --epochs 3 --seed 1 --sampling shuffle
"""
import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse
import json
import sys
import time

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

MNIST_DIR = os.path.expanduser("~/.cache/dp4j/mnist")

# --softmax-output: the published Classification_Privacy notebook (the source of these
# hyper-parameters) ends its model with Dense(10, activation='softmax') but still compiles
# CategoricalCrossentropy(from_logits=True), i.e. the loss applies a second softmax to the
# probabilities. Off by default (Dense(10) logits, as in mnist_dpsgd_tutorial_keras.py).
SOFTMAX_OUTPUT = False

# ----------------------------------------------------------------------------- data


def read_idx(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    ndim = magic & 0xFF
    assert (magic >> 8) == 0x08, "expected unsigned byte IDX file: %s" % path
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    return arr.reshape(dims)


def load_mnist(directory=MNIST_DIR):
    def imgs(name):
        return (read_idx(os.path.join(directory, name)).astype(np.float32) / np.float32(255.0))[..., None]

    def labs(name):
        y = read_idx(os.path.join(directory, name)).astype(np.int64)
        return y

    xtr, ytr = imgs("train-images-idx3-ubyte"), labs("train-labels-idx1-ubyte")
    xte, yte = imgs("t10k-images-idx3-ubyte"), labs("t10k-labels-idx1-ubyte")
    assert xtr.shape == (60000, 28, 28, 1) and xte.shape == (10000, 28, 28, 1)
    return xtr, ytr, xte, yte


def one_hot(y, n=10, dtype=np.float32):
    out = np.zeros((y.shape[0], n), dtype=dtype)
    out[np.arange(y.shape[0]), y] = 1
    return out


# ----------------------------------------------------------------------------- model

PARAM_NAMES = ["conv1/W", "conv1/b", "conv2/W", "conv2/b", "dense1/W", "dense1/b", "dense2/W", "dense2/b"]


def glorot_uniform(rng, shape, fan_in, fan_out, dtype):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape).astype(dtype)


def init_params(rng, dtype=np.float32):
    p = {}
    p["conv1/W"] = glorot_uniform(rng, (8, 8, 1, 16), 8 * 8 * 1, 8 * 8 * 16, dtype)
    p["conv1/b"] = np.zeros(16, dtype)
    p["conv2/W"] = glorot_uniform(rng, (4, 4, 16, 32), 4 * 4 * 16, 4 * 4 * 32, dtype)
    p["conv2/b"] = np.zeros(32, dtype)
    p["dense1/W"] = glorot_uniform(rng, (512, 32), 512, 32, dtype)
    p["dense1/b"] = np.zeros(32, dtype)
    p["dense2/W"] = glorot_uniform(rng, (32, 10), 32, 10, dtype)
    p["dense2/b"] = np.zeros(10, dtype)
    return p


def same_padding(n, k, s):
    """TF 'SAME': out = ceil(n/s); pad_total = max((out-1)*s + k - n, 0); top gets floor half."""
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def im2col(x, k, s):
    """x: (B,H,W,C) already padded. Returns patches (B, Ho*Wo, k*k*C) ordered (kh, kw, c)
    to match a Keras kernel (kh, kw, cin, cout) reshaped to (kh*kw*cin, cout)."""
    B, H, W, C = x.shape
    win = sliding_window_view(x, (k, k), axis=(1, 2))  # (B, H-k+1, W-k+1, C, k, k)
    win = win[:, ::s, ::s]  # (B, Ho, Wo, C, k, k)
    Ho, Wo = win.shape[1], win.shape[2]
    cols = np.ascontiguousarray(win.transpose(0, 1, 2, 4, 5, 3)).reshape(B, Ho * Wo, k * k * C)
    return cols, Ho, Wo


def col2im_add(dcols, shape, k, s, Ho, Wo):
    """Adjoint of im2col: scatter-add (B, Ho*Wo, k*k*C) back into an array of `shape`."""
    B, H, W, C = shape
    dx = np.zeros(shape, dtype=dcols.dtype)
    d = dcols.reshape(B, Ho, Wo, k, k, C)
    for i in range(k):
        for j in range(k):
            dx[:, i:i + s * (Ho - 1) + 1:s, j:j + s * (Wo - 1) + 1:s, :] += d[:, :, :, i, j, :]
    return dx


def maxpool2_s1_forward(x):
    """2x2 window, stride 1, VALID. Returns output and argmax index (0..3) within the window
    in scan order (0,0),(0,1),(1,0),(1,1); first maximum wins on ties."""
    cands = np.stack([x[:, :-1, :-1], x[:, :-1, 1:], x[:, 1:, :-1], x[:, 1:, 1:]], axis=0)
    idx = np.argmax(cands, axis=0)
    out = np.take_along_axis(cands, idx[None], axis=0)[0]
    return out, idx


def maxpool2_s1_backward(dout, idx, in_shape):
    """Overlapping windows: each output routes its gradient to its argmax input; inputs that
    are the max of several windows accumulate (scatter-add via four shifted additions)."""
    dx = np.zeros(in_shape, dtype=dout.dtype)
    offs = [(0, 0), (0, 1), (1, 0), (1, 1)]
    H, W = in_shape[1], in_shape[2]
    for n, (a, b) in enumerate(offs):
        dx[:, a:a + H - 1, b:b + W - 1] += np.where(idx == n, dout, 0)
    return dx


def forward(p, x, keep=False):
    B = x.shape[0]
    pt, pb = same_padding(28, 8, 2)
    xp = np.pad(x, ((0, 0), (pt, pb), (pt, pb), (0, 0)))
    cols1, H1, W1 = im2col(xp, 8, 2)  # (B,196,64)
    z1 = cols1 @ p["conv1/W"].reshape(64, 16) + p["conv1/b"]  # (B,196,16)
    a1 = np.maximum(z1, 0).reshape(B, H1, W1, 16)
    m1, idx1 = maxpool2_s1_forward(a1)  # (B,13,13,16)
    cols2, H2, W2 = im2col(m1, 4, 2)  # (B,25,256)
    z2 = cols2 @ p["conv2/W"].reshape(256, 32) + p["conv2/b"]  # (B,25,32)
    a2 = np.maximum(z2, 0).reshape(B, H2, W2, 32)
    m2, idx2 = maxpool2_s1_forward(a2)  # (B,4,4,32)
    f = m2.reshape(B, -1)  # (B,512), channels-last flatten like Keras
    z3 = f @ p["dense1/W"] + p["dense1/b"]
    a3 = np.maximum(z3, 0)
    logits = a3 @ p["dense2/W"] + p["dense2/b"]
    if not keep:
        return logits
    cache = dict(cols1=cols1, z1=z1, a1=a1, idx1=idx1, m1=m1, cols2=cols2, z2=z2, a2=a2,
                 idx2=idx2, m2=m2, f=f, z3=z3, a3=a3, H1=H1, W1=W1, H2=H2, W2=W2)
    return logits, cache


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def model_output(p, x):
    """What the loss sees: the logits, or softmax(logits) under --softmax-output."""
    logits = forward(p, x)
    return softmax(logits) if SOFTMAX_OUTPUT else logits


def per_example_loss(logits, y1h):
    m = logits.max(axis=1, keepdims=True)
    lse = m[:, 0] + np.log(np.exp(logits - m).sum(axis=1))
    return lse - (logits * y1h).sum(axis=1)


def per_example_grads(p, x, y1h):
    """Returns (losses (B,), logits, dict name -> per-example gradient of shape (B,)+param.shape)."""
    B = x.shape[0]
    logits, c = forward(p, x, keep=True)
    out = softmax(logits) if SOFTMAX_OUTPUT else logits
    losses = per_example_loss(out, y1h)
    dout = softmax(out) - y1h  # d loss_i / d out_i  (cross-entropy from logits on `out`)
    if SOFTMAX_OUTPUT:  # back through the model's own softmax: J^T v = s * (v - <s, v>)
        s = out
        dlogits = s * (dout - (s * dout).sum(axis=1, keepdims=True))
    else:
        dlogits = dout
    g = {}
    g["dense2/W"] = c["a3"][:, :, None] * dlogits[:, None, :]
    g["dense2/b"] = dlogits
    dz3 = (dlogits @ p["dense2/W"].T) * (c["z3"] > 0)
    g["dense1/W"] = c["f"][:, :, None] * dz3[:, None, :]
    g["dense1/b"] = dz3
    dm2 = (dz3 @ p["dense1/W"].T).reshape(c["m2"].shape)
    da2 = maxpool2_s1_backward(dm2, c["idx2"], c["a2"].shape)
    dz2 = da2.reshape(B, -1, 32) * (c["z2"] > 0)  # (B,25,32)
    g["conv2/W"] = np.matmul(c["cols2"].transpose(0, 2, 1), dz2).reshape(B, 4, 4, 16, 32)
    g["conv2/b"] = dz2.sum(axis=1)
    dcols2 = dz2 @ p["conv2/W"].reshape(256, 32).T  # (B,25,256)
    dm1 = col2im_add(dcols2, c["m1"].shape, 4, 2, c["H2"], c["W2"])
    da1 = maxpool2_s1_backward(dm1, c["idx1"], c["a1"].shape)
    dz1 = da1.reshape(B, -1, 16) * (c["z1"] > 0)  # (B,196,16)
    g["conv1/W"] = np.matmul(c["cols1"].transpose(0, 2, 1), dz1).reshape(B, 8, 8, 1, 16)
    g["conv1/b"] = dz1.sum(axis=1)
    return losses, logits, g


def accuracy(p, x, y, bs=1000):
    correct = 0
    for i in range(0, x.shape[0], bs):
        correct += int((forward(p, x[i:i + bs]).argmax(axis=1) == y[i:i + bs]).sum())
    return correct / x.shape[0]


# ----------------------------------------------------------------------------- DP-SGD step


def dp_step(p, xb, yb1h, rng, lr, clip, sigma, denom):
    """One DPKerasSGDOptimizer step with num_microbatches == batch size."""
    B = xb.shape[0]
    dtype = p["conv1/W"].dtype
    if B > 0:
        _, _, g = per_example_grads(p, xb, yb1h)
        sq = np.zeros(B, dtype=np.float64)
        for n in PARAM_NAMES:
            sq += (g[n].reshape(B, -1).astype(np.float64) ** 2).sum(axis=1)
        norms = np.sqrt(sq)
        scale = np.minimum(1.0, clip / np.maximum(norms, 1e-30)).astype(dtype)
    for n in PARAM_NAMES:
        if B > 0:
            s = np.tensordot(scale, g[n], axes=(0, 0))  # sum_b scale_b * g_b
        else:
            s = np.zeros_like(p[n])
        if sigma > 0:
            s = s + rng.standard_normal(size=p[n].shape, dtype=dtype) * dtype.type(sigma * clip)
        p[n] -= dtype.type(lr) * (s / dtype.type(denom))
    return norms if B > 0 else np.zeros(0)


def sgd_step(p, xb, yb1h, lr):
    B = xb.shape[0]
    _, _, g = per_example_grads(p, xb, yb1h)
    dtype = p["conv1/W"].dtype
    for n in PARAM_NAMES:
        p[n] -= dtype.type(lr) * (g[n].sum(axis=0) / dtype.type(B))


# ----------------------------------------------------------------------------- checks


def naive_conv(x, W, b, stride, pad_t, pad_b):
    B, H, Wd, C = x.shape
    k = W.shape[0]
    xp = np.pad(x, ((0, 0), (pad_t, pad_b), (pad_t, pad_b), (0, 0)))
    Ho = (xp.shape[1] - k) // stride + 1
    Wo = (xp.shape[2] - k) // stride + 1
    out = np.zeros((B, Ho, Wo, W.shape[3]))
    for i in range(Ho):
        for j in range(Wo):
            patch = xp[:, i * stride:i * stride + k, j * stride:j * stride + k, :]
            out[:, i, j, :] = np.einsum("bhwc,hwco->bo", patch, W) + b
    return out


def naive_forward(p, x):
    """Loop-based float64 reference forward pass (no im2col / stride tricks)."""
    pt, pb = same_padding(28, 8, 2)
    a = np.maximum(naive_conv(x, p["conv1/W"], p["conv1/b"], 2, pt, pb), 0)
    a = np.maximum(np.maximum(a[:, :-1, :-1], a[:, :-1, 1:]), np.maximum(a[:, 1:, :-1], a[:, 1:, 1:]))
    a = np.maximum(naive_conv(a, p["conv2/W"], p["conv2/b"], 2, 0, 0), 0)
    a = np.maximum(np.maximum(a[:, :-1, :-1], a[:, :-1, 1:]), np.maximum(a[:, 1:, :-1], a[:, 1:, 1:]))
    f = a.reshape(a.shape[0], -1)
    h = np.maximum(f @ p["dense1/W"] + p["dense1/b"], 0)
    return h @ p["dense2/W"] + p["dense2/b"]


def gradient_check(seed=0, n_examples=4, n_coords=20, eps=1e-6):
    xtr, ytr, _, _ = load_mnist()
    rng = np.random.default_rng(seed)
    p = init_params(rng, np.float64)
    # non-zero biases so that bias gradients and ReLU gating are exercised generically
    for n in PARAM_NAMES:
        if n.endswith("/b"):
            p[n] = rng.normal(0, 0.05, size=p[n].shape)
    idx = rng.choice(60000, n_examples, replace=False)
    x = xtr[idx].astype(np.float64)
    y1h = one_hot(ytr[idx], dtype=np.float64)

    print("SAME padding for 28/k8/s2: top,bottom =", same_padding(28, 8, 2), "-> out 14")
    lf = forward(p, x)
    ln = naive_forward(p, x)
    print("forward vs loop reference: max |diff| = %.3e" % np.abs(lf - ln).max())
    assert np.abs(lf - ln).max() < 1e-10

    _, _, g = per_example_grads(p, x, y1h)
    worst = {}
    for n in PARAM_NAMES:
        size = p[n].size
        coords = rng.choice(size, min(n_coords, size), replace=False)
        maxrel = 0.0
        for ci in coords:
            flat = p[n].reshape(-1)
            old = flat[ci]
            flat[ci] = old + eps
            lp = per_example_loss(model_output(p, x), y1h)
            flat[ci] = old - eps
            lm = per_example_loss(model_output(p, x), y1h)
            flat[ci] = old
            num = (lp - lm) / (2 * eps)  # (B,): one FD derivative per example
            ana = g[n].reshape(n_examples, -1)[:, ci]
            for b in range(n_examples):
                den = max(abs(num[b]), abs(ana[b]))
                if den < 1e-9:  # both (numerically) zero, e.g. dead ReLU path
                    rel = abs(num[b] - ana[b])
                else:
                    rel = abs(num[b] - ana[b]) / den
                maxrel = max(maxrel, rel)
        worst[n] = maxrel
        print("%-9s  %d coords x %d examples   max rel err = %.3e" % (n, len(coords), n_examples, maxrel))

    # clipping / aggregation sanity: with huge C and sigma=0, dp_step == plain SGD on the mean
    p32 = init_params(np.random.default_rng(1), np.float32)
    xb = xtr[:250]
    yb = one_hot(ytr[:250])
    pa = {k: v.copy() for k, v in p32.items()}
    pb = {k: v.copy() for k, v in p32.items()}
    dp_step(pa, xb, yb, np.random.default_rng(0), 0.25, 1e9, 0.0, 250)
    sgd_step(pb, xb, yb, 0.25)
    d = max(np.abs(pa[k] - pb[k]).max() for k in PARAM_NAMES)
    print("dp_step(C=inf, sigma=0) vs sgd_step: max |diff| = %.3e" % d)
    # clipped per-example norms never exceed C
    _, _, g32 = per_example_grads(p32, xb, yb)
    flat = np.concatenate([g32[k].reshape(250, -1) for k in PARAM_NAMES], axis=1).astype(np.float64)
    norms = np.linalg.norm(flat, axis=1)
    clipped = flat * np.minimum(1.0, 1.5 / norms)[:, None]
    print("per-example grad norms at init: min %.3f median %.3f max %.3f; after clip max %.6f"
          % (norms.min(), np.median(norms), norms.max(), np.linalg.norm(clipped, axis=1).max()))
    ok = all(v < 1e-4 for v in worst.values()) and d < 1e-5
    print("GRADIENT CHECK", "PASSED" if ok else "FAILED")
    return ok, worst


# ----------------------------------------------------------------------------- training


def train(args):
    xtr, ytr, xte, yte = load_mnist()
    ytr1h = one_hot(ytr)
    rng = np.random.default_rng(args.seed)
    p = init_params(rng, np.float32)
    N, B = xtr.shape[0], args.batch_size
    steps = N // B
    q = B / N
    accs = []
    t0 = time.time()
    mode = "nonprivate" if args.nonprivate else args.sampling
    if SOFTMAX_OUTPUT:
        mode += "+softmax-output"
    print("mode=%s seed=%d epochs=%d lr=%g C=%g sigma=%g batch=%d steps/epoch=%d"
          % (mode, args.seed, args.epochs, args.lr, args.clip, args.sigma, B, steps), flush=True)
    for ep in range(args.epochs):
        te = time.time()
        sizes = []
        if args.nonprivate or args.sampling == "shuffle":
            perm = rng.permutation(N)
        for s in range(steps):
            if args.nonprivate or args.sampling == "shuffle":
                bi = perm[s * B:(s + 1) * B]
            else:
                bi = np.nonzero(rng.random(N) < q)[0]
            sizes.append(len(bi))
            if args.nonprivate:
                sgd_step(p, xtr[bi], ytr1h[bi], args.lr)
            else:
                dp_step(p, xtr[bi], ytr1h[bi], rng, args.lr, args.clip, args.sigma, B)
        acc = accuracy(p, xte, yte)
        accs.append(acc)
        print("epoch %d  test_acc %.4f  (epoch %.1fs, mean batch %.1f)"
              % (ep + 1, acc, time.time() - te, np.mean(sizes)), flush=True)
    wall = time.time() - t0
    print("wall time %.1fs" % wall)
    print("RESULT " + json.dumps(dict(mode=mode, seed=args.seed, epochs=args.epochs, sigma=args.sigma,
                                      clip=args.clip, lr=args.lr, accs=accs, wall_s=round(wall, 1))))
    return accs


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--sampling", choices=["shuffle", "poisson"], default="shuffle")
    ap.add_argument("--sigma", type=float, default=1.3, help="noise multiplier")
    ap.add_argument("--clip", type=float, default=1.5, help="L2 clipping norm C")
    ap.add_argument("--lr", type=float, default=0.25)
    ap.add_argument("--batch-size", type=int, default=250)
    ap.add_argument("--check", action="store_true", help="run the gradient check and exit")
    ap.add_argument("--nonprivate", action="store_true", help="plain SGD on the batch-mean gradient")
    ap.add_argument("--softmax-output", action="store_true",
                    help="model ends in softmax and the loss still treats its output as logits "
                         "(as the published Classification_Privacy notebook does)")
    args = ap.parse_args(argv)
    global SOFTMAX_OUTPUT
    SOFTMAX_OUTPUT = args.softmax_output
    if args.check:
        ok, _ = gradient_check(seed=args.seed)
        return 0 if ok else 1
    train(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
