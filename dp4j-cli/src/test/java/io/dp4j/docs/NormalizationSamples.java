package io.dp4j.docs;

import io.dp4j.data.Dataset;
import io.dp4j.data.PoissonSampler;
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
import io.dp4j.privacy.DPSequential;
import java.util.Random;

/** The group normalization and weight standardization example of docs/clipping-registry.md. */
public final class NormalizationSamples {
  private NormalizationSamples() {}

  /**
   * 8x8 one-channel images whose label is the brighter half (left 0, right 1), each at a random
   * brightness: a task for a convolution whose output scale group normalization removes.
   */
  static Dataset halves(int n, long seed) {
    Random r = new Random(seed);
    float[] x = new float[n * 64];
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      y[i] = r.nextInt(2);
      double gain = Math.exp(r.nextGaussian());
      for (int p = 0; p < 64; p++) {
        boolean bright = (p % 8 < 4) == (y[i] == 0);
        x[i * 64 + p] = (float) (gain * ((bright ? 1 : 0) + 0.3 * r.nextGaussian()));
      }
    }
    return new Dataset(x, new long[] {8, 8, 1}, y, new long[0]);
  }

  /** Trains the CNN of the docs under DP and prints its accuracy on fresh images. */
  static void train() {
    Dataset train = halves(1000, 1);
    // [START groupnorm]
    try (DPSequential model =
        new DPSequential(
            1.0, // C
            1.1, // noise multiplier
            Conv2D.builder()
                .setFilters(8)
                .setKernelSize(3)
                .optPadding(Padding.SAME)
                .optWeightStandardization(true) // dp4j-only: not exportable to Keras
                .optInputShape(8, 8, 1)
                .build(),
            new GroupNormalization(4), // 4 groups of 2 channels, statistics per example
            new Activation(ActivationFunction.RELU),
            new Flatten(),
            new Dense(2))) {
      model.compile(new SGD(0.5f), new SparseCategoricalCrossentropy(true), Metric.ACCURACY);
      model.fit(train, PoissonSampler.withExpectedBatchSize(train.size(), 50), 3);
      System.out.printf(
          "accuracy %.2f after %d steps%n",
          model.evaluate(halves(500, 2)).get("accuracy"), model.steps());
    }
    // [END groupnorm]
  }
}
