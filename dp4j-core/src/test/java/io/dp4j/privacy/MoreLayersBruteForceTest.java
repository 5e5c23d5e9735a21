package io.dp4j.privacy;

import io.dp4j.data.Dataset;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.AveragePooling2D;
import io.dp4j.nn.layers.Conv1D;
import io.dp4j.nn.layers.Conv2D;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.layers.Embedding;
import io.dp4j.nn.layers.Flatten;
import io.dp4j.nn.layers.GlobalAveragePooling2D;
import io.dp4j.nn.layers.LayerNormalization;
import io.dp4j.nn.layers.Padding;
import io.dp4j.nn.layers.Reshape;
import io.dp4j.testing.TestData;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Brute-force checks of the Conv1D, Embedding and LayerNormalization rules and pooling layers. */
class MoreLayersBruteForceTest {
  private static final float[] SCALES = {30f, 0.01f, 1f, 5f, 0.1f, 50f};

  // Terms accumulated from the input to a parameter gradient (ClippingBruteForceTest's bounds).

  /**
   * Forward 3·3 + 2·4 + 4, loss 3, backward 3 and 2·2 (second convolution to its input), first
   * kernel over 3 positions × ≤ 3 examples.
   */
  private static final long CONV1D_TERMS = 9 + 8 + 4 + 3 + 3 + 4 + 3 * 3;

  /**
   * Forward 5, normalization 4 + 4, 12, loss 3, backward 3 and 4 + 4, first kernel over 3 steps × ≤
   * 4 examples.
   */
  private static final long LAYER_NORM_TERMS = 5 + 8 + 12 + 3 + 3 + 8 + 3 * 4;

  /** Normalization 4 + 4, forward 20, loss 3, backward 3 and 4 + 4, rows over 5 ids × ≤ 3. */
  private static final long EMBEDDING_TERMS = 8 + 20 + 3 + 3 + 8 + 5 * 3;

  /** Forward 120, loss 3, backward 3, rows over ≤ 40 ids × ≤ 9 examples. */
  private static final long LONG_EMBEDDING_TERMS = 120 + 3 + 3 + 40 * 9;

  /**
   * Forward 2·2·2 + average 4 + global average 9 + 3, loss 3, backward 3 and 4, kernel over 3·3
   * positions.
   */
  private static final long POOLING_TERMS = 8 + 4 + 9 + 3 + 3 + 3 + 4 + 9;

  /** Forward 3·32 + 6·4, loss 3, backward 3, kernel over 6 positions × ≤ 3 examples. */
  private static final long WIDE_CONV1D_TERMS = 96 + 24 + 3 + 3 + 6 * 3;

  /** Stride 1 on 32 channels: the shifted-input formulation, through Conv1D's height-1 view. */
  private static Sequential wideConv1d() {
    return new Sequential(
            new Conv1D(new long[] {6, 32}, 4, 3, 1, Padding.SAME, ActivationFunction.RELU),
            new Flatten(),
            new Dense(3))
        .setSeed(22);
  }

  private static Sequential conv1d() {
    return new Sequential(
            new Conv1D(new long[] {6, 3}, 4, 3, 2, Padding.SAME, ActivationFunction.RELU),
            new Conv1D(2, 2, ActivationFunction.RELU),
            new Flatten(),
            new Dense(3))
        .setSeed(21);
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
        .setSeed(22);
  }

  private static Sequential embedding() {
    return new Sequential(
            new Embedding(7, 4, new long[] {5}),
            new LayerNormalization(),
            new Flatten(),
            new Dense(3))
        .setSeed(23);
  }

  private static Sequential pooling() {
    return new Sequential(
            new Reshape(4, 4, 2),
            Conv2D.builder()
                .setFilters(3)
                .setKernelSize(2)
                .optActivation(ActivationFunction.RELU)
                .build(),
            new AveragePooling2D(2, 1, Padding.SAME),
            new GlobalAveragePooling2D(),
            new Dense(3))
        .setInputShape(32)
        .setSeed(24);
  }

