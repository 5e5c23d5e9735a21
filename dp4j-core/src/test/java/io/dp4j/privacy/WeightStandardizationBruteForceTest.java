package io.dp4j.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.dp4j.data.Dataset;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.Activation;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.Conv2D;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.layers.Flatten;
import io.dp4j.nn.layers.GroupNormalization;
import io.dp4j.nn.layers.Padding;
import io.dp4j.nn.losses.MeanSquaredError;
import io.dp4j.nn.optimizers.SGD;
import io.dp4j.testing.TestData;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Conv2D with weight standardization: it convolves with (V - mean) / sqrt(var + ε) per filter, and
 * the clipping rule's per-unit norms and clipped sums of the raw kernel V's gradients equal
 * per-example gradients computed one example (or microbatch) at a time, through TensorFlow's own
 * gradient of the standardization, in each of the materialized formulations (several channels, one
 * channel, unequal strides) and dilated.
 */
class WeightStandardizationBruteForceTest {
  private static final float[] SCALES = {30f, 0.01f, 1f, 5f, 0.1f, 50f};

  // Terms accumulated from the input to a parameter gradient (ClippingBruteForceTest's bounds);
  // the standardization adds two sums over the kernel (mean, variance) forward and two (the means
  // of D and D ⊙ W) in the map to V.

  /**
   * GroupNormalizationBruteForceTest's convolution model's terms, and 4·18 for standardizing and
   * mapping the 3x3x2 kernel.
   */
  private static final long GROUP_NORM_TERMS = 18 + 100 + 100 + 3 + 3 + 100 + 100 + 25 * 3 + 4 * 18;

  /**
   * Forward 3·3·1 + 2·2·3 + 12 (Dense), loss 3; backward 3, 12 and 2·2·2 (second convolution to its
   * input), first kernel over 4·4 positions × ≤ 3 examples; 4·12 for the larger kernel's
   * standardization and map.
   */
  private static final long STRIDES_TERMS = 9 + 12 + 12 + 3 + 3 + 12 + 8 + 16 * 3 + 4 * 12;

  /** Forward 2·2·2 (dilated), Dense over 32, loss 3; backward 3, kernel over 16 positions; 4·8. */
  private static final long DILATED_TERMS = 8 + 32 + 3 + 3 + 16 * 2 + 4 * 8;

  /** Forward 2·2·32, Dense over 27, loss 3; backward 3, kernel over 9 positions; 4·128. */
  private static final long MANY_CHANNELS_TERMS = 128 + 27 + 3 + 3 + 9 + 4 * 128;

  /** Stride 1 on 32 channels: the per-unit gradients of shifted inputs, mapped to V. */
  private static Sequential manyChannelsModel() {
    return new Sequential(
            Conv2D.builder()
                .setFilters(3)
                .setKernelSize(2)
                .optActivation(ActivationFunction.TANH)
                .optWeightStandardization(true)
                .optInputShape(4, 4, 32)
                .build(),
            new Flatten(),
            new Dense(3))
        .setSeed(54);
  }

  private static Sequential groupNormModel() {
    return new Sequential(
            Conv2D.builder()
                .setFilters(4)
                .setKernelSize(3)
                .optPadding(Padding.SAME)
                .optWeightStandardization(true)
                .optInputShape(5, 5, 2)
                .build(),
            new GroupNormalization(2),
            new Activation(ActivationFunction.RELU),
            new Flatten(),
            new Dense(3))
        .setSeed(51);
  }

  /** One input channel, stride 2; then unequal strides (the ExtractImagePatches formulation). */
  private static Sequential stridesModel() {
    return new Sequential(
            Conv2D.builder()
                .setFilters(3)
                .setKernelSize(3)
                .optStrides(2)
                .optPadding(Padding.SAME)
                .optActivation(ActivationFunction.TANH)
                .optWeightStandardization(true)
                .optInputShape(7, 7, 1)
                .build(),
            Conv2D.builder()
                .setFilters(2)
                .setKernelSize(2)
                .optStrides(1, 2)
                .optActivation(ActivationFunction.TANH)
                .optWeightStandardization(true)
                .build(),
            new Flatten(),
            new Dense(3))
        .setSeed(52);
  }

  private static Sequential dilatedModel() {
    return new Sequential(
            Conv2D.builder()
                .setFilters(2)
                .setKernelSize(2)
                .optDilationRate(2)
                .optUseBias(false)
                .optActivation(ActivationFunction.TANH)
                .optWeightStandardization(true)
                .optInputShape(6, 6, 2)
                .build(),
            new Flatten(),
            new Dense(3))
        .setSeed(53);
  }

