package io.dp4j.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import io.dp4j.data.Dataset;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.Conv1D;
import io.dp4j.nn.layers.Conv2D;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.layers.Embedding;
import io.dp4j.nn.layers.Flatten;
import io.dp4j.nn.layers.LayerNormalization;
import io.dp4j.nn.layers.Padding;
import io.dp4j.nn.losses.Reduction;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.testing.TestData;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A clipped per-unit gradient never exceeds C, float32 rounding included: a one-unit batch's
 * clipped sum is that unit's clipped gradient as computed, and its norm, taken in float64 from the
 * float32 values, must be at most C, with no tolerance. C is set just below the unit's norm (C·(1 +
 * 10^-6) is the norm) and far below it. Computed in float32 with a plain clip factor, the norm is
 * low by up to k·2^-24 relative for a sum of k squares, and about half of such units came out above
 * C (by up to 2·10^-7 relative here; 2·10^-5 measured on other CPUs).
 */
class ClippingFloat32BoundTest {
  private static final Logger LOG = LoggerFactory.getLogger(ClippingFloat32BoundTest.class);

  /**
   * Large inputs: gradient norms in the hundreds, so the 10^-6 in the factor's denominator is
   * negligible.
   */
  private static final float SCALE = 300f;

  private static final int EXAMPLES = 8;

  @Test
  void denseClippedGradientsStayWithinC() {
    check(
        "dense",
        () ->
            new Sequential(
                    Dense.builder()
                        .setUnits(16)
                        .optActivation(ActivationFunction.TANH)
                        .optInputShape(200)
                        .build(),
                    new Dense(3))
                .setSeed(41),
        TestData.scaled(EXAMPLES, new long[] {200}, 3, 5, SCALE));
  }

  /** Rows per example m = 3 with 3² ≤ d·u: the Gram path. */
  @Test
  void denseOnSequencesClippedGradientsStayWithinC() {
    check(
        "dense sequence (Gram)",
        () ->
            new Sequential(
                    Dense.builder()
                        .setUnits(8)
                        .optActivation(ActivationFunction.TANH)
                        .optInputShape(3, 40)
                        .build(),
                    new Flatten(),
                    new Dense(3))
                .setSeed(42),
        TestData.scaled(EXAMPLES, new long[] {3, 40}, 3, 6, SCALE));
  }

  /** m = 30 rows per example of width 2 into 3 units: m² &gt; d·u, the materialized path. */
  @Test
  void denseMaterializedClippedGradientsStayWithinC() {
    check(
        "dense sequence (materialized)",
        () ->
            new Sequential(
                    Dense.builder()
                        .setUnits(3)
                        .optActivation(ActivationFunction.TANH)
                        .optInputShape(30, 2)
                        .build(),
                    new Flatten(),
                    new Dense(3))
                .setSeed(43),
        TestData.scaled(EXAMPLES, new long[] {30, 2}, 3, 7, SCALE));
  }

  @Test
  void convolutionClippedGradientsStayWithinC() {
    check(
        "conv2d (materialized)",
        () ->
            new Sequential(
                    Conv2D.builder()
                        .setFilters(8)
                        .setKernelSize(3)
                        .optActivation(ActivationFunction.TANH)
                        .optInputShape(8, 8, 3)
                        .build(),
                    new Flatten(),
                    new Dense(3))
                .setSeed(44),
        TestData.scaled(EXAMPLES, new long[] {8, 8, 3}, 3, 8, SCALE));
    check(
        "conv2d (backprop)",
        () ->
            new Sequential(
                    Conv2D.builder()
                        .setFilters(61)
                        .setKernelSize(3)
                        .optActivation(ActivationFunction.TANH)
                        .optInputShape(4, 4, 120)
                        .build(),
                    new Flatten(),
                    new Dense(3))
                .setSeed(45),
        TestData.scaled(EXAMPLES, new long[] {4, 4, 120}, 3, 9, SCALE));
    check(
        "conv1d",
        () ->
            new Sequential(
                    new Conv1D(new long[] {20, 6}, 8, 3, 1, Padding.SAME, ActivationFunction.TANH),
                    new Flatten(),
                    new Dense(3))
                .setSeed(46),
        TestData.scaled(EXAMPLES, new long[] {20, 6}, 3, 10, SCALE));
  }

  @Test
  void embeddingAndLayerNormalizationClippedGradientsStayWithinC() {
    Random r = new Random(11);
    float[] ids = new float[EXAMPLES * 12];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = r.nextInt(50);
    }
    float[] labels = new float[EXAMPLES];
    for (int i = 0; i < EXAMPLES; i++) {
      labels[i] = r.nextInt(3);
    }
    check(
        "embedding + layer normalization",
        () ->
            new Sequential(
                    new Embedding(50, 16, new long[] {12}),
                    new LayerNormalization(),
                    new Flatten(),
                    new Dense(3))
                .setSeed(47),
        new Dataset(ids, new long[] {12}, labels, new long[0]));
  }

  /**
   * For each example alone, with C at its norm / (1 + 10^-6) and at its norm / 10: the float64 norm
   * of the float32 clipped gradient is at most C.
   */
  private static void check(String label, Supplier<Sequential> factory, Dataset data) {
    double worst = Double.NEGATIVE_INFINITY;
    try (Sequential model = factory.get()) {
      for (int i = 0; i < data.size(); i++) {
        Dataset one = data.gather(new int[] {i});
        model.compile(new DPKerasSGDOptimizer(1.0, 0.0, 0, 0.1f), loss());
        double norm = norm(model.gradients(one).toArray(float[][]::new));
        for (double clip : new double[] {norm / (1 + 1e-6), norm / 10}) {
          model.compile(new DPKerasSGDOptimizer(clip, 0.0, 0, 0.1f), loss());
          double clipped =
              norm(
                  ModelPrivacy.of(model)
                      .inspectDpStep(one, 1.0)
                      .clippedSums()
                      .toArray(float[][]::new));
          worst = Math.max(worst, clipped / clip - 1);
          assertThat(clipped)
              .as("%s example %d: clipped norm against C = %s (unit norm %s)", label, i, clip, norm)
              .isLessThanOrEqualTo(clip);
        }
      }
    }
    LOG.info("{}: largest clipped norm / C - 1 = {}", label, worst);
  }

  private static SparseCategoricalCrossentropy loss() {
    return new SparseCategoricalCrossentropy(true, Reduction.NONE);
  }

  private static double norm(float[][] parts) {
    double s = 0;
    for (float[] p : parts) {
      for (float v : p) {
        s += (double) v * v;
      }
    }
    return Math.sqrt(s);
  }
}
