package io.dp4j.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dp4j.data.Dataset;
import io.dp4j.data.SamplingMode;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.losses.Reduction;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.nn.optimizers.SGD;
import io.dp4j.nn.train.History;
import io.dp4j.nn.train.Metric;
import io.dp4j.privacy.clipping.ClippingRegistry;
import io.dp4j.testing.TestData;
import org.junit.jupiter.api.Test;

class DPSequentialTest {

  @Test
  void trainsWithPoissonBatchesAndOrdinaryOptimizer() {
    Dataset data = TestData.blobs(200, 4);
    for (boolean xla : new boolean[] {false, true}) {
      try (DPSequential model =
          new DPSequential(
              1.0,
              0.5,
              0,
              xla,
              ClippingRegistry.defaults(),
              Dense.builder()
                  .setUnits(8)
                  .optActivation(ActivationFunction.RELU)
                  .optInputShape(2)
                  .build(),
              new Dense(2))) {
        model.setSeed(3);
        model.useFixedNoiseSeedForTesting(77);
        model.compile(new SGD(0.5f), new SparseCategoricalCrossentropy(true), Metric.ACCURACY);
        assertThat(model.isDifferentiallyPrivate()).isTrue();
        assertThat(model.dpSettings().orElseThrow().normalization())
            .isEqualTo(DpSettings.Normalization.EXPECTED_BATCH_SIZE);
        History h = model.fit(data, TestData.poisson(200, 0.1, 5), 4);
        assertThat(model.evaluate(data).get("accuracy")).as("xla " + xla).isGreaterThan(0.9);
        assertThat(h.get("loss")).hasSize(4);
        assertThat(model.privacyLog().steps()).isEqualTo(40);
      }
    }
  }

  @Test
  void aStepIsRecordedBeforeItsSessionRunCanApplyIt() {
    // an id outside the embedding's vocabulary makes Session.run fail (Gather checks its indices
    // on the CPU); the log must hold the step anyway: the record comes before the run, so an
    // update can never be applied unrecorded. A failed run is charged a step that did not happen,
    // the safe direction.
    float[] ids = {0, 1, 2, 3, 1, 2, 3, 0, 2, 99};
    Dataset data = new Dataset(ids, new long[] {2}, new float[] {0, 1, 0, 1, 0}, new long[0]);
    try (DPSequential model =
        new DPSequential(
            1.0,
            1.1,
            new io.dp4j.nn.layers.Embedding(4, 2, new long[] {2}),
            new io.dp4j.nn.layers.Flatten(),
            new Dense(2))) {
      model.setSeed(3);
      model.compile(new SGD(0.5f), new SparseCategoricalCrossentropy(true));
      assertThatThrownBy(() -> model.fit(data, TestData.poisson(5, 1.0, 5), 1))
          .isInstanceOf(RuntimeException.class);
      assertThat(model.steps()).as("no step completed").isZero();
      assertThat(model.privacyLog().steps()).isEqualTo(1);
    }
  }

  @Test
  void dropoutAndPoolingTrainUnderDp() {
    Dataset data = TestData.random(16, new long[] {6, 6, 1}, 2, 3);
    try (DPSequential model =
        new DPSequential(
            1.0,
            1.0,
            io.dp4j.nn.layers.Conv2D.builder()
                .setFilters(2)
                .setKernelSize(3)
                .optPadding(io.dp4j.nn.layers.Padding.SAME)
                .optActivation(ActivationFunction.RELU)
                .optInputShape(6, 6, 1)
                .build(),
            new io.dp4j.nn.layers.MaxPool2D(),
            new io.dp4j.nn.layers.Flatten(),
            new io.dp4j.nn.layers.Dropout(0.5),
            new Dense(2))) {
      model.compile(new SGD(0.1f), new SparseCategoricalCrossentropy(true));
      History h = model.fit(data, TestData.poisson(16, 0.5, 2), 2);
      assertThat(h.get("loss").get(1)).isFinite();
      assertThat(model.outputShape()).containsExactly(2);
    }
  }

  @Test
  void expectedBatchSizeNormalizes() {
    DpSettings s =
        new DpSettings(
            1, 1, 0, DpSettings.Normalization.EXPECTED_BATCH_SIZE, ClippingRegistry.defaults());
    assertThat(s.normalizer(7, 10.0, SamplingMode.SHUFFLED)).isEqualTo(10.0);
    DpSettings tfp =
        new DpSettings(
            1,
            1,
            0,
            DpSettings.Normalization.MICROBATCHES_OR_BATCH_SIZE,
            ClippingRegistry.defaults());
    assertThat(tfp.normalizer(7, 10.0, SamplingMode.SHUFFLED)).isEqualTo(7.0);
    assertThat(tfp.normalizer(7, 10.0, SamplingMode.POISSON)).isEqualTo(10.0);
    DpSettings micro =
        new DpSettings(
            1, 1, 5, DpSettings.Normalization.EXPECTED_BATCH_SIZE, ClippingRegistry.defaults());
    assertThat(micro.normalizer(250, 250.0, SamplingMode.POISSON)).isEqualTo(5.0);
  }

  @Test
  void refusesDpOptimizerAndBadSettings() {
    try (DPSequential model =
        new DPSequential(1.0, 1.0, Dense.builder().setUnits(2).optInputShape(2).build())) {
      assertThatThrownBy(
              () ->
                  model.compile(
                      new DPKerasSGDOptimizer(1, 1, 0, 0.1f),
                      new SparseCategoricalCrossentropy(true, Reduction.NONE)))
          .hasMessageContaining("ordinary optimizer");
    }
    assertThatThrownBy(() -> new DPSequential(-1, 1.0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("l2NormClip must be finite and > 0, got -1.0");
    assertThatThrownBy(() -> new DPKerasAdamOptimizer(1, 1, -2, 0.1f))
        .hasMessageContaining("numMicrobatches");
  }

  @Test
  void otherDpOptimizersTrain() {
    Dataset data = TestData.blobs(40, 4);
    DpOptimizer[] optimizers = {
      new DPKerasAdamOptimizer(1, 0.5, 0, 0.05f),
      new DPKerasAdagradOptimizer(1, 0.5, 4, 0.1f),
      new DPKerasRMSpropOptimizer(1, 0.5, 0, 0.01f),
      new VectorizedDPKerasSGDOptimizer(1, 0.5, 0, 0.1f),
      new DPKerasSGDOptimizer(1, 0.5, 0, new SGD(0.1f, 0.9f))
    };
    for (DpOptimizer optimizer : optimizers) {
      try (var model =
          new io.dp4j.nn.Sequential(Dense.builder().setUnits(2).optInputShape(2).build())) {
        model.compile(optimizer, new SparseCategoricalCrossentropy(true, Reduction.NONE));
        History h = model.fit(data, 8, 2);
        assertThat(h.get("loss").get(1)).as(optimizer.toString()).isFinite();
      }
    }
  }
}