  private static Dataset ids(int n) {
    Random r = new Random(4);
    float[] x = new float[n * 5];
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextInt(4) * (i % 5 == 0 ? 1 : 2) % 7; // repeated ids within examples
    }
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      y[i] = r.nextInt(3);
    }
    return new Dataset(x, new long[] {5}, y, new long[0]);
  }

  @Test
  void conv1dMatchesBruteForce() {
    checkConv1d("conv1d", CONV1D_TERMS, MoreLayersBruteForceTest::conv1d, 3, 7);
  }

  @Test
  void wideConv1dMatchesBruteForce() {
    checkConv1d(
        "conv1d 32 channels", WIDE_CONV1D_TERMS, MoreLayersBruteForceTest::wideConv1d, 32, 8);
  }

  /** 12 sequences of length 6, per example and in 4 microbatches of 3. */
  private static void checkConv1d(
      String label, long terms, Supplier<Sequential> model, long channels, long seed) {
    long[] shape = {6, channels};
    Dataset data = TestData.scaled(12, shape, 3, seed, 1, SCALES);
    ClippingBruteForceTest.check(label, terms, model, data, 0, 9);
    Dataset grouped = TestData.scaled(12, shape, 3, seed, 3, SCALES);
    ClippingBruteForceTest.check(label + " microbatches", terms, model, grouped, 4, 9);
  }

  @Test
  void layerNormalizationMatchesBruteForce() {
    Dataset data = TestData.scaled(12, new long[] {3, 5}, 3, 8, 1, SCALES);
    ClippingBruteForceTest.check(
        "layernorm", LAYER_NORM_TERMS, MoreLayersBruteForceTest::layerNorm, data, 0, 1.5);
    ClippingBruteForceTest.check(
        "layernorm microbatches",
        LAYER_NORM_TERMS,
        MoreLayersBruteForceTest::layerNorm,
        data,
        3,
        1.05);
  }

  @Test
  void embeddingMatchesBruteForce() {
    Dataset data = ids(12);
    ClippingBruteForceTest.check(
        "embedding", EMBEDDING_TERMS, MoreLayersBruteForceTest::embedding, data, 0, 1.2);
    ClippingBruteForceTest.check(
        "embedding microbatches",
        EMBEDDING_TERMS,
        MoreLayersBruteForceTest::embedding,
        data,
        4,
        1.05);
  }

  @Test
  void longSequencesWithManyRepeatsAndASingleUnitMatchBruteForce() {
    Random r = new Random(6);
    int n = 9;
    float[] x = new float[n * 40];
    for (int i = 0; i < x.length; i++) {
      // ids 0..49, many repeats within an example, the last ids of the vocabulary included
      x[i] = r.nextBoolean() ? r.nextInt(4) : 46 + r.nextInt(4);
    }
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      y[i] = r.nextInt(3);
    }
    Dataset data = new Dataset(x, new long[] {40}, y, new long[0]);
    java.util.function.Supplier<Sequential> model =
        () ->
            new Sequential(new Embedding(50, 3, new long[] {40}), new Flatten(), new Dense(3))
                .setSeed(24);
    ClippingBruteForceTest.check("long embedding", LONG_EMBEDDING_TERMS, model, data, 0, 0.5);
    ClippingBruteForceTest.check(
        "long embedding one unit", LONG_EMBEDDING_TERMS, model, data, 1, 0.5);
    ClippingBruteForceTest.check(
        "long embedding microbatches", LONG_EMBEDDING_TERMS, model, data, 3, 0.5);
  }

  @Test
  void poolingAndReshapeModelMatchesBruteForce() {
    Dataset data = TestData.scaled(12, new long[] {32}, 3, 9, 1, SCALES);
    ClippingBruteForceTest.check(
        "pooling", POOLING_TERMS, MoreLayersBruteForceTest::pooling, data, 0, 9);
  }
}
