package io.dp4j.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dp4j.data.Dataset;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.Conv2D;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.layers.Dropout;
import io.dp4j.nn.layers.Flatten;
import io.dp4j.nn.layers.MaxPool2D;
import io.dp4j.nn.layers.Padding;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.nn.optimizers.SGD;
import io.dp4j.nn.train.EpochEvent;
import io.dp4j.nn.train.History;
import io.dp4j.nn.train.Metric;
import io.dp4j.nn.train.TrainingListener;
import io.dp4j.testing.TestData;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SequentialTest {

  private static Sequential mlp(long seed) {
    return new Sequential(
            Dense.builder()
                .setUnits(8)
                .optActivation(ActivationFunction.RELU)
                .optInputShape(2)
                .build(),
            new Dropout(0.1),
            new Dense(2))
        .setSeed(seed);
  }

  @Test
  void fitWithABatchSizeAboveTheDataTakesOneFullBatchPerEpoch() {
    // fit(data, batchSize, epochs) shuffles with data.ShuffledSampler, its batch size capped at n
    Dataset data = TestData.blobs(10, 1);
    List<EpochEvent> events = new ArrayList<>();
    try (Sequential model = mlp(3)) {
      model.addTrainingListener(
          new TrainingListener() {
            @Override
            public void onEpoch(EpochEvent event) {
              events.add(event);
            }
          });
      model.compile(new SGD(0.1f), new SparseCategoricalCrossentropy(true));
      model.fit(data, 32, 2);
      assertThat(events).extracting(EpochEvent::steps).containsExactly(1L, 2L);
    }
  }

  @Test
  void fitsSeparableBlobs() {
    Dataset data = TestData.blobs(64, 1);
    List<EpochEvent> events = new ArrayList<>();
    try (Sequential model = mlp(7)) {
      model.addTrainingListener(
          new TrainingListener() {
            @Override
            public void onEpoch(EpochEvent event) {
              events.add(event);
            }
          });
      model.compile(new SGD(0.1f, 0.9f), new SparseCategoricalCrossentropy(true), Metric.ACCURACY);
      History history = model.fit(data, 16, 15);
      assertThat(history.epochs()).isEqualTo(15);
      assertThat(history.get("loss").get(14)).isLessThan(history.get("loss").get(0));
      assertThat(model.evaluate(data).get("accuracy")).isGreaterThan(0.95);
      assertThat(events).hasSize(15);
      assertThat(events.get(14).steps()).isEqualTo(60);
      float[][] predictions = model.predict(data);
      assertThat(predictions).hasNumberOfRows(64);
      assertThat(predictions[0]).hasSize(2);
      assertThat(model.isDifferentiallyPrivate()).isFalse();
    }
  }

  @Test
  void emptyEvaluationDataIsRefusedNotReportedAsNaN() {
    Dataset data = TestData.blobs(16, 1);
    Dataset empty = data.gather(new int[0]);
    try (Sequential model = mlp(7)) {
      model.compile(new SGD(0.1f), new SparseCategoricalCrossentropy(true), Metric.ACCURACY);
      assertThatThrownBy(() -> model.evaluate(empty))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("data is empty");
      assertThatThrownBy(() -> model.evaluate(data, 0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("batchSize must be >= 1");
      assertThatThrownBy(() -> model.fit(data, 8, 1, empty))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("validationData is empty");
      assertThat(model.steps()).isZero();
    }
  }

  @Test
  void initializationIsReproducibleFromSeedAndWeightsRoundTrip() {
    try (Sequential a = mlp(3);
        Sequential b = mlp(3);
        Sequential c = mlp(4)) {
      a.compile(new SGD(), new SparseCategoricalCrossentropy(true));
      b.compile(new SGD(), new SparseCategoricalCrossentropy(true));
      c.compile(new SGD(), new SparseCategoricalCrossentropy(true));
      assertThat(a.getWeights().get(0)).containsExactly(b.getWeights().get(0));
      assertThat(a.getWeights().get(0)).isNotEqualTo(c.getWeights().get(0));
      assertThat(a.getWeights().get(1)).containsOnly(0f);
      float limit = (float) Math.sqrt(6.0 / (2 + 8));
      for (float w : a.getWeights().get(0)) {
        assertThat(Math.abs(w)).isLessThanOrEqualTo(limit);
      }
      c.setWeights(a.getWeights());
      assertThat(c.getWeights().get(2)).containsExactly(a.getWeights().get(2));
      assertThat(a.weightShapes())
          .containsOnlyKeys("dense_1_kernel", "dense_1_bias", "dense_2_kernel", "dense_2_bias");
      assertThat(a.parameterCount()).isEqualTo(2 * 8 + 8 + 8 * 2 + 2);
      assertThat(a.summary()).contains("dense_1", "Dropout", "[8]", "Total params: 42");
      assertThatThrownBy(() -> a.setWeights(List.of(new float[1])))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void convNetTrains() {
    Dataset data = TestData.random(12, new long[] {8, 8, 1}, 3, 5);
    try (Sequential model =
        new Sequential(
                Conv2D.builder()
                    .setFilters(4)
                    .setKernelSize(3)
                    .optStrides(2)
                    .optPadding(Padding.SAME)
                    .optActivation(ActivationFunction.RELU)
                    .optInputShape(8, 8, 1)
                    .build(),
                new MaxPool2D(2, 1),
                new Flatten(),
                new Dense(3))
            .setSeed(1)) {
      model.compile(new SGD(0.05f), new SparseCategoricalCrossentropy(true), Metric.ACCURACY);
      assertThat(model.outputShape()).containsExactly(3);
      History h = model.fit(data, 4, 5);
      assertThat(h.get("loss").get(4)).isLessThan(h.get("loss").get(0));
    }
  }

  @Test
  void firstLayerMustDeclareInputShape() {
    try (Sequential model = new Sequential(new Dense(3))) {
      assertThatThrownBy(() -> model.compile(new SGD(), new SparseCategoricalCrossentropy()))
          .hasMessageContaining("input shape");
    }
  }
}
