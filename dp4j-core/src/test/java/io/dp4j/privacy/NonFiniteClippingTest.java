package io.dp4j.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import io.dp4j.data.Dataset;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.Conv1D;
import io.dp4j.nn.layers.Conv2D;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.layers.Flatten;
import io.dp4j.nn.layers.LayerNormalization;
import io.dp4j.nn.layers.Padding;
import io.dp4j.nn.losses.MeanSquaredError;
import io.dp4j.nn.losses.Reduction;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.testing.TestData;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * A clipping unit with a NaN or infinite input contributes exactly nothing: the clipped sum of a
 * batch with such an example equals a brute force over the batch without it, and the noisy update
 * stays finite (a NaN update would reveal that the example was sampled).
 */
class NonFiniteClippingTest {
  /**
   * Float32 round-off of a clipped sum over at most 12 units, each entry a sum of at most a few
   * hundred products, against a float64 brute force: well below 1e-5 relative to the largest entry.
   */
  private static final double TOLERANCE = 1e-5;

  private static final float[] SCALES = {30f, 0.01f, 1f, 5f, 0.1f, 50f};
  private static final int BAD = 4;

  private static Sequential dense() {
    return new Sequential(
            Dense.builder()
                .setUnits(5)
                .optActivation(ActivationFunction.RELU)
                .optInputShape(4)
                .build(),
            new Dense(3))
        .setSeed(31);
  }

  private static Sequential materializedConv() {
    return new Sequential(
            Conv2D.builder()
                .setFilters(3)
                .setKernelSize(3)
                .optStrides(2)
                .optPadding(Padding.SAME)
                .optActivation(ActivationFunction.RELU)
                .optInputShape(6, 6, 2)
                .build(),
            new Flatten(),
            new Dense(3))
        .setSeed(32);
  }

  /** 3·3·120·243 kernel values: above the materializing limit (2^18), so the backprop path. */
  private static Sequential backpropConv() {
    return new Sequential(
            Conv2D.builder()
                .setFilters(243)
                .setKernelSize(3)
                .optActivation(ActivationFunction.RELU)
                .optInputShape(4, 4, 120)
                .build(),
            new Flatten(),
            new Dense(3))
        .setSeed(33);
  }

  private static Sequential conv1d() {
    return new Sequential(
            new Conv1D(new long[] {6, 3}, 4, 3, 1, Padding.SAME, ActivationFunction.RELU),
            new Flatten(),
            new Dense(3))
        .setSeed(34);
  }

  private static Sequential layerNorm() {
    return new Sequential(
            Dense.builder()
                .setUnits(4)
                .optActivation(ActivationFunction.RELU)
                .optInputShape(3, 5)
                .build(),
            new LayerNormalization(),
            new Flatten(),
            new Dense(3))
        .setSeed(35);
  }

  @Test
  void infiniteFeatureContributesNothingPerExample() {
    check(NonFiniteClippingTest::dense, new long[] {4}, 0, Float.POSITIVE_INFINITY);
  }

  @Test
  void nanFeatureContributesNothingPerExample() {
    check(NonFiniteClippingTest::dense, new long[] {4}, 0, Float.NaN);
  }

  @Test
  void nonFiniteFeatureContributesNothingWithMicrobatches() {
    check(NonFiniteClippingTest::dense, new long[] {4}, 4, Float.NEGATIVE_INFINITY);
    check(NonFiniteClippingTest::dense, new long[] {4}, 4, Float.NaN);
  }

  @Test
  void nonFiniteFeatureContributesNothingThroughConvolutions() {
    check(NonFiniteClippingTest::materializedConv, new long[] {6, 6, 2}, 0, Float.NaN);
    check(
        NonFiniteClippingTest::materializedConv, new long[] {6, 6, 2}, 3, Float.POSITIVE_INFINITY);
    check(NonFiniteClippingTest::backpropConv, new long[] {4, 4, 120}, 0, Float.NaN);
    check(NonFiniteClippingTest::backpropConv, new long[] {4, 4, 120}, 4, Float.POSITIVE_INFINITY);
    check(NonFiniteClippingTest::conv1d, new long[] {6, 3}, 0, Float.POSITIVE_INFINITY);
  }

