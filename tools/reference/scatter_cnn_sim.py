"""Simulates a ScatterNet + CNN recipe (Tramer & Boneh 2021's ScatterNet CNN for 28x28 data: on the 7x7x81
GroupNorm'ed scattering features, Conv 16 3x3 stride 2 + tanh, Conv 32 3x3 + tanh, Dense 32 + tanh, Dense 10)
trained with DP-SGD in PyTorch on dp4j's cached front-end features, to see whether it beats the linear recipe
before building it. Per-example gradients by torch.func (vmap of grad), clipped to C, Gaussian noise sigma*C,
divided by the expected batch, Poisson sampling, SGD momentum, EMA with De et al.'s warm-up. Not part of the build.

  python scatter_cnn_sim.py --train-features T.f32 --data fashion-mnist --lr 4
"""
import argparse
import math

import torch
from torch import nn
from torch.func import functional_call, grad, vmap

from recipe_levers import features, labels


def model():
    return nn.Sequential(
        nn.Conv2d(81, 16, 3, stride=2, padding=1), nn.Tanh(),
        nn.Conv2d(16, 32, 3, stride=1, padding=1), nn.Tanh(),
        nn.Flatten(), nn.Linear(32 * 4 * 4, 32), nn.Tanh(), nn.Linear(32, 10))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--train-features', required=True)
    ap.add_argument('--test-features')
    ap.add_argument('--data', choices=['mnist', 'fashion-mnist'], required=True)
    ap.add_argument('--test', action='store_true')
    ap.add_argument('--sigma', type=float, default=4.79)
    ap.add_argument('--lr', type=float, default=4)
    ap.add_argument('--batch', type=int, default=8192)
    ap.add_argument('--epochs', type=int, default=60)
    ap.add_argument('--clip', type=float, default=0.1)
    ap.add_argument('--momentum', type=float, default=0.9)
    ap.add_argument('--ema', type=float, default=0.99)
    ap.add_argument('--seed', type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(a.seed)
    g = torch.Generator().manual_seed(a.seed)
    x, y = features(a.train_features), labels(a.data, 'train')
    if a.test:
        xv, yv = features(a.test_features), labels(a.data, 'test')
    else:
        x, xv, y, yv = x[:50000], x[50000:], y[:50000], y[50000:]
    # NHWC features to NCHW images
    x = x.view(-1, 7, 7, 81).permute(0, 3, 1, 2).contiguous()
    xv = xv.view(-1, 7, 7, 81).permute(0, 3, 1, 2).contiguous()
    net = model()
    params = {k: v.detach() for k, v in net.named_parameters()}
    velocity = {k: torch.zeros_like(v) for k, v in params.items()}
    ema = {k: v.clone() for k, v in params.items()}

    def loss(p, xi, yi):
        out = functional_call(net, p, (xi.unsqueeze(0),))
        return nn.functional.cross_entropy(out, yi.unsqueeze(0))

    per_example = vmap(grad(loss), in_dims=(None, 0, 0))
    n = len(x)
    q = a.batch / n
    steps = a.epochs * math.ceil(n / a.batch)
    for t in range(steps):
        idx = torch.nonzero(torch.rand(n, generator=g) < q).squeeze(1)
        sums = {k: torch.zeros_like(v) for k, v in params.items()}
        for chunk in idx.split(2048):
            grads = per_example(params, x[chunk], y[chunk])
            norms = torch.sqrt(sum((gr.reshape(len(chunk), -1) ** 2).sum(1) for gr in grads.values()))
            factor = (a.clip / (norms + 1e-6)).clamp(max=1)
            for k, gr in grads.items():
                sums[k] += torch.einsum('b,b...->...', factor, gr)
        for k in params:
            noisy = (sums[k] + torch.randn(params[k].shape, generator=g) * a.sigma * a.clip) / a.batch
            velocity[k] = a.momentum * velocity[k] + noisy
            params[k] = params[k] - a.lr * velocity[k]
        decay = min(a.ema, (1 + t) / (10 + t))
        for k in params:
            ema[k] = decay * ema[k] + (1 - decay) * params[k]
        if (t + 1) % 60 == 0 or t + 1 == steps:
            with torch.no_grad():
                acc = (functional_call(net, ema, (xv,)).argmax(1) == yv).float().mean().item()
            print(f'step {t + 1}/{steps}: {"test" if a.test else "validation"} accuracy {100 * acc:.2f}%', flush=True)
    print(f'{a.data} cnn sigma={a.sigma} lr={a.lr} batch={a.batch} epochs={a.epochs} final {100 * acc:.2f}%')


if __name__ == '__main__':
    main()
