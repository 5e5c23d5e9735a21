package io.dp4j.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.dp4j.accounting.AccountantKind;
import io.dp4j.accounting.GaussianDpEvent;
import io.dp4j.accounting.NoiseCalibration;
import io.dp4j.accounting.PldAccountant;
import io.dp4j.accounting.PoissonSampledDpEvent;
import io.dp4j.accounting.PrivacyAccountant;
import io.dp4j.accounting.RdpAccountant;
import io.dp4j.accounting.SelfComposedDpEvent;
import io.dp4j.data.BatchSampler;
import io.dp4j.data.Dataset;
import io.dp4j.data.PoissonSampler;
import io.dp4j.data.SamplingMode;
import io.dp4j.data.ShuffledSampler;
import io.dp4j.ledger.DatasetStatus;
import io.dp4j.ledger.PrivacyLedger;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.losses.Reduction;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.privacy.keras.LedgerCharge;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link TrainingPlan}: validation, steps, δ, calibration, the target check and both ε. */
class TrainingPlanTest {
  private static TrainingPlan.Builder plan(int n, int b) {
    return TrainingPlan.builder().setExamples(n).setExpectedBatchSize(b);
  }

  private static void refused(Consumer<TrainingPlan.Builder> change, String... message) {
    TrainingPlan.Builder b = plan(1000, 100).optNoiseMultiplier(1.1);
    change.accept(b);
    assertThatThrownBy(b::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContainingAll(message);
  }

  @Test
  void badParametersAreRefusedNamingParameterValueAndRule() {
    refused(b -> b.setExamples(0), "examples must be >= 1", "got 0");
    refused(b -> b.setExpectedBatchSize(1001), "expectedBatchSize", "[1, 1000]", "got 1001");
    refused(b -> b.setExpectedBatchSize(0), "expectedBatchSize", "got 0");
    refused(b -> b.optEpochs(0), "epochs must be >= 1", "got 0");
    refused(b -> b.optMicrobatches(-1), "microbatches must be >= 0", "got -1");
    refused(b -> b.optDelta(1), "delta must be in (0, 1)", "got 1.0");
    refused(b -> b.optDelta(0), "delta must be in (0, 1)", "got 0.0");
    refused(b -> b.optNoiseMultiplier(0), "noiseMultiplier must be finite and > 0", "got 0.0");
    refused(b -> b.optNoiseMultiplier(Double.NaN), "noiseMultiplier must be finite and > 0", "NaN");
    refused(
        b -> b.optTargetEpsilon(Double.POSITIVE_INFINITY),
        "targetEpsilon must be finite and > 0",
        "Infinity");
    refused(b -> b.optAccountant(AccountantKind.NONE), "accountant must be RDP or PLD", "none");
    assertThatThrownBy(() -> plan(1000, 100).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("give noiseMultiplier, or targetEpsilon");
  }

  @Test
  void stepsAreCeilOfNOverBPerEpochAsTheSamplersTakeThem() {
    // 1000/400 = 2.5: ceil gives 3 steps per epoch (round would give 2 and see 800 examples)
    TrainingPlan p = plan(1000, 400).optEpochs(2).optNoiseMultiplier(1).build();
    assertThat(p.stepsPerEpoch()).isEqualTo(3);
    assertThat(p.steps()).isEqualTo(6);
    assertThat(p.samplingRate()).isEqualTo(0.4);
    assertThat(p.stepsPerEpoch())
        .isEqualTo(PoissonSampler.withExpectedBatchSize(1000, 400).stepsPerEpoch());
    TrainingPlan mnist = plan(60_000, 250).optEpochs(3).optNoiseMultiplier(1).build();
    assertThat(mnist.stepsPerEpoch()).isEqualTo(240);
    assertThat(mnist.steps()).isEqualTo(720);
    assertThat(mnist.runShape().steps()).isEqualTo(720);
    TrainingPlan shuffled =
        plan(1000, 400).optSampling(SamplingMode.SHUFFLED).optNoiseMultiplier(1).build();
    assertThat(shuffled.stepsPerEpoch()).isEqualTo(new ShuffledSampler(1000, 400).stepsPerEpoch());
    assertThat(shuffled.sampler().mode()).isEqualTo(SamplingMode.SHUFFLED);
  }

  @Test
  void deltaDefaultsToAPowerOfTenAtMostOneOverTenN() {
    assertThat(plan(1000, 100).optNoiseMultiplier(1).build().delta()).isEqualTo(1e-4);
    assertThat(plan(60_000, 250).optNoiseMultiplier(1).build().delta()).isEqualTo(1e-6);
    assertThat(plan(1000, 100).optNoiseMultiplier(1).optDelta(3e-5).build().delta())
        .isEqualTo(3e-5);
    assertThat(plan(1000, 100).optNoiseMultiplier(1).build().deltaWarning()).isEmpty();
    assertThat(plan(1000, 100).optNoiseMultiplier(1).optDelta(1e-3).build().deltaWarning())
        .hasValueSatisfying(w -> assertThat(w).contains("delta = 0.001 is >= 1/n"));
  }

  /** ε at δ of {@code steps} Poisson-sampled Gaussian steps, composed afresh. */
  private static double epsilon(
      PrivacyAccountant a, double q, double sigma, long steps, double delta) {
    return a.compose(new PoissonSampledDpEvent(q, new GaussianDpEvent(sigma)), steps)
        .epsilon(delta);
  }

  @Test
  void calibratedSigmaMeetsTheTargetAndNoSmallerSigmaDoes() {
    TrainingPlan p = plan(60_000, 250).optEpochs(3).optDelta(1e-5).optTargetEpsilon(1.0).build();
    double sigma = p.noiseMultiplier();
    double eps = epsilon(new RdpAccountant(), 250.0 / 60_000, sigma, 720, 1e-5);
    assertThat(eps).isLessThanOrEqualTo(1.0);
    assertThat(p.calibration()).hasValueSatisfying(c -> assertThat(c.epsilon()).isEqualTo(eps));
    // the calibration's own tolerances: σ within RELATIVE_TOLERANCE of the smallest that meets it
    double below = sigma * (1 - 2 * NoiseCalibration.RELATIVE_TOLERANCE);
    assertThat(epsilon(new RdpAccountant(), 250.0 / 60_000, below, 720, 1e-5)).isGreaterThan(1.0);
    assertThat(p.plannedEpsilon(AccountantKind.RDP)).isEqualTo(eps);
  }

  @Test
  void calibrationWithMicrobatchesReturnsTwiceTheEffectiveSigma() {
    // 20 microbatches of an expected 5 examples: sensitivity 2C, accounted with σ/2
    TrainingPlan p =
        plan(1000, 100).optMicrobatches(20).optDelta(1e-5).optTargetEpsilon(2.0).build();
    assertThat(p.runShape().sensitivityDoubled()).isTrue();
    double effective = p.calibration().orElseThrow().noiseMultiplier();
    assertThat(p.noiseMultiplier()).isEqualTo(2 * effective);
    assertThat(p.runShape().stepEvent())
        .isEqualTo(new PoissonSampledDpEvent(0.1, new GaussianDpEvent(effective)));
    assertThat(epsilon(new RdpAccountant(), 0.1, p.noiseMultiplier() / 2, 10, 1e-5))
        .isLessThanOrEqualTo(2.0);
  }

  @Test
  void pldCalibrationIsCheckedByThePldAccountant() {
    TrainingPlan p =
        plan(1000, 100)
            .optEpochs(2)
            .optDelta(1e-5)
            .optAccountant(AccountantKind.PLD)
            .optTargetEpsilon(3.0)
            .build();
    double eps = epsilon(new PldAccountant(), 0.1, p.noiseMultiplier(), 20, 1e-5);
    assertThat(eps).isLessThanOrEqualTo(3.0);
    assertThat(p.calibration().orElseThrow().epsilon()).isEqualTo(eps);
  }

  @Test
  void aGivenSigmaOverTheTargetIsRefusedWithItsEpsilon() {
    double rdp = epsilon(new RdpAccountant(), 0.1, 0.8, 20, 1e-5);
    TrainingPlan.Builder over =
        plan(1000, 100)
            .optEpochs(2)
            .optDelta(1e-5)
            .optNoiseMultiplier(0.8)
            .optTargetEpsilon(rdp / 2);
    assertThatThrownBy(over::build)
        .isInstanceOfSatisfying(
            TargetEpsilonException.class,
            e -> {
              assertThat(e.epsilon()).isEqualTo(rdp);
              assertThat(e.plan()).isPresent();
              assertThat(e.getMessage()).contains("noiseMultiplier 0.8", "above targetEpsilon");
            });
    TrainingPlan within =
        plan(1000, 100)
            .optEpochs(2)
            .optDelta(1e-5)
            .optNoiseMultiplier(0.8)
            .optTargetEpsilon(rdp)
            .build();
    assertThat(within.noiseMultiplier()).isEqualTo(0.8);
    assertThat(within.calibration()).isEmpty();
  }

  @Test
  void anUnreachableTargetIsRefusedWithTheCalibrationsReason() {
    assertThatThrownBy(
            () ->
                plan(100, 100)
                    .optEpochs(1_000_000_000) // q = 1: no amplification; 10^9 steps
                    .optDelta(1e-5)
                    .optTargetEpsilon(1e-9)
                    .build())
        .isInstanceOfSatisfying(
            TargetEpsilonException.class,
            e -> {
              assertThat(e.plan()).isEmpty();
              assertThat(e.getMessage()).contains("unreachable");
            });
  }

  @Test
  void aReleaseRecordedBeforeALedgerRunIsChargedAsItsOwnRunFirst(@TempDir Path dir) {
    TrainingPlan fresh = plan(N, 16).optEpochs(2).optNoiseMultiplier(1.2).build();
    try (Sequential s = model(fresh);
        PrivacyLedger ledger = PrivacyLedger.open(dir.resolve("ledger.db"))) {
      ledger.createDataset("blobs", 50.0, 1e-5);
      PrivacyLog log = ModelPrivacy.of(s).privacyLog();
      log.recordFullDataRelease(8);
      assertThat(log.unchargedReleases())
          .containsExactly(new PoissonSampledDpEvent(1.0, new GaussianDpEvent(8)));
      TrainingPlan p = continuing(s, 2);
      LedgerCharge charge = new LedgerCharge(ledger, "blobs", "ann", "softmax");
      p.run(s, blobs(), sampler(p, 5), charge);
      DatasetStatus status = ledger.dataset("blobs");
      assertThat(status.runs()).hasSize(2);
      assertThat(status.runs().get(0).steps()).isEqualTo(1);
      assertThat(status.runs().get(1).steps()).isEqualTo(8);
      RdpAccountant both = new RdpAccountant();
      both.compose(new PoissonSampledDpEvent(1.0, new GaussianDpEvent(8)));
      both.compose(new PoissonSampledDpEvent(0.25, new GaussianDpEvent(1.2)), 8);
      assertThat(status.epsilonSpent()).isCloseTo(both.epsilon(1e-5), within(1e-9));
      assertThat(log.unchargedReleases()).isEmpty();
      // a further charged run charges its own steps only: the release was charged once
      TrainingPlan again = continuing(s, 1);
      again.run(s, blobs(), sampler(again, 6), charge);
      assertThat(ledger.dataset("blobs").runs()).hasSize(3);
    }
  }

  /** A plan of {@code epochs} at σ 1.2 that continues {@code s}'s history. */
  private static TrainingPlan continuing(Sequential s, int epochs) {
    return plan(N, 16)
        .optEpochs(epochs)
        .optNoiseMultiplier(1.2)
        .optHistory(TrainingPlan.historyOf(s))
        .build();
  }

  // ---- runs: a softmax layer on three separable blobs, 64 examples

  private static final int N = 64;

  private static Dataset blobs() {
    Random r = new Random(11);
    float[] x = new float[2 * N];
    float[] y = new float[N];
    for (int i = 0; i < N; i++) {
      int c = i % 3;
      x[2 * i] = c + 0.1f * (float) r.nextGaussian();
      x[2 * i + 1] = -c + 0.1f * (float) r.nextGaussian();
      y[i] = c;
    }
    return new Dataset(x, new long[] {2}, y, new long[0]);
  }

  private static Sequential model(TrainingPlan p) {
    Sequential s =
        new Sequential(
            Dense.builder().setUnits(3).optActivation(ActivationFunction.SOFTMAX).build());
    s.setInputShape(new long[] {2});
    s.setSeed(3);
    ModelPrivacy.of(s).noiseSource().useFixedNoiseSeedForTesting(7);
    s.compile(
        new DPKerasSGDOptimizer(1.0, p.noiseMultiplier(), p.microbatches(), 0.1f),
        new SparseCategoricalCrossentropy(false, Reduction.NONE));
    return s;
  }

  private static BatchSampler sampler(TrainingPlan p, long seed) {
    return PoissonSampler.seeded(p.examples(), p.samplingRate(), seed);
  }

  /** ε of {@code runs} composed afresh in {@code a}. */
  private static double composed(PrivacyAccountant a, double delta, SelfComposedDpEvent... runs) {
    for (SelfComposedDpEvent run : runs) {
      a.compose(run.event(), run.count());
    }
    return a.epsilon(delta);
  }

  @Test
  void aRunReportsBothEpsilonsOfRunShapesEvent() {
    // 4 microbatches of an expected 4 examples: recorded with σ/2
    TrainingPlan p = plan(N, 16).optEpochs(2).optMicrobatches(4).optNoiseMultiplier(1.2).build();
    try (Sequential s = model(p)) {
      TrainingResult r = p.run(s, blobs(), sampler(p, 5), null);
      SelfComposedDpEvent event = p.runShape().event();
      assertThat(
              ((GaussianDpEvent) ((PoissonSampledDpEvent) event.event()).event()).noiseMultiplier())
          .isEqualTo(0.6);
      assertThat(r.events()).containsExactly(event);
      assertThat(r.rdp().epsilon()).isEqualTo(composed(new RdpAccountant(), p.delta(), event));
      assertThat(r.pld().epsilon()).isEqualTo(composed(new PldAccountant(), p.delta(), event));
      assertThat(r.rdp().steps()).isEqualTo(8);
      assertThat(r.stepsBefore()).isZero();
      assertThat(r.history().epochs()).isEqualTo(2);
      assertThat(r.ledgerRun()).isEmpty();
      assertThat(r.withinTarget()).isTrue();
      assertThat(r.spent()).isEqualTo(r.rdp());
    }
  }

  @Test
  void continuedTrainingComposesTheHistoryInTheTargetCheckAndTheResult() {
    TrainingPlan first = plan(N, 16).optEpochs(2).optNoiseMultiplier(1.2).build();
    try (Sequential s = model(first)) {
      first.run(s, blobs(), sampler(first, 5), null);
      PrivacyLog.Snapshot history = TrainingPlan.historyOf(s);
      assertThat(history.steps()).isEqualTo(8);
      SelfComposedDpEvent run = first.runShape().event();
      double alone = composed(new RdpAccountant(), first.delta(), run);
      double both = composed(new RdpAccountant(), first.delta(), run, run);
      // a target between this run's ε and the composition is refused: the history counts
      TrainingPlan.Builder tooTight =
          plan(N, 16)
              .optEpochs(2)
              .optNoiseMultiplier(1.2)
              .optHistory(history)
              .optTargetEpsilon((alone + both) / 2);
      assertThatThrownBy(tooTight::build)
          .isInstanceOfSatisfying(
              TargetEpsilonException.class, e -> assertThat(e.epsilon()).isEqualTo(both));
      // calibration searches this run's σ on top of the history: the composition meets the
      // target, to the calibration's tolerance, and the same σ alone would spend less
      TrainingPlan calibrated =
          plan(N, 16).optEpochs(2).optHistory(history).optTargetEpsilon(2 * alone).build();
      double composedEpsilon =
          composed(new RdpAccountant(), first.delta(), run, calibrated.runShape().event());
      assertThat(composedEpsilon).isLessThanOrEqualTo(2 * alone);
      assertThat(composedEpsilon)
          .isGreaterThan(2 * alone * (1 - 10 * NoiseCalibration.RELATIVE_TOLERANCE));
      assertThat(calibrated.calibration()).isPresent();
      // a target the history alone spends is refused with its figure
      assertThatThrownBy(() -> plan(N, 16).optHistory(history).optTargetEpsilon(alone).build())
          .isInstanceOf(TargetEpsilonException.class)
          .hasMessageContaining("history of 8 steps alone spends epsilon " + alone);

      TrainingPlan second =
          plan(N, 16)
              .optEpochs(2)
              .optNoiseMultiplier(1.2)
              .optHistory(history)
              .optTargetEpsilon(both)
              .build();
      TrainingResult r = second.run(s, blobs(), sampler(second, 6), null);
      assertThat(r.stepsBefore()).isEqualTo(8);
      assertThat(r.rdp().steps()).isEqualTo(16);
      assertThat(r.events()).containsExactly(new SelfComposedDpEvent(run.event(), 16));
      assertThat(r.rdp().epsilon())
          .isEqualTo(composed(new RdpAccountant(), first.delta(), run, run));
      assertThat(r.withinTarget()).isTrue();
    }
  }

  @Test
  void aModelOrSamplerThatDoesNotFitThePlanIsRefused() {
    TrainingPlan p = plan(N, 16).optNoiseMultiplier(1.2).build();
    TrainingPlan other = plan(N, 16).optNoiseMultiplier(2.0).build();
    try (Sequential s = model(other)) {
      assertThatThrownBy(() -> p.run(s, blobs(), sampler(p, 5), null))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("compile it with noiseMultiplier 1.2");
    }
    try (Sequential s = model(p)) {
      assertThatThrownBy(() -> p.run(s, blobs(), PoissonSampler.seeded(N, 0.5, 5), null))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("sampler draws");
      assertThatThrownBy(() -> p.run(s, blobs().slice(0, 32), sampler(p, 5), null))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("data holds 32 examples but the plan is for 64");
      assertThatThrownBy(
              () ->
                  p.run(s, blobs(), sampler(p, 5), null)
                      .plan()
                      .run(s, blobs(), sampler(p, 6), null))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("build the plan with the model's history");
    }
  }

  @Test
  void perEpochEpsilonsAreThoseOfTheRunsFirstSteps() {
    TrainingPlan p = plan(1000, 100).optEpochs(3).optNoiseMultiplier(1.1).optDelta(1e-5).build();
    List<Double> rdp = p.epsilonPerEpoch(AccountantKind.RDP);
    assertThat(rdp).hasSize(3);
    for (int e = 1; e <= 3; e++) {
      assertThat(rdp.get(e - 1)).isEqualTo(epsilon(new RdpAccountant(), 0.1, 1.1, 10L * e, 1e-5));
    }
    assertThat(p.epsilonAfter(AccountantKind.PLD, 0)).isZero();
  }
}