  @Test
  void nonFiniteFeatureContributesNothingThroughLayerNormalization() {
    check(NonFiniteClippingTest::layerNorm, new long[] {3, 5}, 0, Float.POSITIVE_INFINITY);
    check(NonFiniteClippingTest::layerNorm, new long[] {3, 5}, 3, Float.NaN);
  }

  /** A finite input so large that its gradient overflows float32 is a unit of norm ∞: dropped. */
  @Test
  void overflowingGradientContributesNothing() {
    check(NonFiniteClippingTest::materializedConv, new long[] {6, 6, 2}, 0, 3e38f);
    check(NonFiniteClippingTest::dense, new long[] {4}, 0, 3e38f);
  }

  /**
   * A finite forward pass whose backward pass overflows: with W1 = 1e-10·I and W2 = (1e20, 1e20),
   * the example x = (1.5e9, 0) has a finite loss (z2 = 1.5e19, loss 2.25e38) but the first layer's
   * output gradient 2·z2·W2 = 3e39 is infinite. The step tests only forward tensors up front, so
   * this unit must drop out through its norm (not finite, factor 0) and the scaling of its
   * gradients by 0 (exactly 0 even times ∞): the clipped sum equals that of the batch without it.
   */
  @Test
  void backwardOverflowOnFiniteForwardPassContributesNothing() {
    float[] normal = {1e-12f, 3e-12f};
    float[] overflow = {1.5e9f, 0f};
    try (Sequential model =
        new Sequential(
            Dense.builder().setUnits(2).optUseBias(false).optInputShape(2).build(),
            Dense.builder().setUnits(1).optUseBias(false).build())) {
      MeanSquaredError loss = new MeanSquaredError(Reduction.NONE);
      model.compile(new DPKerasSGDOptimizer(1.0, 0.0, 0, 0.1f), loss);
      model.setWeights(List.of(new float[] {1e-10f, 0f, 0f, 1e-10f}, new float[] {1e20f, 1e20f}));
      Dataset alone = new Dataset(normal, new long[] {2}, new float[] {0f}, new long[] {1});
      Dataset both =
          new Dataset(
              new float[] {normal[0], normal[1], overflow[0], overflow[1]},
              new long[] {2},
              new float[] {0f, 0f},
              new long[] {1});
      float[] expected = flatten(ModelPrivacy.of(model).inspectDpStep(alone, 1.0).clippedSums());
      DpStepInspection actual = ModelPrivacy.of(model).inspectDpStep(both, 1.0);
      assertThat(Float.isFinite(actual.unitSquaredNorms()[1]))
          .as("overflowing unit's norm")
          .isFalse();
      assertThat(flatten(actual.clippedSums())).containsExactly(expected);
      assertThat(expected[0]).as("the kept example contributes").isNotZero();

      model.compile(new DPKerasSGDOptimizer(1.0, 1.1, 0, 0.1f), loss);
      model.setWeights(List.of(new float[] {1e-10f, 0f, 0f, 1e-10f}, new float[] {1e20f, 1e20f}));
      assertThat(allFinite(flatten(ModelPrivacy.of(model).inspectDpStep(both, 2).noisyGradients())))
          .as("noisy update finite")
          .isTrue();
    }
  }

