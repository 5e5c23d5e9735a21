package io.dp4j.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import io.dp4j.data.BatchSampler;
import io.dp4j.data.Dataset;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.layers.Dropout;
import io.dp4j.nn.layers.Flatten;
import io.dp4j.nn.layers.Layer;
import io.dp4j.nn.layers.Scattering2D;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.nn.optimizers.SGD;
import io.dp4j.testing.TestData;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * {@code fit} on the cached features of a model's fixed front end trains the model exactly as
 * end-to-end training does: the same weights bit for bit and the same privacy log. The steps run
 * the same graph either way, fed the front end's output instead of computing it.
 */
class FrontEndCachingTest {
  private static final long[] IMAGE = {12, 12, 1};

  private static Layer[] scatteringModel() {
    return new Layer[] {
      Scattering2D.builder().setJ(2).optL(4).optInputShape(IMAGE).build(),
      new Flatten(),
      new Dense(8, ActivationFunction.TANH),
      new Dropout(0.3), // seeded by its index in the model: the same with or without caching
      new Dense(3)
    };
  }

  /** A frozen Dense is part of the front end: its weights do not change in training. */
  private static Layer[] frozenDenseModel() {
    Dense frozen = new Dense(6, ActivationFunction.TANH);
    frozen.setTrainable(false);
    return new Layer[] {new Flatten(IMAGE), frozen, new Dense(3)};
  }

  @Test
  void dpTrainingOnCachedFeaturesEqualsEndToEndDpTraining() {
    check(FrontEndCachingTest::scatteringModel, 2, new long[] {3 * 3 * 25});
    check(FrontEndCachingTest::frozenDenseModel, 2, new long[] {6});
  }

  private static void check(Supplier<Layer[]> layers, int frontSize, long[] features) {
    Dataset data = TestData.random(24, IMAGE, 3, 11);
    Trained cached = train(layers.get(), data, true, features);
    Trained endToEnd = train(layers.get(), data, false, null);
    assertThat(cached.weights()).hasSameSizeAs(endToEnd.weights());
    for (int i = 0; i < cached.weights().size(); i++) {
      assertThat(cached.weights().get(i))
          .as("weight %d", i)
          .containsExactly(endToEnd.weights().get(i));
    }
    assertThat(cached.log()).isEqualTo(endToEnd.log());
    assertThat(cached.log().events()).isNotEmpty();
  }

  private record Trained(List<float[]> weights, PrivacyLog.Snapshot log) {}

  private static Trained train(Layer[] layers, Dataset data, boolean caching, long[] features) {
    try (DPSequential model = new DPSequential(1.0, 1.1, layers)) {
      model.setSeed(21).setFrontEndCaching(caching);
      model.useFixedNoiseSeedForTesting(5);
      model.compile(new SGD(0.5f), new SparseCategoricalCrossentropy(true));
      if (caching) {
        // what fit trains on: the front end's features, not the images
        Dataset fed = model.trainingData(data);
        model.endFit();
        assertThat(fed.exampleShape()).containsExactly(features);
        assertThat(fed.labels()).isSameAs(data.labels());
      }
      List<float[]> initial = model.getWeights();
      BatchSampler sampler = TestData.poisson(24, 0.25, 9);
      model.fit(data, sampler, 3);
      List<float[]> trained = model.getWeights();
      assertThat(trained.get(trained.size() - 1)).isNotEqualTo(initial.get(initial.size() - 1));
      return new Trained(trained, ModelPrivacy.of(model).privacyLog().snapshot());
    }
  }

  @Test
  void aModelWithoutAFixedFrontEndTrainsOnItsExamples() {
    Dataset data = TestData.random(4, new long[] {5}, 3, 1);
    try (Sequential model = new Sequential(Dense.builder().setUnits(3).optInputShape(5).build())) {
      model.compile(new SGD(0.1f), new SparseCategoricalCrossentropy(true));
      assertThat(model.trainingData(data)).isSameAs(data);
    }
  }
}
