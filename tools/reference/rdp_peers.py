"""RDP epsilon of the Poisson-sampled Gaussian by dp_accounting and by Opacus, over a grid of (q, sigma, steps, delta).

Cross-check only (not run by the build). It writes the CSV that dp4j's RdpPeersTest reads
(dp4j-accounting/src/test/resources/io/dp4j/accounting/rdp_peers.csv): dp4j's RDP epsilon must not be above the
smaller of the two peers' for the same events.

The peers' code is not in this repository. Their pure-Python accountant modules are imported from source trees:
  DP_ACCOUNTING_SRC  a directory holding the package dp_accounting (google/differential-privacy, python/dp_accounting)
  OPACUS_SRC         a directory holding opacus/accountants/analysis/rdp.py (pytorch/opacus, tag v1.5.4)
e.g. git -C differential-privacy archive HEAD python/dp_accounting/dp_accounting | tar x -C /tmp/peers
     git -C opacus archive v1.5.4 opacus/accountants/analysis/rdp.py | tar x -C /tmp/peers
     DP_ACCOUNTING_SRC=/tmp/peers/python/dp_accounting OPACUS_SRC=/tmp/peers \
       venv/bin/python tools/reference/rdp_peers.py > dp4j-accounting/src/test/resources/io/dp4j/accounting/rdp_peers.csv
Needs numpy, scipy, absl-py and attrs (the local wheel index has them); --exact (mpmath) prints log A_alpha at a
few points by 40-digit quadrature, the figures in SampledGaussianRdpTest.exactAtFractionalOrders.
"""
import importlib.util
import math
import os
import sys

sys.path.insert(0, os.environ["DP_ACCOUNTING_SRC"])
import dp_accounting  # noqa: E402

spec = importlib.util.spec_from_file_location(
    "opacus_rdp", os.path.join(os.environ["OPACUS_SRC"], "opacus/accountants/analysis/rdp.py"))
opacus_rdp = importlib.util.module_from_spec(spec)
spec.loader.exec_module(opacus_rdp)

# opacus.accountants.rdp.RDPAccountant.DEFAULT_ALPHAS (v1.5.4)
OPACUS_ALPHAS = [1 + x / 10.0 for x in range(1, 100)] + list(range(12, 64))


def dp_accounting_epsilon(q, sigma, steps, delta):
    event = dp_accounting.GaussianDpEvent(sigma)
    if q < 1:
        event = dp_accounting.PoissonSampledDpEvent(q, event)
    acc = dp_accounting.rdp.RdpAccountant()  # DEFAULT_RDP_ORDERS
    acc.compose(event, steps)
    return acc.get_epsilon_and_optimal_order(delta)


def opacus_epsilon(q, sigma, steps, delta):
    # RDPAccountant.get_privacy_spent: compute_rdp over DEFAULT_ALPHAS, then get_privacy_spent
    try:
        rdp = opacus_rdp.compute_rdp(q=q, noise_multiplier=sigma, steps=steps, orders=OPACUS_ALPHAS)
    except ValueError:  # _log_sub refuses a negative difference (round-off in the signed series)
        return math.nan, math.nan
    eps, order = opacus_rdp.get_privacy_spent(orders=OPACUS_ALPHAS, rdp=rdp, delta=delta)
    return float(eps), float(order)


GRID_Q = [1e-7, 1e-5, 1e-3, 0.004166666666666667, 0.01, 0.1, 0.5, 0.99, 1.0]
GRID_SIGMA = [0.3, 0.6, 1.0, 2.0, 5.0]
GRID_STEPS = [1, 200, 10_000, 1_000_000]
GRID_DELTA = [1e-5, 1e-9]


# (q, sigma, alpha) where dp4j's SampledGaussianRdpTest checks log A_alpha against a 40-digit quadrature
EXACT_POINTS = [(0.004166666666666667, 1.0, 2.1), (0.001, 0.6, 2.1), (0.5, 2.0, 2.2), (0.5, 0.5, 1.1),
                (0.2, 1.0, 1.5), (0.05, 0.7, 1.05), (0.2, 0.7, 1.01), (0.5, 1.0, 1.5), (0.1, 0.3, 1.1)]


def exact_log_a():
    """log A_alpha = log E_{x~N(0,s^2)}[(1 - q + q e^{(2x-1)/(2 s^2)})^alpha] by mpmath quadrature at 40 digits."""
    import mpmath as mp
    mp.mp.dps = 40
    print("q,sigma,alpha,log_a_exact,log_a_opacus")
    for q, s, a in EXACT_POINTS:
        qq, ss, aa = mp.mpf(q), mp.mpf(s), mp.mpf(a)
        f = lambda x: mp.npdf(x, 0, ss) * (1 - qq + qq * mp.exp((2 * x - 1) / (2 * ss * ss))) ** aa
        exact = mp.log(mp.quad(f, [-mp.inf, -10 * ss, 0, 0.5, 1, 10 * ss + 2 * aa, mp.inf]))
        print(f"{q!r},{s!r},{a!r},{mp.nstr(exact, 20)},{float(opacus_rdp._compute_log_a(q, s, a))!r}")


def main():
    if sys.argv[1:] == ["--exact"]:
        exact_log_a()
        return
    import warnings
    warnings.simplefilter("ignore")
    print("q,sigma,steps,delta,eps_dp_accounting,order_dp_accounting,eps_opacus,order_opacus")
    for q in GRID_Q:
        for sigma in GRID_SIGMA:
            for steps in GRID_STEPS:
                for delta in GRID_DELTA:
                    e1, o1 = map(float, dp_accounting_epsilon(q, sigma, steps, delta))
                    e2, o2 = opacus_epsilon(q, sigma, steps, delta)
                    print(f"{q!r},{sigma!r},{steps},{delta!r},{e1!r},{o1!r},{e2!r},{o2!r}", flush=True)


if __name__ == "__main__":
    main()
