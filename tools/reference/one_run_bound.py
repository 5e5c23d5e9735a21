"""The one-run audit's ε lower bound (Steinke, Nasr and Jagielski 2023), as the authors' code
computes it (scipy binomials), for OneRunBoundTest; and an idealized simulation of white-box
Dirac canaries (each step's update on a canary's coordinate is C·[sampled] + N(0, σ²C²)) used to
choose the broken-engine test settings (docs/auditing.md). Not run by Maven."""
import math

import numpy as np
import scipy.stats as st


def p_value(m, r, v, eps, delta):
    q = 1 / (1 + math.exp(-eps))
    beta = st.binom.sf(v - 1, r, q)
    alpha = 0
    s = 0
    for i in range(1, v + 1):
        s += st.binom.pmf(v - i, r, q)
        if s > i * alpha:
            alpha = s / i
    return min(beta + alpha * delta * 2 * m, 1)


def eps_lower_bound(m, r, v, delta, p=0.05):
    lo, hi = 0, 1
    while p_value(m, r, v, hi, delta) < p:
        hi += 1
    for _ in range(30):
        e = (lo + hi) / 2
        if p_value(m, r, v, e, delta) < p:
            lo = e
        else:
            hi = e
    return lo


def simulate(m, q, steps, sigma, k, signal=1.0, noise_scale=1.0, seed=0):
    """Idealized white-box audit with the sum score; signal is the canary's contribution in C."""
    rng = np.random.default_rng(seed)
    s = rng.random(m) < 0.5
    x = (rng.random((m, steps)) < q) & s[:, None]
    u = signal * x + rng.standard_normal((m, steps)) * sigma * noise_scale
    order = np.argsort(u.sum(1))
    v = s[order[-k:]].sum() + (~s[order[:k]]).sum()
    return eps_lower_bound(m, 2 * k, int(v), 1e-5)


if __name__ == "__main__":
    for args in [(1000, 600, 600, 1e-5), (100, 100, 100, 1e-5), (1000, 100, 80, 1e-5),
                 (1000, 200, 170, 0.0), (1000, 100, 50, 1e-5)]:
        print(args, repr(eps_lower_bound(*args)))
    # sampling every example twice at q = 1, sigma = 3 (claimed 1.27): needs ~20000 canaries
    for m in (1000, 20000):
        print(m, [round(simulate(m, 1, 1, 3, 100, signal=2, seed=s), 2) for s in range(3)])
