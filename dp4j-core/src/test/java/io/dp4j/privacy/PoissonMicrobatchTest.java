package io.dp4j.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dp4j.accounting.GaussianDpEvent;
import io.dp4j.accounting.PoissonSampledDpEvent;
import io.dp4j.accounting.SelfComposedDpEvent;
import io.dp4j.data.BatchSampler;
import io.dp4j.data.Dataset;
import io.dp4j.data.SamplingMode;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.Conv2D;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.layers.Flatten;
import io.dp4j.nn.layers.Padding;
import io.dp4j.nn.losses.Reduction;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.testing.TestData;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Microbatches under Poisson sampling: per-example clipping when M is the expected batch size,
 * otherwise a uniformly random assignment of examples to the M microbatches, and the accounting of
 * microbatches of more than one example with σ/2.
 */
class PoissonMicrobatchTest {
  private static final SparseCategoricalCrossentropy PER_EXAMPLE =
      new SparseCategoricalCrossentropy(true, Reduction.NONE);

  /**
   * Terms accumulated from the input to a parameter gradient of {@link #dense()} (the bounds of
   * {@link BruteForce#assertMatches}): forward 4 + 5, loss 3, backward 3, the kernel gradient over
   * a unit's examples.
   */
  private static long denseTerms(int examplesPerUnit) {
    return 4 + 5 + 3 + 3 + examplesPerUnit;
  }

  /** {@link #conv()}: forward 3·3 + 50, loss 3, backward 3, kernel over 5·5 positions × ≤ 7. */
  private static final long CONV_TERMS = 9 + 50 + 3 + 3 + 25 * 7;

  /** Example scales: gradient norms far above and far below C = 1. */
  private static final float[] SCALES = {30f, 0.01f, 1f, 5f, 0.1f, 50f, 0.3f};

  private static Sequential dense() {
    return new Sequential(
            Dense.builder()
                .setUnits(5)
                .optActivation(ActivationFunction.RELU)
                .optInputShape(4)
                .build(),
            new Dense(3))
        .setSeed(21);
  }

  private static Sequential conv() {
    return new Sequential(
            Conv2D.builder()
                .setFilters(2)
                .setKernelSize(3)
                .optPadding(Padding.SAME)
                .optActivation(ActivationFunction.RELU)
                .optInputShape(5, 5, 1)
                .build(),
            new Flatten(),
            new Dense(3))
        .setSeed(22);
  }

  private static BatchSampler poisson(double expectedBatchSize, int[]... batches) {
    return TestData.fixed(expectedBatchSize, SamplingMode.POISSON, batches);
  }

  @Test
  void microbatchesEqualToExpectedBatchSizeClipPerExampleForAnyBatchSize() {
    double clip = 1.0;
    try (Sequential perExample = dense();
        Sequential microbatched = dense()) {
      perExample.compile(new DPKerasSGDOptimizer(clip, 0.0, 0, 0.1f), PER_EXAMPLE);
      // the TF Privacy tutorial's setting: M = the (expected) batch size
      microbatched.compile(new DPKerasSGDOptimizer(clip, 0.0, 8, 0.1f), PER_EXAMPLE);
      for (int b : new int[] {5, 8, 11, 1}) {
        Dataset batch = TestData.scaled(b, new long[] {4}, 3, 30 + b, SCALES);
        DpStepInspection expected = ModelPrivacy.of(perExample).inspectDpStep(batch, 8);
        DpStepInspection actual = ModelPrivacy.of(microbatched).inspectDpStep(batch, poisson(8));
        assertThat(actual.normalizer()).isEqualTo(8.0);
        assertThat(actual.microbatchSize()).isEqualTo(1.0);
        assertThat(actual.microbatchOf()).containsExactly(TestData.range(0, b));
        assertThat(actual.unitSquaredNorms()).hasSize(b);
        BruteForce.of(expected.unitSquaredNorms(), expected.clippedSums())
            .assertMatches(
                "b=" + b,
                actual.unitSquaredNorms(),
                actual.clippedSums(),
                denseTerms(1),
                BruteForce.lossCondition(perExample, batch, PER_EXAMPLE, TestData.range(0, b), b),
                clip);
      }
      // and training on batches whose sizes are not multiples of M works
      Dataset data = TestData.scaled(12, new long[] {4}, 3, 7, SCALES);
      microbatched.fit(
          data,
          poisson(8, TestData.range(0, 5), TestData.range(0, 11), new int[0], new int[] {3}),
          1);
      assertThat(microbatched.steps()).isEqualTo(4);
    }
  }

