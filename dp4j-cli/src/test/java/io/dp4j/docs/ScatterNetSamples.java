package io.dp4j.docs;

import io.dp4j.data.Dataset;
import io.dp4j.data.PoissonSampler;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.layers.Flatten;
import io.dp4j.nn.layers.Layer;
import io.dp4j.nn.layers.Scattering2D;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.nn.optimizers.SGD;
import io.dp4j.nn.train.FrozenFrontEnd;
import io.dp4j.nn.train.Metric;
import io.dp4j.privacy.DPSequential;
import io.dp4j.privacy.ModelPrivacy;
import io.dp4j.privacy.SecureGaussianNoise;
import io.dp4j.privacy.release.ChannelWhitening;
import java.util.List;

/** The code of docs/scatternet.md. */
public final class ScatterNetSamples {
  private ScatterNetSamples() {}

  /**
   * A ScatterNet + linear model trained with DP-SGD on cached scattering features.
   *
   * @param train images {@code [28, 28, 1]} with class ids 0..9 (MNIST's training split in the
   *     docs)
   * @param test held-out images of the same shape
   * @param epochs passes over the training data
   */
  static void scatterNetLinear(Dataset train, Dataset test, int epochs) {
    // [START scatternet-linear]
    long[] image = train.exampleShape(); // [28, 28, 1]
    List<Layer> layers =
        List.of(
            Scattering2D.builder().setJ(2).optL(8).optInputShape(image).build(), // [7, 7, 81]
            new Flatten(),
            new Dense(10));
    // Scattering2D and Flatten are fixed: compute their output once, train what follows on it
    FrozenFrontEnd front = FrozenFrontEnd.of(layers, image).orElseThrow();
    Dataset trainFeatures = front.transform(train, 256);
    Dataset testFeatures = front.transform(test, 256);
    Layer[] head = layers.subList(front.size(), layers.size()).toArray(Layer[]::new);
    try (DPSequential model = new DPSequential(0.1, 1.0, head)) { // C = 0.1, sigma = 1.0
      model.setInputShape(front.outputShape()); // [3969]
      model.compile(new SGD(4f), new SparseCategoricalCrossentropy(true), Metric.ACCURACY);
      model.fit(trainFeatures, PoissonSampler.withExpectedBatchSize(train.size(), 512), epochs);
      System.out.printf(
          "test accuracy %.4f, epsilon %.3f at delta 1e-5%n",
          model.evaluate(testFeatures).get("accuracy"), model.privacySpent(1e-5).epsilon());
    }
    // [END scatternet-linear]
  }

  /**
   * The same model with the features' channels whitened by a map fitted to their privately released
   * second moments; the release is composed into the model's ε.
   *
   * @param train images {@code [28, 28, 1]} with class ids 0..9
   * @param test held-out images of the same shape
   * @param epochs passes over the training data
   */
  static void scatterNetWhitened(Dataset train, Dataset test, int epochs) {
    long[] image = train.exampleShape();
    List<Layer> layers =
        List.of(
            Scattering2D.builder().setJ(2).optL(8).optInputShape(image).build(),
            new Flatten(),
            new Dense(10));
    FrozenFrontEnd front = FrozenFrontEnd.of(layers, image).orElseThrow();
    Layer[] head = layers.subList(front.size(), layers.size()).toArray(Layer[]::new);
    // [START scatternet-whitened]
    Dataset features = front.transform(train, 256); // [3969] = 7 x 7 positions x 81 channels
    // each image's 81 x 81 channel moments clipped to norm 5, summed, noised with sigma 8 (x 5)
    ChannelWhitening whitening =
        ChannelWhitening.release(features, 81, 5, 8, 0.3, SecureGaussianNoise.secure());
    Dataset trainWhitened = whitening.apply(features);
    Dataset testWhitened = whitening.apply(front.transform(test, 256));
    try (DPSequential model = new DPSequential(0.1, 1.0, head)) {
      model.setInputShape(front.outputShape());
      // the release is a DP event on the same data: epsilon composes it with the steps
      ModelPrivacy.of(model).privacyLog().recordFullDataRelease(whitening.noiseMultiplier());
      model.compile(new SGD(4f), new SparseCategoricalCrossentropy(true), Metric.ACCURACY);
      model.fit(trainWhitened, PoissonSampler.withExpectedBatchSize(train.size(), 512), epochs);
      System.out.printf(
          "test accuracy %.4f, epsilon %.3f at delta 1e-5%n",
          model.evaluate(testWhitened).get("accuracy"), model.privacySpent(1e-5).epsilon());
    }
    // [END scatternet-whitened]
  }
}
