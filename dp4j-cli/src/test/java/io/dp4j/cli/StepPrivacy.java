package io.dp4j.cli;

import io.dp4j.accounting.DpEvent;
import io.dp4j.accounting.GaussianDpEvent;
import io.dp4j.accounting.PldAccountant;
import io.dp4j.accounting.PoissonSampledDpEvent;
import io.dp4j.accounting.RdpAccountant;
import java.util.ArrayList;
import java.util.List;

/**
 * Test reference for the ε curves and progress bars (the commands take theirs from {@code
 * TrainingPlan}): the privacy of a run of identical DP-SGD steps: each step {@code
 * PoissonSampled(q, Gaussian(σ_eff))}, with σ_eff = σ, or σ/2 when microbatches hold more than one
 * example (as the model's own ledger records it).
 *
 * @param samplingRate q
 * @param effectiveNoiseMultiplier σ_eff
 * @param delta δ of the reported ε
 */
record StepPrivacy(double samplingRate, double effectiveNoiseMultiplier, double delta) {
  DpEvent step() {
    return new PoissonSampledDpEvent(samplingRate, new GaussianDpEvent(effectiveNoiseMultiplier));
  }

  double epsilonRdp(long steps) {
    return steps == 0 ? 0 : new RdpAccountant().compose(step(), steps).epsilon(delta);
  }

  double epsilonPld(long steps) {
    return steps == 0 ? 0 : new PldAccountant().compose(step(), steps).epsilon(delta);
  }

  /** ε (RDP) after each of {@code epochs} epochs. */
  List<Double> rdpPerEpoch(int epochs, int stepsPerEpoch) {
    List<Double> out = new ArrayList<>();
    for (int e = 1; e <= epochs; e++) {
      out.add(epsilonRdp((long) e * stepsPerEpoch));
    }
    return out;
  }

  /** ε (PLD) after each of {@code epochs} epochs. */
  List<Double> pldPerEpoch(int epochs, int stepsPerEpoch) {
    List<Double> out = new ArrayList<>();
    for (int e = 1; e <= epochs; e++) {
      out.add(epsilonPld((long) e * stepsPerEpoch));
    }
    return out;
  }
}