  @Test
  void randomMicrobatchesMatchBruteForceOverTheAssignment() {
    double clip = 1.0;
    for (int b : new int[] {13, 3}) {
      Dataset batch = TestData.scaled(b, new long[] {4}, 3, 40 + b, SCALES);
      try (Sequential model = DpStepTest.seeded(dense(), 77)) {
        // expected batch size 12, M = 4: expected microbatch size 3
        model.compile(new DPKerasSGDOptimizer(clip, 0.0, 4, 0.1f), PER_EXAMPLE);
        List<float[]> weights = model.getWeights();
        DpStepInspection step = ModelPrivacy.of(model).inspectDpStep(batch, poisson(12));
        assertThat(step.normalizer()).isEqualTo(4.0);
        assertThat(step.microbatchSize()).isEqualTo(3.0);
        int[] of = step.microbatchOf();
        assertThat(of).hasSize(b);
        assertThat(java.util.Arrays.stream(of).min().orElse(0)).isGreaterThanOrEqualTo(0);
        assertThat(java.util.Arrays.stream(of).max().orElse(0)).isLessThan(4);
        assertThat(step.unitSquaredNorms()).hasSize(4);

        BruteForce expected = BruteForce.computeAssigned(model, batch, of, 4, clip);
        int clipped = 0;
        for (int u = 0; u < 4; u++) {
          double sq = expected.squaredNorms[u];
          // each microbatch's clipped gradient has norm <= C
          double clippedNorm = Math.min(1, clip / (Math.sqrt(sq) + 1e-6)) * Math.sqrt(sq);
          assertThat(clippedNorm).isLessThanOrEqualTo(clip);
          if (Math.sqrt(sq) > clip) {
            clipped++;
          }
        }
        if (b == 3) {
          // at least one of the 4 microbatches is empty: norm 0, no contribution
          long empty = java.util.stream.IntStream.range(0, 4).filter(u -> !contains(of, u)).count();
          assertThat(empty).isPositive();
          for (int u = 0; u < 4; u++) {
            if (!contains(of, u)) {
              assertThat(step.unitSquaredNorms()[u]).isZero();
            }
          }
        } else {
          assertThat(clipped).as("some microbatch actually clipped").isPositive();
        }
        expected.assertMatches(
            "b=" + b,
            step.unitSquaredNorms(),
            step.clippedSums(),
            denseTerms(b),
            BruteForce.lossCondition(model, batch, PER_EXAMPLE, of, 4),
            clip);
        // the fixed test seed reproduces the assignment of the same step; inspecting trains nothing
        assertThat(ModelPrivacy.of(model).inspectDpStep(batch, poisson(12)).microbatchOf())
            .containsExactly(of);
        assertThat(model.getWeights().get(0)).containsExactly(weights.get(0));
      }
    }
  }

  @Test
  void randomMicrobatchesWorkForConvNetsAndEmptyBatches() {
    Dataset batch = TestData.scaled(7, new long[] {5, 5, 1}, 3, 5, SCALES);
    try (Sequential model = DpStepTest.seeded(conv(), 3)) {
      model.compile(new DPKerasSGDOptimizer(1.0, 0.0, 2, 0.1f), PER_EXAMPLE);
      DpStepInspection step = ModelPrivacy.of(model).inspectDpStep(batch, poisson(6));
      BruteForce expected = BruteForce.computeAssigned(model, batch, step.microbatchOf(), 2, 1.0);
      expected.assertMatches(
          "conv",
          step.unitSquaredNorms(),
          step.clippedSums(),
          CONV_TERMS,
          BruteForce.lossCondition(model, batch, PER_EXAMPLE, step.microbatchOf(), 2),
          1.0);
      DpStepInspection empty =
          ModelPrivacy.of(model).inspectDpStep(batch.gather(new int[0]), poisson(6));
      assertThat(empty.unitSquaredNorms()).containsOnly(0f);
      assertThat(empty.microbatchOf()).isEmpty();
      model.fit(batch, poisson(6, TestData.range(0, 7), new int[0], new int[] {2, 4}), 1);
      assertThat(model.steps()).isEqualTo(3);
    }
  }

