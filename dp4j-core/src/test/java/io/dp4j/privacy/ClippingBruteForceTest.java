package io.dp4j.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import io.dp4j.data.Dataset;
import io.dp4j.nn.DpStepInspection;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.Conv2D;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.layers.Flatten;
import io.dp4j.nn.layers.MaxPool2D;
import io.dp4j.nn.layers.Padding;
import io.dp4j.nn.losses.Loss;
import io.dp4j.nn.losses.Reduction;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import java.util.Arrays;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one-graph clipped sums equal per-example gradients computed one example at a time. */
class ClippingBruteForceTest {
  private static final Logger LOG = LoggerFactory.getLogger(ClippingBruteForceTest.class);
  private static final double TOLERANCE = 1e-5;

  /** Example scales: gradient norms far above and far below C. */
  private static final float[] SCALES = {30f, 0.01f, 1f, 5f, 0.1f, 50f};

  private static Sequential denseModel() {
    return new Sequential(
            Dense.builder()
                .setUnits(5)
                .optActivation(ActivationFunction.RELU)
                .optInputShape(4)
                .build(),
            new Dense(3))
        .setSeed(11);
  }

  private static Sequential sequenceDenseModel() {
    return new Sequential(
            Dense.builder()
                .setUnits(4)
                .optActivation(ActivationFunction.RELU)
                .optInputShape(3, 5)
                .build(),
            new Flatten(),
            new Dense(3))
        .setSeed(12);
  }

  private static Sequential convModel() {
    return new Sequential(
            Conv2D.builder()
                .setFilters(3)
                .setKernelSize(3)
                .optStrides(2)
                .optPadding(Padding.SAME)
                .optActivation(ActivationFunction.RELU)
                .optInputShape(7, 7, 2)
                .build(),
            Conv2D.builder()
                .setFilters(2)
                .setKernelSize(2, 3)
                .optPadding(Padding.VALID)
                .optActivation(ActivationFunction.RELU)
                .build(),
            new MaxPool2D(2, 1),
            new Flatten(),
            new Dense(3))
        .setSeed(13);
  }

  private static double check(
      String label, Supplier<Sequential> factory, long[] shape, int batch, int microbatches) {
    int perUnit = microbatches == 0 ? 1 : batch / microbatches;
    Dataset data = io.dp4j.testing.TestData.scaled(batch, shape, 3, 99, perUnit, SCALES);
    return check(label, factory, data, microbatches, 9);
  }

  /**
   * Compares with the brute force, C chosen between the smallest and largest unit norms, which must
   * differ by at least {@code minSpread}.
   */
  static double check(
      String label,
      Supplier<Sequential> factory,
      Dataset data,
      int microbatches,
      double minSpread) {
    return check(
        label,
        factory,
        data,
        microbatches,
        minSpread,
        () -> new SparseCategoricalCrossentropy(true, Reduction.NONE));
  }

  /** As {@link #check(String, Supplier, Dataset, int, double)} with a per-example loss. */
  static double check(
      String label,
      Supplier<Sequential> factory,
      Dataset data,
      int microbatches,
      double minSpread,
      Supplier<Loss> losses) {
    int batch = data.size();
    int perUnit = microbatches == 0 ? 1 : batch / microbatches;
    try (Sequential model = factory.get()) {
      model.compile(new DPKerasSGDOptimizer(1.0, 0.0, microbatches, 0.1f), losses.get());
      // C between the smallest and largest unit norms, far from both
      double[] norms = BruteForce.compute(model, data, perUnit, 1.0).squaredNorms;
      double min = Math.sqrt(Arrays.stream(norms).min().orElseThrow());
      double max = Math.sqrt(Arrays.stream(norms).max().orElseThrow());
      assertThat(max / min).as(label + " norm spread").isGreaterThan(minSpread);
      double clip = Math.sqrt(min * max);
      model.compile(new DPKerasSGDOptimizer(clip, 0.0, microbatches, 0.1f), losses.get());
      BruteForce expected = BruteForce.compute(model, data, perUnit, clip);
      DpStepInspection actual = model.inspectDpStep(data, 1.0);

      double worst = 0;
      for (int u = 0; u < expected.squaredNorms.length; u++) {
        double rel =
            Math.abs(actual.unitSquaredNorms()[u] - expected.squaredNorms[u])
                / expected.squaredNorms[u];
        worst = Math.max(worst, rel);
      }
      assertThat(worst).as(label + " squared norms").isLessThan(TOLERANCE);
      for (int p = 0; p < expected.clippedSums.size(); p++) {
        double rel =
            BruteForce.relativeError(actual.clippedSums().get(p), expected.clippedSums.get(p));
        assertThat(rel).as(label + " clipped sum of parameter " + p).isLessThan(TOLERANCE);
        // σ = 0: the gradient is the clipped sum over the normalizer
        assertThat(actual.noisyGradients().get(p)).containsExactly(actual.clippedSums().get(p));
        worst = Math.max(worst, rel);
      }
      LOG.info("{}: max relative error {}", label, worst);
      return worst;
    }
  }

  @Test
  void denseMatchesBruteForce() {
    check("dense", ClippingBruteForceTest::denseModel, new long[] {4}, 12, 0);
  }

  @Test
  void denseWithMicrobatchesMatchesBruteForce() {
    check("dense microbatches", ClippingBruteForceTest::denseModel, new long[] {4}, 12, 4);
  }

  @Test
  void denseOnSequencesMatchesBruteForce() {
    check("dense sequence", ClippingBruteForceTest::sequenceDenseModel, new long[] {3, 5}, 12, 0);
  }

