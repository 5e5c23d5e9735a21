package io.dp4j.nn.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.dp4j.data.BatchSampler;
import io.dp4j.data.Dataset;
import io.dp4j.data.SamplingMode;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.AveragePooling2D;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.layers.Dropout;
import io.dp4j.nn.layers.Flatten;
import io.dp4j.nn.layers.Layer;
import io.dp4j.nn.layers.Scattering2D;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.nn.optimizers.SGD;
import io.dp4j.privacy.DPSequential;
import io.dp4j.testing.LayerRunner;
import io.dp4j.testing.TestData;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Finding a model's fixed front end, transforming data through it, and training on the result. */
class FrozenFrontEndTest {
  private static final long[] IMAGE = {12, 12, 1};

  private static Scattering2D scattering() {
    return Scattering2D.builder().setJ(2).optL(4).build();
  }

  @Test
  void theFrontEndIsTheLongestFixedPrefixBeforeATrainableLayer() {
    FrozenFrontEnd front =
        FrozenFrontEnd.of(List.of(scattering(), new Flatten(), new Dense(3)), IMAGE).orElseThrow();
    assertThat(front.size()).isEqualTo(2);
    assertThat(front.outputShape()).containsExactly(3 * 3 * 25);
    assertThat(front.inputShape()).containsExactly(IMAGE);

    // dropout is random in training: it ends the front end
    assertThat(
            FrozenFrontEnd.of(
                    List.of(scattering(), new Dropout(0.5), new Flatten(), new Dense(3)), IMAGE)
                .orElseThrow()
                .size())
        .isEqualTo(1);
    // with rate 0 it is the identity in training too
    assertThat(
            FrozenFrontEnd.of(List.of(new Dropout(0), new Flatten(), new Dense(3)), IMAGE)
                .orElseThrow()
                .size())
        .isEqualTo(2);
    assertThat(FrozenFrontEnd.of(List.of(new Dropout(0.5), new Flatten(), new Dense(3)), IMAGE))
        .isEmpty();
    assertThat(FrozenFrontEnd.of(List.of(new Flatten(), new Dense(3)), IMAGE)).isPresent();
    assertThat(FrozenFrontEnd.of(List.of(new Dense(3), new Dense(2)), new long[] {4})).isEmpty();
    // all fixed: nothing to train after the front end
    assertThat(FrozenFrontEnd.of(List.of(scattering(), new Flatten()), IMAGE)).isEmpty();
  }

  @Test
  void transformIsTheFrontEndsOutputInAnyBatching() {
    Dataset data = TestData.random(7, IMAGE, 3, 5);
    List<Layer> layers =
        List.of(scattering(), new AveragePooling2D(3), new Flatten(), new Dense(2));
    FrozenFrontEnd front = FrozenFrontEnd.of(layers, IMAGE).orElseThrow();
    assertThat(front.size()).isEqualTo(3);
    Dataset all = front.transform(data, 100);
    Dataset inThrees = front.transform(data, 3);
    assertThat(all.exampleShape()).containsExactly(25);
    assertThat(all.size()).isEqualTo(7);
    assertThat(all.labels()).isSameAs(data.labels());
    assertThat(inThrees.features()).containsExactly(all.features());
    // the mean over the 3 x 3 pooled positions of each scattering channel, computed in Java
    float[] direct = scatter(data);
    for (int i = 0; i < 7; i++) {
      for (int k = 0; k < 25; k++) {
        double mean = 0;
        for (int p = 0; p < 9; p++) {
          mean += direct[(i * 9 + p) * 25 + k] / 9.0;
        }
        assertThat((double) all.features()[i * 25 + k])
            .isCloseTo(mean, within(1e-5 * (1 + Math.abs(mean))));
      }
    }
    assertThat(front.transform(data.declaredNotPrivate(), 4).isDeclaredNotPrivate()).isTrue();
    assertThat(front.transform(data, 4).isDeclaredNotPrivate()).isFalse();
  }