  @Test
  void assignmentDoesNotDependOnPosition() {
    int b = 20;
    int m = 4;
    int draws = 200;
    Dataset batch = TestData.random(b, new long[] {4}, 3, 1);
    int[][] counts = new int[b][m];
    int sameAsNext = 0;
    try (Sequential model = dense()) {
      model.compile(new DPKerasSGDOptimizer(1.0, 1.0, m, 0.1f), PER_EXAMPLE);
      for (int d = 0; d < draws; d++) {
        int[] of = ModelPrivacy.of(model).inspectDpStep(batch, poisson(40)).microbatchOf();
        for (int i = 0; i < b; i++) {
          counts[i][of[i]]++;
          if (i + 1 < b && of[i] == of[i + 1]) {
            sameAsNext++;
          }
        }
      }
    }
    // every position is uniform over the microbatches: pooled chi-square, 20 x 3 = 60 degrees of
    // freedom (mean 60, sd 11); consecutive grouping would give 20 x 600 = 12000
    double expected = (double) draws / m;
    double chi2 = 0;
    for (int[] row : counts) {
      for (int c : row) {
        chi2 += (c - expected) * (c - expected) / expected;
      }
    }
    assertThat(chi2).isLessThan(120);
    // neighbours share a microbatch with probability 1/4 (19 x 200 pairs: 950 +- 38)
    assertThat(sameAsNext).isBetween(800, 1100);
  }

  @Test
  void microbatchesOfSeveralExamplesAreAccountedWithHalfSigma() {
    Dataset data = TestData.blobs(24, 2);
    int[][] batches = {TestData.range(0, 7), TestData.range(3, 16), new int[0]};
    double q = 0.01; // TestData.fixed's sampling rate
    // Poisson, expected batch size 12, M = 4: k = 3
    try (Sequential model = blobsModel()) {
      model.compile(new DPKerasSGDOptimizer(1.0, 1.2, 4, 0.1f), PER_EXAMPLE);
      model.fit(data, poisson(12, batches), 1);
      assertThat(ModelPrivacy.of(model).privacyLog().events())
          .containsExactly(
              new SelfComposedDpEvent(
                  new PoissonSampledDpEvent(q, new GaussianDpEvent(0.6)), batches.length));
      assertThat(ModelPrivacy.of(model).privacyLog().sensitivityDoubled()).isTrue();
      assertThat(ModelPrivacy.of(model).privacyLog().microbatchSize()).isEqualTo(3.0);
      PrivacySpent spent = ModelPrivacy.of(model).privacySpent(1e-5);
      assertThat(spent.noiseMultiplier()).isEqualTo(1.2);
      assertThat(spent.effectiveNoiseMultiplier()).isEqualTo(0.6);
      assertThat(spent.sensitivityDoubled()).isTrue();
      assertThat(spent.microbatchSize()).isEqualTo(3.0);
      assertThat(spent.sensitivityNote())
          .hasValueSatisfying(
              note ->
                  assertThat(note)
                      .contains("sensitivity doubled by microbatches of size 3")
                      .contains("σ/2 = 0.6"));
    }
    // Poisson, M = expected batch size: per example, σ
    try (Sequential model = blobsModel()) {
      model.compile(new DPKerasSGDOptimizer(1.0, 1.2, 12, 0.1f), PER_EXAMPLE);
      model.fit(data, poisson(12, batches), 1);
      assertThat(ModelPrivacy.of(model).privacyLog().events())
          .containsExactly(
              new SelfComposedDpEvent(
                  new PoissonSampledDpEvent(q, new GaussianDpEvent(1.2)), batches.length));
      assertThat(ModelPrivacy.of(model).privacyLog().sensitivityDoubled()).isFalse();
      PrivacySpent spent = ModelPrivacy.of(model).privacySpent(1e-5);
      assertThat(spent.effectiveNoiseMultiplier()).isEqualTo(1.2);
      assertThat(spent.microbatchSize()).isEqualTo(1.0);
      assertThat(spent.sensitivityNote()).isEmpty();
    }
    // shuffled fixed-size batches of 12 with M = 4 (k = 3): σ/2; with M = 12 (k = 1): σ
    for (int m : new int[] {4, 12}) {
      try (Sequential model = blobsModel()) {
        model.compile(new DPKerasSGDOptimizer(1.0, 1.2, m, 0.1f), PER_EXAMPLE);
        model.fit(data, 12, 1);
        double sigma = m == 4 ? 0.6 : 1.2;
        assertThat(ModelPrivacy.of(model).privacyLog().events())
            .containsExactly(
                new SelfComposedDpEvent(
                    new PoissonSampledDpEvent(0.5, new GaussianDpEvent(sigma)), 2));
        assertThat(ModelPrivacy.of(model).privacyLog().sensitivityDoubled()).isEqualTo(m == 4);
        assertThat(ModelPrivacy.of(model).privacySpent(1e-5).microbatchSize()).isEqualTo(12.0 / m);
      }
    }
  }

