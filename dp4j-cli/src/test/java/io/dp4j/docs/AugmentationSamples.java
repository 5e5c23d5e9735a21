package io.dp4j.docs;

import io.dp4j.data.Augmentation;
import io.dp4j.data.Dataset;
import io.dp4j.data.PoissonSampler;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.Conv2D;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.layers.Flatten;
import io.dp4j.nn.layers.Padding;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.nn.optimizers.SGD;
import io.dp4j.nn.optimizers.schedules.CosineDecay;
import io.dp4j.nn.optimizers.schedules.LinearWarmup;
import io.dp4j.nn.train.Metric;
import io.dp4j.privacy.DPSequential;

/** The augmentation multiplicity and SGD schedule example of docs/augmentation-and-schedules.md. */
public final class AugmentationSamples {
  private AugmentationSamples() {}

  /** Trains with K = 4 cropped copies per example (or none), prints ε and the test accuracy. */
  static double train(int k) {
    Dataset train = NormalizationSamples.halves(2000, 1);
    Dataset test = NormalizationSamples.halves(500, 2);
    int epochs = 3;
    // [START augmentation-multiplicity]
    try (DPSequential model =
        new DPSequential(
            1.0, // C
            1.1, // sigma
            Conv2D.builder()
                .setFilters(4)
                .setKernelSize(3)
                .optPadding(Padding.SAME)
                .optActivation(ActivationFunction.TANH)
                .optInputShape(8, 8, 1)
                .build(),
            new Flatten(),
            new Dense(2))) {
      if (k > 1) {
        // K copies per example, each a random crop of the image reflect-padded by 1 pixel; no
        // flip: these labels say which half is brighter
        model.augmentationMultiplicity(k, Augmentation.crop(1));
      }
      PoissonSampler sampler = PoissonSampler.withExpectedBatchSize(train.size(), 100);
      long steps = (long) epochs * sampler.stepsPerEpoch();
      // Nesterov momentum, 5 warm-up steps, then cosine decay to 0 over the remaining steps
      SGD sgd = new SGD(new LinearWarmup(new CosineDecay(0.5, steps - 5, 0), 5), 0.9f, true);
      model.compile(sgd, new SparseCategoricalCrossentropy(true), Metric.ACCURACY);
      model.fit(train, sampler, epochs);
      double epsilon = model.privacySpent(1e-5).epsilon();
      System.out.printf(
          "K=%d: epsilon %.3f, test accuracy %.3f%n",
          k, epsilon, model.evaluate(test).get("accuracy"));
      // [END augmentation-multiplicity]
      return epsilon;
    }
  }
}
