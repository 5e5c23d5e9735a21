"""PLD epsilon of the Poisson-sampled Gaussian by Google's dp_accounting, pessimistic and optimistic, over a grid.

Cross-check only (not run by the build). It writes the CSV that dp4j's PldPeersTest reads
(dp4j-accounting/src/test/resources/io/dp4j/accounting/pld_peers.csv): dp4j's certified PLD epsilon must lie between
dp_accounting's optimistic and pessimistic estimates of the same events (within the tolerances argued in the test).

dp_accounting's estimates, for a value discretization interval h (its privacy_loss_distribution module):
  pessimistic: connect the dots (Doroshenko et al. 2022), an upper bound on the exact epsilon;
  optimistic:  privacy buckets with every loss rounded down (pessimistic_estimate=False), a lower bound.
Both are computed at the intervals in H_LIST; the smallest pessimistic and the largest optimistic figure are printed
(each is a bound on its own, so the tightest of them is too), with the interval that gave it.

dp_accounting is not in this repository; its pure-Python package is imported from a source tree:
  git -C differential-privacy archive HEAD python/dp_accounting/dp_accounting | tar x -C /tmp/peers
  DP_ACCOUNTING_SRC=/tmp/peers/python/dp_accounting \
    venv/bin/python tools/reference/pld_peers.py > dp4j-accounting/src/test/resources/io/dp4j/accounting/pld_peers.csv
Needs numpy, scipy, absl-py and attrs (the local wheel index has them).
"""
import math
import os
import sys
import time

sys.path.insert(0, os.environ["DP_ACCOUNTING_SRC"])
from dp_accounting.pld import privacy_loss_distribution as pld  # noqa: E402

# (q, sigma, steps, delta, discretization intervals): tiny q with small sigma and many steps, the DP-SGD tutorial's
# q, moderate and large q, and the unsampled Gaussian. The intervals are chosen per setting so that the optimistic
# estimate (first order in h) is informative and the run stays within minutes.
GRID = [
    (1e-5, 0.6, 1_000_000, 1e-5, [1e-5, 3e-6]),
    (1e-5, 1.0, 1_000_000, 1e-5, [1e-5, 3e-6]),
    (1e-4, 0.8, 100_000, 1e-5, [3e-5, 1e-5]),
    (1e-3, 0.6, 10_000, 1e-5, [1e-4, 3e-5]),
    (250 / 60000, 1.3, 720, 1e-5, [1e-4, 1e-5]),
    (250 / 60000, 1.1, 10_000, 1e-5, [1e-4, 3e-5]),
    (250 / 60000, 1.3, 1_000_000, 1e-5, [1e-3, 3e-4]),
    (0.01, 1.0, 10_000, 1e-9, [1e-4, 3e-5]),
    (0.1, 2.0, 1000, 1e-5, [1e-4, 3e-5]),
    (0.5, 2.0, 200, 1e-5, [1e-4, 3e-5]),
    (1.0, 5.0, 100, 1e-6, [1e-4, 1e-5]),
]


def epsilon(q, sigma, steps, delta, h, pessimistic):
    one = pld.from_gaussian_mechanism(
        standard_deviation=sigma, sensitivity=1, sampling_prob=q, value_discretization_interval=h,
        pessimistic_estimate=pessimistic, use_connect_dots=pessimistic)
    return one.self_compose(steps).get_epsilon_for_delta(delta)


def main():
    print("q,sigma,steps,delta,eps_pessimistic,h_pessimistic,eps_optimistic,h_optimistic")
    for q, sigma, steps, delta, hs in GRID:
        best_p, h_p, best_o, h_o = math.inf, math.nan, -math.inf, math.nan
        for h in hs:
            t0 = time.time()
            p = epsilon(q, sigma, steps, delta, h, True)
            o = epsilon(q, sigma, steps, delta, h, False)
            print(f"# q={q!r} sigma={sigma!r} steps={steps} delta={delta!r} h={h!r}: pessimistic {p!r} "
                  f"optimistic {o!r} ({time.time() - t0:.1f} s)", file=sys.stderr)
            if p < best_p:
                best_p, h_p = p, h
            if o > best_o:
                best_o, h_o = o, h
        print(f"{q!r},{sigma!r},{steps},{delta!r},{best_p!r},{h_p!r},{best_o!r},{h_o!r}", flush=True)


if __name__ == "__main__":
    main()