  @Test
  void denseOnSequencesWithMicrobatchesMatchesBruteForce() {
    check(
        "dense sequence microbatches",
        ClippingBruteForceTest::sequenceDenseModel,
        new long[] {3, 5},
        12,
        3);
  }

  private static Sequential singleChannelConvModel() {
    return new Sequential(
            Conv2D.builder()
                .setFilters(4)
                .setKernelSize(3)
                .optStrides(2)
                .optPadding(Padding.SAME)
                .optActivation(ActivationFunction.RELU)
                .optInputShape(8, 8, 1)
                .build(),
            new Flatten(),
            new Dense(3))
        .setSeed(14);
  }

  /** A wide input (3x3x120 patches). */
  private static Sequential widePatchConvModel() {
    return new Sequential(
            Conv2D.builder()
                .setFilters(2)
                .setKernelSize(3)
                .optActivation(ActivationFunction.RELU)
                .optInputShape(4, 4, 120)
                .build(),
            new Flatten(),
            new Dense(3))
        .setSeed(15);
  }

  @Test
  void widePatchConvMatchesBruteForce() {
    check(
        "conv wide patches",
        ClippingBruteForceTest::widePatchConvModel,
        new long[] {4, 4, 120},
        6,
        0);
  }

  /** 3·3·64·128 = 73,728 kernel floats: above the materializing limit, so clipped by backprop. */
  private static Sequential largeKernelConvModel() {
    return new Sequential(
            Conv2D.builder()
                .setFilters(128)
                .setKernelSize(3)
                .optActivation(ActivationFunction.RELU)
                .optInputShape(4, 4, 64)
                .build(),
            new Flatten(),
            new Dense(3))
        .setSeed(16);
  }

  @Test
  void largeKernelConvMatchesBruteForce() {
    check(
        "conv large kernel",
        ClippingBruteForceTest::largeKernelConvModel,
        new long[] {4, 4, 64},
        6,
        0);
    check(
        "conv large kernel microbatches",
        ClippingBruteForceTest::largeKernelConvModel,
        new long[] {4, 4, 64},
        6,
        3);
  }

  @Test
  void singleChannelConvMatchesBruteForce() {
    check(
        "conv 1 channel",
        ClippingBruteForceTest::singleChannelConvModel,
        new long[] {8, 8, 1},
        12,
        0);
    check(
        "conv 1 channel microbatches",
        ClippingBruteForceTest::singleChannelConvModel,
        new long[] {8, 8, 1},
        12,
        4);
  }

  /**
   * The tutorial CNN's shapes: a single-channel 8x8 stride-2 SAME convolution and a 16-channel 4x4
   * stride-2 VALID one, whose kernel gradients take the two materialized formulations.
   */
  @Test
  void tutorialCnnMatchesBruteForce() {
    Supplier<Sequential> cnn =
        () -> new Sequential(io.dp4j.tutorial.MnistTutorial.cnn()).setSeed(16);
    check("tutorial CNN", cnn, new long[] {28, 28, 1}, 6, 0);
    check("tutorial CNN microbatches", cnn, new long[] {28, 28, 1}, 6, 3);
  }

  @Test
  void convMatchesBruteForce() {
    check("conv", ClippingBruteForceTest::convModel, new long[] {7, 7, 2}, 12, 0);
  }

  @Test
  void convWithMicrobatchesMatchesBruteForce() {
    check("conv microbatches", ClippingBruteForceTest::convModel, new long[] {7, 7, 2}, 12, 6);
  }

  /** Dilated convolutions: SAME and VALID, multi-channel and single-channel inputs. */
  private static Sequential dilatedConvModel() {
    return new Sequential(
            Conv2D.builder()
                .setFilters(3)
                .setKernelSize(3)
                .optDilationRate(2)
                .optPadding(Padding.SAME)
                .optActivation(ActivationFunction.RELU)
                .optInputShape(9, 9, 2)
                .build(),
            Conv2D.builder()
                .setFilters(2)
                .setKernelSize(2, 3)
                .optDilationRate(3, 2)
                .optPadding(Padding.VALID)
                .optActivation(ActivationFunction.RELU)
                .build(),
            new MaxPool2D(2, 1),
            new Flatten(),
            new Dense(3))
        // seed 18: no example whose softmax saturates so far that its gradient underflows to 0
        .setSeed(18);
  }

  private static Sequential dilatedSingleChannelConvModel() {
    return new Sequential(
            Conv2D.builder()
                .setFilters(4)
                .setKernelSize(3, 2)
                .optDilationRate(2, 3)
                .optPadding(Padding.VALID)
                .optActivation(ActivationFunction.RELU)
                .optInputShape(8, 8, 1)
                .build(),
            new Flatten(),
            new Dense(3))
        .setSeed(17);
  }

  @Test
  void dilatedConvMatchesBruteForce() {
    check("dilated conv", ClippingBruteForceTest::dilatedConvModel, new long[] {9, 9, 2}, 12, 0);
    check(
        "dilated conv microbatches",
        ClippingBruteForceTest::dilatedConvModel,
        new long[] {9, 9, 2},
        12,
        4);
  }

  @Test
  void dilatedSingleChannelConvMatchesBruteForce() {
    check(
        "dilated conv 1 channel",
        ClippingBruteForceTest::dilatedSingleChannelConvModel,
        new long[] {8, 8, 1},
        12,
        0);
    check(
        "dilated conv 1 channel microbatches",
        ClippingBruteForceTest::dilatedSingleChannelConvModel,
        new long[] {8, 8, 1},
        12,
        6);
  }
}
