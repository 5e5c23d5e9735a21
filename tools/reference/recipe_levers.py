"""Simulates `dp4j train --recipe` (ScatterNet + GroupNorm + linear, DP-SGD) in PyTorch on dp4j's cached
front-end features, to measure levers the recipe does not have yet: per-channel normalization of the features
by the data's mean and variance, exact or released with Gaussian noise (Tramer & Boneh 2021's "BN" input norm).

Same step as dp4j: Poisson sampling at q = batch/n, per-example clipping to C of the linear layer's gradient
(kernel and bias: ||g||^2 = (||x||^2 + 1) ||softmax - onehot||^2), Gaussian noise sigma*C, division by the expected
batch, SGD momentum, EMA with De et al.'s warm-up, epochs * ceil(n/batch) steps. The statistics' privacy cost is
NOT composed into sigma here: it is a measurement of the lever, not a private training run.

Features: the .f32 files dp4j writes under ~/.cache/dp4j/features (little-endian float32, [n, 7, 7, 81]);
`dp4j train --recipe ...` logs which file it read. Not part of the Maven build.

  python recipe_levers.py --train-features T.f32 --test-features V.f32 --data fashion-mnist --norm data
"""
import argparse
import gzip
import math

import numpy as np
import torch

CHANNELS, POSITIONS = 81, 49


def labels(data, split):
    name = 'train' if split == 'train' else 't10k'
    if data == 'mnist':
        raw = open(f'/root/.cache/dp4j/mnist/{name}-labels-idx1-ubyte', 'rb').read()
    else:
        raw = gzip.open(f'/usr/share/datasets/fashion-mnist/{name}-labels-idx1-ubyte.gz').read()
    return torch.from_numpy(np.frombuffer(raw[8:], dtype=np.uint8).astype(np.int64))


def features(path):
    x = np.fromfile(path, dtype='<f4').reshape(-1, POSITIONS * CHANNELS)
    return torch.from_numpy(np.ascontiguousarray(x))


def channel_statistics(x, noise_multiplier, generator):
    """Per-channel mean and variance over examples and positions; with noise, each example's channel
    means (and mean squares) are clipped to the median norm and the sums released with Gaussian noise."""
    per_example = x.view(len(x), POSITIONS, CHANNELS)
    m1, m2 = per_example.mean(1), (per_example ** 2).mean(1)
    if noise_multiplier == 0:
        mean = m1.mean(0)
        return mean, (m2.mean(0) - mean ** 2).clamp_min(0)
    released = []
    for m in (m1, m2):
        bound = float(m.norm(dim=1).median())  # as Tramer & Boneh's code; itself not private
        clipped = m / (m.norm(dim=1, keepdim=True) / bound).clamp_min(1)
        noise = torch.randn(CHANNELS, generator=generator) * bound * noise_multiplier
        released.append((clipped.sum(0) + noise) / len(x))
    mean, square = released
    return mean, (square - mean ** 2).clamp_min(0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--train-features', required=True)
    ap.add_argument('--test-features')
    ap.add_argument('--data', choices=['mnist', 'fashion-mnist'], required=True)
    ap.add_argument('--test', action='store_true', help='score on the test set, not the last 10,000 training examples')
    ap.add_argument('--sigma', type=float, default=4.79, help='DP-SGD noise multiplier (4.79: eps 3 by PLD, 50,000 examples)')
    ap.add_argument('--lr', type=float, default=16)
    ap.add_argument('--batch', type=int, default=8192)
    ap.add_argument('--epochs', type=int, default=60)
    ap.add_argument('--clip', type=float, default=0.1)
    ap.add_argument('--momentum', type=float, default=0.9)
    ap.add_argument('--ema', type=float, default=0.99)
    ap.add_argument('--norm', choices=['none', 'data', 'datapriv'], default='none')
    ap.add_argument('--norm-noise', type=float, default=8.0)
    ap.add_argument('--seed', type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(2)
    g = torch.Generator().manual_seed(a.seed)
    x, y = features(a.train_features), labels(a.data, 'train')
    if a.test:
        xv, yv = features(a.test_features), labels(a.data, 'test')
    else:
        x, xv, y, yv = x[:50000], x[50000:], y[:50000], y[50000:]
    n, d = x.shape
    if a.norm != 'none':
        mean, var = channel_statistics(x, 0 if a.norm == 'data' else a.norm_noise, g)
        scale = torch.rsqrt(var + 1e-5)
        x = ((x.view(n, POSITIONS, CHANNELS) - mean) * scale).reshape(n, d)
        xv = ((xv.view(len(xv), POSITIONS, CHANNELS) - mean) * scale).reshape(len(xv), d)
    squares = (x * x).sum(1)
    w, b = torch.zeros(d, 10), torch.zeros(10)
    vw, vb = torch.zeros_like(w), torch.zeros_like(b)
    ew, eb = w.clone(), b.clone()
    q = a.batch / n
    steps = a.epochs * math.ceil(n / a.batch)
    for t in range(steps):
        idx = torch.nonzero(torch.rand(n, generator=g) < q).squeeze(1)
        xb, yb = x.index_select(0, idx), y[idx]
        p = torch.softmax(xb @ w + b, 1)
        p[torch.arange(len(yb)), yb] -= 1
        factor = 1 / torch.clamp(torch.sqrt((squares[idx] + 1) * (p * p).sum(1)) / a.clip, min=1)
        pw = p * factor[:, None]
        gw = ((pw.T @ xb).T + torch.randn(d, 10, generator=g) * a.sigma * a.clip) / a.batch
        gb = (pw.sum(0) + torch.randn(10, generator=g) * a.sigma * a.clip) / a.batch
        vw, vb = a.momentum * vw + gw, a.momentum * vb + gb
        w, b = w - a.lr * vw, b - a.lr * vb
        decay = min(a.ema, (1 + t) / (10 + t))
        ew, eb = decay * ew + (1 - decay) * w, decay * eb + (1 - decay) * b
    accuracy = ((xv @ ew + eb).argmax(1) == yv).float().mean().item()
    print(f'{a.data} norm={a.norm} sigma={a.sigma} lr={a.lr} batch={a.batch} epochs={a.epochs} steps={steps}'
          f' {"test" if a.test else "validation"} accuracy {100 * accuracy:.2f}%')


if __name__ == '__main__':
    main()