  @Test
  void halfSigmaCostsMoreEpsilon() {
    PrivacyLog perExample = new PrivacyLog();
    PrivacyLog doubled = new PrivacyLog();
    for (int s = 0; s < 100; s++) {
      perExample.recordStep(0.01, 1.1, SamplingMode.POISSON, 1);
      doubled.recordStep(0.01, 1.1, SamplingMode.POISSON, 2.5);
    }
    double eps1 = perExample.privacySpent(1e-5, io.dp4j.accounting.RdpAccountant::new).epsilon();
    double eps2 = doubled.privacySpent(1e-5, io.dp4j.accounting.RdpAccountant::new).epsilon();
    assertThat(eps2).isGreaterThan(1.5 * eps1);
    assertThatThrownBy(() -> doubled.recordStep(0.01, 1.1, SamplingMode.POISSON, 0.5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("microbatchSize");
  }

  @Test
  void shuffledMicrobatchesStayConsecutive() {
    Dataset batch = TestData.scaled(12, new long[] {4}, 3, 9, 3, SCALES);
    try (Sequential model = dense()) {
      model.compile(new DPKerasSGDOptimizer(1.0, 0.0, 4, 0.1f), PER_EXAMPLE);
      DpStepInspection step =
          ModelPrivacy.of(model)
              .inspectDpStep(batch, TestData.fixed(12, SamplingMode.SHUFFLED, new int[0]));
      assertThat(step.microbatchOf()).containsExactly(0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3);
      assertThat(step.microbatchSize()).isEqualTo(3.0);
      BruteForce expected = BruteForce.compute(model, batch, 3, 1.0);
      expected.assertMatches(
          "shuffled",
          step.unitSquaredNorms(),
          step.clippedSums(),
          denseTerms(3),
          BruteForce.lossCondition(
              model, batch, PER_EXAMPLE, new int[] {0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3}, 4),
          1.0);
      assertThatThrownBy(
              () ->
                  ModelPrivacy.of(model)
                      .inspectDpStep(
                          batch.gather(TestData.range(0, 10)),
                          TestData.fixed(10, SamplingMode.SHUFFLED, new int[0])))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("batch size 10 is not a multiple of numMicrobatches 4");
    }
  }

  @Test
  void moreMicrobatchesThanTheExpectedBatchSizeIsRefused() {
    try (Sequential model = dense()) {
      model.compile(new DPKerasSGDOptimizer(1.0, 1.0, 16, 0.1f), PER_EXAMPLE);
      Dataset batch = TestData.random(5, new long[] {4}, 3, 1);
      assertThatThrownBy(() -> ModelPrivacy.of(model).inspectDpStep(batch, poisson(8)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("numMicrobatches 16 exceeds the expected batch size 8.0");
    }
  }

  private static Sequential blobsModel() {
    return new Sequential(Dense.builder().setUnits(2).optInputShape(2).build()).setSeed(4);
  }

  private static boolean contains(int[] values, int v) {
    for (int x : values) {
      if (x == v) {
        return true;
      }
    }
    return false;
  }
}
