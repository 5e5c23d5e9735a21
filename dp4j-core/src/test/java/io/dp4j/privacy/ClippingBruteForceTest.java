package io.dp4j.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import io.dp4j.data.Dataset;
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
import io.dp4j.nn.optimizers.SGD;
import io.dp4j.privacy.clipping.ClippingRegistry;
import io.dp4j.privacy.clipping.NativeConvNorms;
import io.dp4j.testing.Float32RoundOff;
import java.util.Arrays;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one-graph clipped sums equal per-example gradients computed one example at a time.
 *
 * <p>Both sides are float32 TensorFlow computations of the same exact values (the brute force sums
 * and squares them in float64), so they may differ by both sides' round-off: the bounds come from
 * {@link Float32RoundOff}, given for each model the number of terms accumulated along its longest
 * chain from the input to a parameter gradient ({@code pathTerms}: forward contractions, the loss,
 * backward contractions, and the sum over a unit's positions and examples).
 */
class ClippingBruteForceTest {
  private static final Logger LOG = LoggerFactory.getLogger(ClippingBruteForceTest.class);

  /** Forward 4 + 5, loss 3, backward 3, kernel gradient over a unit's ≤ 3 examples. */
  private static final long DENSE_TERMS = 4 + 5 + 3 + 3 + 3;

  /** Forward 5 + 12, loss 3, backward 3, first kernel over 3 steps × ≤ 4 examples. */
  private static final long SEQUENCE_DENSE_TERMS = 5 + 12 + 3 + 3 + 3 * 4;

  /**
   * Forward 3·3·2 + 2·3·3 + 4, loss 3, backward 3 and 2·3·2 (second convolution to its input),
   * first kernel over 4·4 positions × ≤ 2 examples.
   */
  private static final long CONV_TERMS = 18 + 18 + 4 + 3 + 3 + 12 + 16 * 2;

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
      String label,
      long pathTerms,
      Supplier<Sequential> factory,
      long[] shape,
      int batch,
      int microbatches) {
    int perUnit = microbatches == 0 ? 1 : batch / microbatches;
    Dataset data = io.dp4j.testing.TestData.scaled(batch, shape, 3, 99, perUnit, SCALES);
    return check(label, pathTerms, factory, data, microbatches, 9);
  }

  /**
   * Compares with the brute force, C chosen between the smallest and largest unit norms, which must
   * differ by at least {@code minSpread}.
   *
   * @param pathTerms the terms accumulated from the input to a parameter gradient (see the class
   *     comment)
   */
  static double check(
      String label,
      long pathTerms,
      Supplier<Sequential> factory,
      Dataset data,
      int microbatches,
      double minSpread) {
    return check(
        label,
        pathTerms,
        factory,
        data,
        microbatches,
        minSpread,
        () -> new SparseCategoricalCrossentropy(true, Reduction.NONE));
  }

  /**
   * As {@link #check(String, long, Supplier, Dataset, int, double)} with a per-example loss, once
   * with the convolution norms of TensorFlow ops and once with dp4j's native op when it is loaded
   * (the default then), so both are checked in every run.
   */
  static double check(
      String label,
      long pathTerms,
      Supplier<Sequential> factory,
      Dataset data,
      int microbatches,
      double minSpread,
      Supplier<Loss> losses) {
    double worst = check(label, pathTerms, factory, data, microbatches, minSpread, losses, false);
    if (NativeConvNorms.available() && hasConvolution(factory)) {
      worst =
          Math.max(
              worst,
              check(
                  label + " (native conv norms)",
                  pathTerms,
                  factory,
                  data,
                  microbatches,
                  minSpread,
                  losses,
                  true));
    }
    return worst;
  }

  private static double check(
      String label,
      long pathTerms,
      Supplier<Sequential> factory,
      Dataset data,
      int microbatches,
      double minSpread,
      Supplier<Loss> losses,
      boolean nativeConvNorms) {
    int batch = data.size();
    int perUnit = microbatches == 0 ? 1 : batch / microbatches;
    try (Sequential model = factory.get()) {
      model.compile(optimizer(1.0, microbatches, nativeConvNorms), losses.get());
      // C between the smallest and largest unit norms, far from both
      double[] norms = BruteForce.compute(model, data, perUnit, 1.0).squaredNorms;
      double min = Math.sqrt(Arrays.stream(norms).min().orElseThrow());
      double max = Math.sqrt(Arrays.stream(norms).max().orElseThrow());
      assertThat(max / min).as(label + " norm spread").isGreaterThan(minSpread);
      double clip = Math.sqrt(min * max);
      model.compile(optimizer(clip, microbatches, nativeConvNorms), losses.get());
      BruteForce expected = BruteForce.compute(model, data, perUnit, clip);
      DpStepInspection actual = ModelPrivacy.of(model).inspectDpStep(data, 1.0);

      BruteForce.Agreement agreement =
          expected.assertMatches(
              label,
              actual.unitSquaredNorms(),
              actual.clippedSums(),
              pathTerms,
              lossCondition(model, data, perUnit, losses.get()),
              clip);
      for (int p = 0; p < expected.clippedSums.size(); p++) {
        // σ = 0: the gradient is the clipped sum over the normalizer
        assertThat(actual.noisyGradients().get(p)).containsExactly(actual.clippedSums().get(p));
      }
      LOG.info(
          "{}: max relative error {}, {} of its round-off bound",
          label,
          agreement.worstRelativeError(),
          agreement.worstFractionOfBound());
      return agreement.worstRelativeError();
    }
  }

  /** Whether the model has a layer the native op serves (only those give a second path). */
  private static boolean hasConvolution(Supplier<Sequential> factory) {
    try (Sequential model = factory.get()) {
      return model.layers().stream()
          .anyMatch(
              l -> l instanceof io.dp4j.nn.layers.Conv2D || l instanceof io.dp4j.nn.layers.Conv1D);
    }
  }

  /** TF Privacy's DP-SGD (σ 0, learning rate 0.1) with the chosen convolution norms. */
  private static DPKerasSGDOptimizer optimizer(
      double clip, int microbatches, boolean nativeConvNorms) {
    return new DPKerasSGDOptimizer(
        new DpSettings(
            clip,
            0.0,
            microbatches,
            DpSettings.Normalization.MICROBATCHES_OR_BATCH_SIZE,
            ClippingRegistry.defaults(nativeConvNorms)),
        new SGD(0.1f));
  }

  /** Each unit's loss condition ({@link BruteForce#lossCondition}), units consecutive. */
  private static double[] lossCondition(Sequential model, Dataset data, int perUnit, Loss loss) {
    int units = data.size() / perUnit;
    int[] unitOf = new int[units * perUnit];
    for (int i = 0; i < unitOf.length; i++) {
      unitOf[i] = i / perUnit;
    }
    return BruteForce.lossCondition(model, data, loss, unitOf, units);
  }

  @Test
  void denseMatchesBruteForce() {
    check("dense", DENSE_TERMS, ClippingBruteForceTest::denseModel, new long[] {4}, 12, 0);
  }

  @Test
  void denseWithMicrobatchesMatchesBruteForce() {
    check(
        "dense microbatches",
        DENSE_TERMS,
        ClippingBruteForceTest::denseModel,
        new long[] {4},
        12,
        4);
  }

  @Test
  void denseOnSequencesMatchesBruteForce() {
    check(
        "dense sequence",
        SEQUENCE_DENSE_TERMS,
        ClippingBruteForceTest::sequenceDenseModel,
        new long[] {3, 5},
        12,
        0);
  }

  @Test
  void denseOnSequencesWithMicrobatchesMatchesBruteForce() {
    check(
        "dense sequence microbatches",
        SEQUENCE_DENSE_TERMS,
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

  /** Forward 3·3·4 + 64, loss 3, backward 3, kernel over 4·4 positions × ≤ 3 examples. */
  private static final long SINGLE_CHANNEL_TERMS = 9 + 64 + 3 + 3 + 16 * 3;

  /** Forward 3·3·120 + 8, loss 3, backward 3, kernel over 2·2 positions. */
  private static final long WIDE_PATCH_TERMS = 1080 + 8 + 3 + 3 + 4;

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
        WIDE_PATCH_TERMS,
        ClippingBruteForceTest::widePatchConvModel,
        new long[] {4, 4, 120},
        6,
        0);
  }

  /**
   * Forward 3·2·32 + 5·5·4, loss 3, backward 3, kernel over 5·5 positions × ≤ 2 examples (SAME
   * padding keeps every position).
   */
  private static final long SHIFTED_INPUT_TERMS = 192 + 100 + 3 + 3 + 25 * 2;

  /**
   * Stride 1 on 32 channels, SAME padding, a 3x2 kernel: the per-tap products of shifted inputs
   * (Conv2DUnitGradients.fromShiftedInputs), with the padding on both sides of an odd kernel height
   * and one side of an even width.
   */
  private static Sequential shiftedInputConvModel() {
    return new Sequential(
            Conv2D.builder()
                .setFilters(4)
                .setKernelSize(3, 2)
                .optPadding(Padding.SAME)
                .optActivation(ActivationFunction.TANH)
                .optInputShape(5, 5, 32)
                .build(),
            new Flatten(),
            new Dense(3))
        .setSeed(21);
  }

  @Test
  void strideOneManyChannelConvMatchesBruteForce() {
    checkPerExampleAndMicrobatches(
        "conv stride 1, 32 channels, SAME",
        SHIFTED_INPUT_TERMS,
        ClippingBruteForceTest::shiftedInputConvModel,
        new long[] {5, 5, 32});
  }

  /** {@link #check} on 6 examples, per example and in 3 microbatches of 2. */
  private static void checkPerExampleAndMicrobatches(
      String label, long pathTerms, Supplier<Sequential> factory, long[] shape) {
    check(label, pathTerms, factory, shape, 6, 0);
    check(label + " microbatches", pathTerms, factory, shape, 6, 3);
  }

  /** Forward 3·3·128 + 1024, loss 3, backward 3, kernel over 2·2 positions × ≤ 2 examples. */
  private static final long LARGE_KERNEL_TERMS = 1152 + 1024 + 3 + 3 + 4 * 2;

  /**
   * Forward 8·8 + 4·4·16 + 512 + 32, loss 10, backward 10 + 32 + 4·4·32 (second convolution to its
   * input), first kernel over 14·14 positions × ≤ 2 examples.
   */
  private static final long TUTORIAL_CNN_TERMS = 64 + 256 + 512 + 32 + 10 + 10 + 32 + 512 + 196 * 2;

  /**
   * 3·3·128·256 = 294,912 kernel floats: above the materializing limit (2^18), so clipped by
   * backprop.
   */
  private static Sequential largeKernelConvModel() {
    return new Sequential(
            Conv2D.builder()
                .setFilters(256)
                .setKernelSize(3)
                .optActivation(ActivationFunction.RELU)
                .optInputShape(4, 4, 128)
                .build(),
            new Flatten(),
            new Dense(3))
        .setSeed(16);
  }

  @Test
  void largeKernelConvMatchesBruteForce() {
    checkPerExampleAndMicrobatches(
        "conv large kernel",
        LARGE_KERNEL_TERMS,
        ClippingBruteForceTest::largeKernelConvModel,
        new long[] {4, 4, 128});
  }

  @Test
  void singleChannelConvMatchesBruteForce() {
    check(
        "conv 1 channel",
        SINGLE_CHANNEL_TERMS,
        ClippingBruteForceTest::singleChannelConvModel,
        new long[] {8, 8, 1},
        12,
        0);
    check(
        "conv 1 channel microbatches",
        SINGLE_CHANNEL_TERMS,
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
    check("tutorial CNN", TUTORIAL_CNN_TERMS, cnn, new long[] {28, 28, 1}, 6, 0);
    check("tutorial CNN microbatches", TUTORIAL_CNN_TERMS, cnn, new long[] {28, 28, 1}, 6, 3);
  }

  @Test
  void convMatchesBruteForce() {
    check("conv", CONV_TERMS, ClippingBruteForceTest::convModel, new long[] {7, 7, 2}, 12, 0);
  }

  @Test
  void convWithMicrobatchesMatchesBruteForce() {
    check(
        "conv microbatches",
        CONV_TERMS,
        ClippingBruteForceTest::convModel,
        new long[] {7, 7, 2},
        12,
        6);
  }

  /**
   * Unequal row and column strides, which TensorFlow's non-oneDNN depthwise convolutions refuse:
   * 1x2 SAME and 2x1 VALID on two channels.
   */
  private static Sequential unequalStridesConvModel() {
    return new Sequential(
            Conv2D.builder()
                .setFilters(3)
                .setKernelSize(3, 2)
                .optStrides(1, 2)
                .optPadding(Padding.SAME)
                .optActivation(ActivationFunction.RELU)
                .optInputShape(6, 7, 2)
                .build(),
            Conv2D.builder()
                .setFilters(2)
                .setKernelSize(2)
                .optStrides(2, 1)
                .optPadding(Padding.VALID)
                .optActivation(ActivationFunction.RELU)
                .build(),
            new Flatten(),
            new Dense(3))
        .setSeed(19);
  }

  /**
   * Forward 3·2·2 + 2·2·3 + 18, loss 3, backward 3 and 2·2·2, first kernel over 6·4 positions × ≤ 2
   * examples.
   */
  private static final long UNEQUAL_STRIDES_TERMS = 12 + 12 + 18 + 3 + 3 + 8 + 24 * 2;

  /** A single channel, strides 2x1. */
  private static Sequential unequalStridesSingleChannelConvModel() {
    return new Sequential(
            Conv2D.builder()
                .setFilters(4)
                .setKernelSize(3)
                .optStrides(2, 1)
                .optPadding(Padding.VALID)
                .optActivation(ActivationFunction.RELU)
                .optInputShape(7, 6, 1)
                .build(),
            new Flatten(),
            new Dense(3))
        .setSeed(20);
  }

  /** Forward 3·3 + 48, loss 3, backward 3, kernel over 3·4 positions × ≤ 3 examples. */
  private static final long UNEQUAL_STRIDES_SINGLE_CHANNEL_TERMS = 9 + 48 + 3 + 3 + 12 * 3;

  @Test
  void unequalStridesConvMatchesBruteForce() {
    long[] shape = {6, 7, 2};
    check(
        "unequal strides",
        UNEQUAL_STRIDES_TERMS,
        ClippingBruteForceTest::unequalStridesConvModel,
        shape,
        12,
        0);
    check(
        "unequal strides microbatches",
        UNEQUAL_STRIDES_TERMS,
        ClippingBruteForceTest::unequalStridesConvModel,
        shape,
        12,
        6);
    long[] single = {7, 6, 1};
    check(
        "unequal strides 1 channel",
        UNEQUAL_STRIDES_SINGLE_CHANNEL_TERMS,
        ClippingBruteForceTest::unequalStridesSingleChannelConvModel,
        single,
        12,
        0);
    check(
        "unequal strides 1 channel microbatches",
        UNEQUAL_STRIDES_SINGLE_CHANNEL_TERMS,
        ClippingBruteForceTest::unequalStridesSingleChannelConvModel,
        single,
        12,
        4);
  }

  /**
   * Forward 3·3·2 + 2·3·3 + 40, loss 3, backward 3 and 2·3·2, first kernel over 9·9 positions × ≤ 3
   * examples.
   */
  private static final long DILATED_TERMS = 18 + 18 + 40 + 3 + 3 + 12 + 81 * 3;

  /** Forward 3·2 + 80, loss 3, backward 3, kernel over 4·5 positions × ≤ 2 examples. */
  private static final long DILATED_SINGLE_CHANNEL_TERMS = 6 + 80 + 3 + 3 + 20 * 2;

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
    check(
        "dilated conv",
        DILATED_TERMS,
        ClippingBruteForceTest::dilatedConvModel,
        new long[] {9, 9, 2},
        12,
        0);
    check(
        "dilated conv microbatches",
        DILATED_TERMS,
        ClippingBruteForceTest::dilatedConvModel,
        new long[] {9, 9, 2},
        12,
        4);
  }

  @Test
  void dilatedSingleChannelConvMatchesBruteForce() {
    check(
        "dilated conv 1 channel",
        DILATED_SINGLE_CHANNEL_TERMS,
        ClippingBruteForceTest::dilatedSingleChannelConvModel,
        new long[] {8, 8, 1},
        12,
        0);
    check(
        "dilated conv 1 channel microbatches",
        DILATED_SINGLE_CHANNEL_TERMS,
        ClippingBruteForceTest::dilatedSingleChannelConvModel,
        new long[] {8, 8, 1},
        12,
        6);
  }
}
