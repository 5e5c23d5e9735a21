"""Private hyperparameter tuning (Papernot and Steinke 2022, arXiv:2110.03620): the RDP of the best of K runs,
K random, by two independent implementations, for dp4j's RepeatAndSelectPeersTest.

Cross-check only (not run by the build). It writes the CSV that RepeatAndSelectPeersTest reads
(dp4j-accounting/src/test/resources/io/dp4j/accounting/repeat_select_peers.csv). Rows:
  dp_accounting  google/differential-privacy python/dp_accounting, RdpAccountant over the integer orders 2..64, 128..8192, of
                 RepeatAndSelectDpEvent(PoissonSampledDpEvent(q, Gaussian(sigma)) x steps, mean, shape); eps at delta
                 and the RDP at orders 2, 8 and 32.
  figure7        the authors' own code (tensorflow/privacy research/hyperparameters_2022/figure7.py,
                 repeat_geometric_rdp) on the RDP curve of the paper's Figure 7 (figure7_default_values.py): the
                 smallest RDP over the orders, Figure 7's x coordinate, for each of the figure's gammas (geometric K).
The peers' code is not in this repository; point at source trees:
  git -C differential-privacy archive HEAD python/dp_accounting/dp_accounting | tar x -C /tmp/peers
  git -C privacy archive HEAD research/hyperparameters_2022 | tar x -C /tmp/peers
  DP_ACCOUNTING_SRC=/tmp/peers/python/dp_accounting PS_SRC=/tmp/peers/research/hyperparameters_2022 \
    venv/bin/python tools/reference/repeat_select_peers.py > .../repeat_select_peers.csv
Needs numpy, scipy, absl-py and attrs (the local wheel index has them).
"""
import math
import os
import sys

sys.path.insert(0, os.environ["DP_ACCOUNTING_SRC"])
import dp_accounting  # noqa: E402
from dp_accounting import dp_event  # noqa: E402
from dp_accounting.rdp import rdp_privacy_accountant  # noqa: E402

# integer orders only: there both compute the sampled Gaussian's RDP exactly (at fractional orders dp_accounting's
# series is an upper bound and dp4j's is exact, which would blur the comparison of the tuning bound itself)
ORDERS = [float(a) for a in range(2, 65)] + [128.0, 256.0, 512.0, 1024.0, 2048.0, 4096.0, 8192.0]
PROBES = [2.0, 8.0, 32.0]


def dp_accounting_row(q, sigma, steps, shape, param, delta):
    """param: gamma for the truncated negative binomial, the mean for Poisson (shape = inf)."""
    event = dp_accounting.SelfComposedDpEvent(
        dp_accounting.PoissonSampledDpEvent(q, dp_accounting.GaussianDpEvent(sigma)), steps)
    mean = param if math.isinf(shape) else rdp_privacy_accountant._truncated_negative_binomial_mean(param, shape)
    acc = rdp_privacy_accountant.RdpAccountant(orders=ORDERS)
    acc.compose(dp_event.RepeatAndSelectDpEvent(event, mean, shape))
    eps = acc.get_epsilon(delta)
    probes = [acc._rdp[ORDERS.index(a)] for a in PROBES]
    return eps, probes


def main():
    print("source,q,sigma,steps,shape,param,delta,epsilon,rdp2,rdp8,rdp32")
    for q, sigma, steps in [(0.01, 1.0, 1000), (0.004166666666666667, 1.1, 14400), (1.0, 5.0, 1), (0.1, 2.0, 200)]:
        for shape, param in [(0.0, 0.05), (0.0, 0.001), (0.5, 0.1), (1.0, 0.1), (1.0, 0.01), (2.0, 0.2),
                             (math.inf, 2.0), (math.inf, 10.0), (math.inf, 100.0)]:
            for delta in [1e-5]:
                eps, probes = dp_accounting_row(q, sigma, steps, shape, param, delta)
                print(f"dp_accounting,{q!r},{sigma!r},{steps},{shape!r},{param!r},{delta!r},{float(eps)!r},"
                      + ",".join(repr(float(p)) for p in probes))
    # the authors' Figure 7
    sys.path.insert(0, os.environ["PS_SRC"])
    os.chdir(os.environ["PS_SRC"])  # figure7_default_values reads lr_acc.json from here
    with open("figure7.py") as f:
        source = f.read()
    # only the function definitions: the rest of the file runs the experiment and plots
    # figure7.py imports matplotlib for its plot; the functions used here do not need it
    import types
    sys.modules.setdefault("matplotlib", types.ModuleType("matplotlib"))
    sys.modules.setdefault("matplotlib.pyplot", types.ModuleType("matplotlib.pyplot"))
    namespace = {}
    exec(source[:source.index("if load_values_to_reproduce_paper_fig:")], namespace)
    import figure7_default_values as fig
    for gamma in fig.gammas:
        eps = namespace["repeat_geometric_rdp"](fig.orders, fig.rdp, gamma)
        print(f"figure7,,,,1.0,{float(gamma)!r},,{float(min(e for e in eps if e is not None))!r},,,")


if __name__ == "__main__":
    main()