  @Test
  void beforeGroupNormalizationMatchesBruteForce() {
    Dataset data = TestData.scaled(12, new long[] {5, 5, 2}, 3, 61, 1, SCALES);
    check(
        "ws groupnorm",
        GROUP_NORM_TERMS,
        WeightStandardizationBruteForceTest::groupNormModel,
        data,
        0);
    Dataset grouped = TestData.scaled(12, new long[] {5, 5, 2}, 3, 61, 3, SCALES);
    check(
        "ws groupnorm microbatches",
        GROUP_NORM_TERMS,
        WeightStandardizationBruteForceTest::groupNormModel,
        grouped,
        4);
  }

  @Test
  void oneChannelAndUnequalStridesMatchBruteForce() {
    Dataset data = TestData.scaled(12, new long[] {7, 7, 1}, 3, 62, 1, SCALES);
    check("ws strides", STRIDES_TERMS, WeightStandardizationBruteForceTest::stridesModel, data, 0);
    check(
        "ws strides microbatches",
        STRIDES_TERMS,
        WeightStandardizationBruteForceTest::stridesModel,
        data,
        3);
  }

  @Test
  void strideOneManyChannelsMatchesBruteForce() {
    Dataset data = TestData.scaled(12, new long[] {4, 4, 32}, 3, 65, 1, SCALES);
    check(
        "ws 32 channels",
        MANY_CHANNELS_TERMS,
        WeightStandardizationBruteForceTest::manyChannelsModel,
        data,
        0);
  }

  @Test
  void dilatedMatchesBruteForce() {
    Dataset data = TestData.scaled(12, new long[] {6, 6, 2}, 3, 63, 1, SCALES);
    check("ws dilated", DILATED_TERMS, WeightStandardizationBruteForceTest::dilatedModel, data, 0);
  }

  private static void check(
      String label, long terms, Supplier<Sequential> model, Dataset data, int microbatches) {
    ClippingBruteForceTest.check(label, terms, model, data, microbatches, 1.5);
  }

  /**
   * The layer's output equals a plain convolution's whose kernel is V standardized here in float64
   * (ε = 1e-6): float32 round-off of a 3x3x2 convolution and of the standardization (sums of 18),
   * well within 1e-5 of the output scale.
   */
  @Test
  void convolvesWithTheStandardizedKernel() {
    Dataset data = TestData.random(4, new long[] {5, 5, 2}, 3, 64);
    try (Sequential ws = groupNormModel();
        Sequential plain =
            new Sequential(
                    Conv2D.builder()
                        .setFilters(4)
                        .setKernelSize(3)
                        .optPadding(Padding.SAME)
                        .optInputShape(5, 5, 2)
                        .build(),
                    new GroupNormalization(2),
                    new Activation(ActivationFunction.RELU),
                    new Flatten(),
                    new Dense(3))
                .setSeed(51)) {
      ws.compile(new SGD(), new MeanSquaredError());
      plain.compile(new SGD(), new MeanSquaredError());
      List<float[]> weights = ws.getWeights();
      float[] v = weights.get(0).clone();
      for (int i = 0; i < v.length; i++) {
        v[i] *= 1 + 0.5f * (i % 5); // a kernel far from standardized
      }
      List<float[]> raw = new java.util.ArrayList<>(weights);
      raw.set(0, v);
      ws.setWeights(raw);
      List<float[]> standardized = new java.util.ArrayList<>(weights);
      standardized.set(0, standardize(v, 4));
      plain.setWeights(standardized);
      float[][] expected = plain.predict(data);
      float[][] actual = ws.predict(data);
      float scale = 0;
      for (float[] row : expected) {
        for (float y : row) {
          scale = Math.max(scale, Math.abs(y));
        }
      }
      for (int n = 0; n < expected.length; n++) {
        assertThat(actual[n]).containsExactly(expected[n], within(1e-5f * scale));
      }
    }
  }

  /** A {@code [.., filters]} kernel standardized per filter (last axis) in float64. */
  private static float[] standardize(float[] v, int filters) {
    int k = v.length / filters;
    float[] w = new float[v.length];
    for (int f = 0; f < filters; f++) {
      double mean = 0;
      for (int i = 0; i < k; i++) {
        mean += v[i * filters + f];
      }
      mean /= k;
      double var = 0;
      for (int i = 0; i < k; i++) {
        double c = v[i * filters + f] - mean;
        var += c * c;
      }
      var /= k;
      for (int i = 0; i < k; i++) {
        w[i * filters + f] = (float) ((v[i * filters + f] - mean) / Math.sqrt(var + 1e-6));
      }
    }
    return w;
  }
}