  /**
   * Example {@link #BAD} of a 12-example batch gets {@code value} in its first feature; its unit
   * must then contribute what it contributes without that example (nothing per example; the rest of
   * its microbatch with microbatches).
   */
  private static void check(
      Supplier<Sequential> factory, long[] shape, int microbatches, float value) {
    int batch = 12;
    int perUnit = microbatches == 0 ? 1 : batch / microbatches;
    Dataset data = TestData.scaled(batch, shape, 3, 77, SCALES);
    try (Sequential model = factory.get()) {
      model.compile(new DPKerasSGDOptimizer(1.0, 0.0, microbatches, 0.1f), loss());
      List<float[]> perExample = new ArrayList<>();
      for (int i = 0; i < batch; i++) {
        perExample.add(flatten(model.gradients(data.gather(new int[] {i}))));
      }
      double[] norms = unitNorms(perExample, perUnit, -1);
      double clip = median(norms);
      data.features()[BAD * (data.features().length / batch)] = value;
      String label = model.layers().get(0).typeName() + " M=" + microbatches + " value " + value;

      model.compile(new DPKerasSGDOptimizer(clip, 0.0, microbatches, 0.1f), loss());
      DpStepInspection actual = ModelPrivacy.of(model).inspectDpStep(data, 1.0);
      double[] expected = clippedSum(perExample, perUnit, BAD, clip);
      float[] sum = flatten(actual.clippedSums());
      assertThat(allFinite(sum)).as(label + " clipped sum finite").isTrue();
      assertThat(BruteForce.relativeError(sum, expected))
          .as(label + " clipped sum against the brute force without example " + BAD)
          .isLessThan(TOLERANCE);
      if (microbatches == 0 && !Float.isFinite(value)) {
        assertThat(actual.unitSquaredNorms()[BAD]).as(label + " norm of the dropped unit").isZero();
      }

      model.compile(new DPKerasSGDOptimizer(clip, 1.1, microbatches, 0.1f), loss());
      DpStepInspection noisy = ModelPrivacy.of(model).inspectDpStep(data, batch);
      assertThat(allFinite(flatten(noisy.noisyGradients())))
          .as(label + " noisy update finite")
          .isTrue();
    }
  }

  private static SparseCategoricalCrossentropy loss() {
    return new SparseCategoricalCrossentropy(true, Reduction.NONE);
  }

  /** Each unit's gradient: the mean over its {@code perUnit} slots of the kept examples' ones. */
  private static List<double[]> unitGradients(List<float[]> perExample, int perUnit, int dropped) {
    List<double[]> units = new ArrayList<>();
    for (int u = 0; u < perExample.size() / perUnit; u++) {
      double[] g = new double[perExample.get(0).length];
      for (int i = u * perUnit; i < (u + 1) * perUnit; i++) {
        if (i == dropped) {
          continue;
        }
        for (int j = 0; j < g.length; j++) {
          g[j] += (double) perExample.get(i)[j] / perUnit;
        }
      }
      units.add(g);
    }
    return units;
  }

  private static double[] unitNorms(List<float[]> perExample, int perUnit, int dropped) {
    return unitGradients(perExample, perUnit, dropped).stream()
        .mapToDouble(NonFiniteClippingTest::norm)
        .toArray();
  }

  private static double[] clippedSum(
      List<float[]> perExample, int perUnit, int dropped, double clip) {
    double[] sum = new double[perExample.get(0).length];
    for (double[] g : unitGradients(perExample, perUnit, dropped)) {
      double factor = Math.min(1, clip / (norm(g) + 1e-6));
      for (int j = 0; j < sum.length; j++) {
        sum[j] += factor * g[j];
      }
    }
    return sum;
  }

  private static double norm(double[] g) {
    double s = 0;
    for (double v : g) {
      s += v * v;
    }
    return Math.sqrt(s);
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  static float[] flatten(List<float[]> parts) {
    int n = parts.stream().mapToInt(p -> p.length).sum();
    float[] all = new float[n];
    int at = 0;
    for (float[] p : parts) {
      System.arraycopy(p, 0, all, at, p.length);
      at += p.length;
    }
    return all;
  }

  private static boolean allFinite(float[] values) {
    for (float v : values) {
      if (!Float.isFinite(v)) {
        return false;
      }
    }
    return true;
  }
}
