package io.dp4j.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import io.dp4j.data.Dataset;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.Activation;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.Conv2D;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.layers.Flatten;
import io.dp4j.nn.layers.GroupNormalization;
import io.dp4j.nn.layers.Padding;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.nn.optimizers.SGD;
import io.dp4j.nn.train.Metric;
import io.dp4j.privacy.clipping.ClippingRegistry;
import io.dp4j.testing.TestData;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The GroupNormalization rule's per-unit norms and clipped sums equal per-example gradients
 * computed one example (or microbatch) at a time, and a model with group normalization trains under
 * DP-SGD.
 */
class GroupNormalizationBruteForceTest {
  private static final float[] SCALES = {30f, 0.01f, 1f, 5f, 0.1f, 50f};

  // Terms accumulated from the input to a parameter gradient (ClippingBruteForceTest's bounds).

  /**
   * Forward 3·3·2 (convolution), normalization 50 + 50 (a group: 25 positions × 2 channels), 100
   * (Dense), loss 3; backward 3, 100 (Dense to its input), 50 + 50 (normalization to its input),
   * the first kernel over 25 positions × ≤ 3 examples.
   */
  private static final long CONV_TERMS = 18 + 100 + 100 + 3 + 3 + 100 + 100 + 25 * 3;

  /**
   * Normalization of the input 3 + 3 (a group: 3 positions × 1 channel), forward 4 + 12, loss 3;
   * backward 3, 12, gamma over 3 positions × ≤ 4 examples.
   */
  private static final long SEQUENCE_TERMS = 6 + 4 + 12 + 3 + 3 + 12 + 3 * 4;

  /** Conv2D, GroupNormalization of 4 channels in 2 groups, relu, Dense. */
  private static Sequential convModel() {
    return new Sequential(
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
        .setSeed(31);
  }

  /**
   * Group normalization as the first layer (its input is the data), one group per channel and no
   * beta, then a Dense on the sequence.
   */
  private static Sequential sequenceModel() {
    return new Sequential(
            GroupNormalization.builder()
                .setGroups(GroupNormalization.PER_CHANNEL)
                .optCenter(false)
                .build(),
            Dense.builder().setUnits(4).optActivation(ActivationFunction.TANH).build(),
            new Flatten(),
            new Dense(3))
        .setInputShape(3, 4)
        .setSeed(32);
  }

  @Test
  void afterAConvolutionMatchesBruteForce() {
    Dataset data = TestData.scaled(12, new long[] {5, 5, 2}, 3, 41, 1, SCALES);
    ClippingBruteForceTest.check(
        "groupnorm", CONV_TERMS, GroupNormalizationBruteForceTest::convModel, data, 0, 1.5);
    Dataset grouped = TestData.scaled(12, new long[] {5, 5, 2}, 3, 41, 3, SCALES);
    ClippingBruteForceTest.check(
        "groupnorm microbatches",
        CONV_TERMS,
        GroupNormalizationBruteForceTest::convModel,
        grouped,
        4,
        1.05);
  }

  @Test
  void perChannelOnTheInputWithoutBetaMatchesBruteForce() {
    Dataset data = TestData.scaled(12, new long[] {3, 4}, 3, 42, 1, SCALES);
    ClippingBruteForceTest.check(
        "groupnorm per channel",
        SEQUENCE_TERMS,
        GroupNormalizationBruteForceTest::sequenceModel,
        data,
        0,
        1.5);
    ClippingBruteForceTest.check(
        "groupnorm per channel microbatches",
        SEQUENCE_TERMS,
        GroupNormalizationBruteForceTest::sequenceModel,
        data,
        3,
        1.05);
  }

  /**
   * 6x6 images whose class is which half (left or right) is brighter, at a random brightness and
   * contrast per image: group normalization removes the scale, the convolution sees the halves.
   */
  private static Dataset halves(int n, long seed) {
    Random r = new Random(seed);
    float[] x = new float[n * 36];
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      int label = r.nextInt(2);
      y[i] = label;
      double gain = Math.exp(r.nextGaussian());
      for (int row = 0; row < 6; row++) {
        for (int col = 0; col < 6; col++) {
          boolean bright = (col < 3) == (label == 0);
          x[i * 36 + row * 6 + col] = (float) (gain * ((bright ? 1 : 0) + 0.3 * r.nextGaussian()));
        }
      }
    }
    return new Dataset(x, new long[] {6, 6, 1}, y, new long[0]);
  }

  @Test
  void trainsUnderDp() {
    Dataset data = halves(400, 5);
    try (DPSequential model =
        new DPSequential(
            1.0,
            0.8,
            0,
            false,
            ClippingRegistry.defaults(),
            Conv2D.builder()
                .setFilters(4)
                .setKernelSize(3)
                .optPadding(Padding.SAME)
                .optInputShape(6, 6, 1)
                .build(),
            new GroupNormalization(2),
            new Activation(ActivationFunction.RELU),
            new Flatten(),
            new Dense(2))) {
      model.setSeed(7);
      model.useFixedNoiseSeedForTesting(11);
      model.compile(new SGD(0.5f), new SparseCategoricalCrossentropy(true), Metric.ACCURACY);
      model.fit(data, TestData.poisson(400, 0.1, 5), 5);
      assertThat(model.privacyLog().steps()).isEqualTo(50);
      assertThat(model.evaluate(halves(200, 6)).get("accuracy")).isGreaterThan(0.9);
    }
  }
}