  @Test
  void badInputIsRefusedByName() {
    FrozenFrontEnd front =
        FrozenFrontEnd.of(List.of(scattering(), new Flatten(), new Dense(3)), IMAGE).orElseThrow();
    assertThatThrownBy(() -> front.transform(TestData.random(2, new long[] {10, 10, 1}, 2, 1), 8))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("data: examples of shape [10, 10, 1], but the front end takes [12, 12, 1]");
    assertThatThrownBy(() -> front.transform(TestData.random(2, IMAGE, 2, 1), 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("batchSize must be >= 1, got 0");
  }

  /**
   * DP-SGD on cached features gives the weights DP-SGD on the images gives, bit for bit: the front
   * end holds no weights, the rest of the model is initialized from the same seed (the weights are
   * drawn in order, and the front end draws none), the same batches are drawn, the noise of step s
   * comes from the same (seed, s), and the features are computed by the same TensorFlow kernels.
   */
  @Test
  void dpTrainingOnCachedFeaturesEqualsEndToEndDpTraining() {
    Dataset data = TestData.random(24, IMAGE, 3, 11);
    Function<Layer[], Sequential> dp = layers -> new DPSequential(1.0, 1.1, layers);
    List<float[]> endToEnd =
        train(
            dp.apply(
                new Layer[] {
                  Scattering2D.builder().setJ(2).optL(4).optInputShape(IMAGE).build(),
                  new Flatten(),
                  new Dense(8, ActivationFunction.TANH),
                  new Dense(3)
                }),
            data,
            TestData.poisson(24, 0.25, 9));
    FrozenFrontEnd front =
        FrozenFrontEnd.of(
                List.of(
                    scattering(),
                    new Flatten(),
                    new Dense(8, ActivationFunction.TANH),
                    new Dense(3)),
                IMAGE)
            .orElseThrow();
    Sequential tail = dp.apply(new Layer[] {new Dense(8, ActivationFunction.TANH), new Dense(3)});
    tail.setInputShape(front.outputShape());
    List<float[]> cached = train(tail, front.transform(data, 10), TestData.poisson(24, 0.25, 9));

    assertThat(cached).hasSize(4);
    for (int i = 0; i < 4; i++) {
      assertThat(cached.get(i)).as("weight %d", i).containsExactly(endToEnd.get(i));
    }
  }

  @Test
  void plainTrainingOnCachedFeaturesEqualsEndToEndTraining() {
    Dataset data = TestData.random(16, IMAGE, 3, 12);
    BatchSampler batches =
        TestData.fixed(4, SamplingMode.SHUFFLED, TestData.range(0, 4), TestData.range(4, 12));
    List<float[]> endToEnd =
        train(
            new Sequential(
                Scattering2D.builder().setJ(2).optL(4).optInputShape(IMAGE).build(),
                new Flatten(),
                new Dense(3)),
            data,
            batches);
    FrozenFrontEnd front =
        FrozenFrontEnd.of(List.of(scattering(), new Flatten(), new Dense(3)), IMAGE).orElseThrow();
    Sequential tail = new Sequential(new Dense(3)).setInputShape(front.outputShape());
    List<float[]> cached = train(tail, front.transform(data, 5), batches);
    for (int i = 0; i < 2; i++) {
      assertThat(cached.get(i)).as("weight %d", i).containsExactly(endToEnd.get(i));
    }
  }

  private static List<float[]> train(Sequential model, Dataset data, BatchSampler sampler) {
    try (model) {
      model.setSeed(21);
      if (model instanceof DPSequential dp) {
        dp.useFixedNoiseSeedForTesting(5);
      }
      model.compile(new SGD(0.5f), new SparseCategoricalCrossentropy(true));
      float[] initial = model.getWeights().get(0);
      model.fit(data, sampler, 3);
      assertThat(model.getWeights().get(0)).as("training moved the weights").isNotEqualTo(initial);
      return new ArrayList<>(model.getWeights());
    }
  }

  private static float[] scatter(Dataset data) {
    return LayerRunner.apply(scattering(), data.features(), data.size(), IMAGE);
  }
}
