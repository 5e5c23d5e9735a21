package io.dp4j.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dp4j.data.Dataset;
import io.dp4j.data.PoissonSampler;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.layers.Flatten;
import io.dp4j.nn.losses.BinaryCrossentropy;
import io.dp4j.nn.losses.CategoricalCrossentropy;
import io.dp4j.nn.losses.InvalidLabelException;
import io.dp4j.nn.losses.MeanSquaredError;
import io.dp4j.nn.losses.Reduction;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.nn.optimizers.SGD;
import io.dp4j.nn.train.NonFiniteWeightsException;
import io.dp4j.privacy.DPKerasSGDOptimizer;
import io.dp4j.privacy.ModelPrivacy;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 19, B.4/C.6/C.7 in the library: a model with nothing to train, a label outside what the
 * loss takes and weights that stop being finite each end in a clear exception, never a silent run.
 */
class FitRefusesBadInputTest {

  private static Sequential dense3() {
    return new Sequential(
        Dense.builder()
            .setUnits(3)
            .optActivation(ActivationFunction.SOFTMAX)
            .optInputShape(2)
            .build());
  }

  private static Dataset fourExamples(float[] labels, long... labelShape) {
    return new Dataset(new float[] {0, 1, 1, 0, 1, 1, 0, 0}, new long[] {2}, labels, labelShape);
  }

  @Test
  void aClassIndexOutsideTheModelsClassesIsRefusedBeforeTheFirstStep() {
    try (Sequential m = dense3()) {
      m.compile(
          new DPKerasSGDOptimizer(1.0, 1.1, 0, 0.1f),
          new SparseCategoricalCrossentropy(false, Reduction.NONE));
      Dataset data = fourExamples(new float[] {0, 1, 7, 2});
      assertThatThrownBy(() -> m.fit(data, PoissonSampler.withExpectedBatchSize(4, 2), 1))
          .isInstanceOfSatisfying(
              InvalidLabelException.class, e -> assertThat(e.example()).isEqualTo(2))
          .hasMessageContaining("[0, 3)")
          .hasMessageNotContaining("7");
      assertThat(m.steps()).isZero();
      assertThat(ModelPrivacy.of(m).privacyLog().steps()).isZero();
    }
  }

  @Test
  void aFractionalOrNegativeClassIndexIsRefused() {
    try (Sequential m = dense3()) {
      m.compile(new SGD(0.1f), new SparseCategoricalCrossentropy());
      assertThatThrownBy(() -> m.fit(fourExamples(new float[] {0, 1.5f, 1, 2}), 2, 1))
          .isInstanceOfSatisfying(
              InvalidLabelException.class, e -> assertThat(e.example()).isEqualTo(1));
      assertThatThrownBy(() -> m.fit(fourExamples(new float[] {0, 1, 1, -1}), 2, 1))
          .isInstanceOfSatisfying(
              InvalidLabelException.class, e -> assertThat(e.example()).isEqualTo(3));
      m.fit(fourExamples(new float[] {0, 1, 2, 2}), 2, 1);
      assertThat(m.steps()).isEqualTo(2);
    }
  }

  @Test
  void oneHotAndBinaryTargetsMustLieInTheUnitInterval() {
    float[] oneHot = {1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 1, 0};
    try (Sequential m = dense3()) {
      m.compile(new SGD(0.1f), new CategoricalCrossentropy());
      assertThatThrownBy(() -> m.fit(fourExamples(oneHot, 3), 2, 1))
          .isInstanceOfSatisfying(
              InvalidLabelException.class, e -> assertThat(e.example()).isEqualTo(2))
          .hasMessageContaining("[0, 1]");
      m.compile(new SGD(0.1f), new BinaryCrossentropy());
      float[] binary = {0, 0, 1, 0, 0, 1, 0.5f, 0.5f, 0.25f, 1, 0, -0.5f};
      assertThatThrownBy(() -> m.fit(fourExamples(binary, 3), 2, 1))
          .isInstanceOfSatisfying(
              InvalidLabelException.class, e -> assertThat(e.example()).isEqualTo(3));
    }
  }

  @Test
  void weightsThatStopBeingFiniteStopTrainingNamingTheStep() {
    // w = 1, x = 10, y = 0: the MSE gradient is 2·10·10 = 200, so lr 1e37 moves w to about
    // -2e39, beyond float32 (3.4e38): the first step's weight is -Infinity
    try (Sequential m =
        new Sequential(Dense.builder().setUnits(1).optUseBias(false).optInputShape(1).build())) {
      m.compile(new SGD(1e37f), new MeanSquaredError());
      m.setWeights(List.of(new float[] {1f}));
      Dataset data =
          new Dataset(new float[] {10, 10}, new long[] {1}, new float[] {0, 0}, new long[] {1});
      assertThatThrownBy(() -> m.fit(data, 1, 3))
          .isInstanceOfSatisfying(
              NonFiniteWeightsException.class, e -> assertThat(e.step()).isEqualTo(1))
          .hasMessageContaining("at step 1 (epoch 1, step 1 of the epoch)");
      assertThat(m.steps()).isEqualTo(1);
    }
  }

  @Test
  void finiteTrainingIsNotStopped() {
    try (Sequential m =
        new Sequential(Dense.builder().setUnits(1).optUseBias(false).optInputShape(1).build())) {
      m.compile(new SGD(0.01f), new MeanSquaredError());
      Dataset data =
          new Dataset(new float[] {1, 2}, new long[] {1}, new float[] {2, 4}, new long[] {1});
      m.fit(data, 1, 3);
      assertThat(m.steps()).isEqualTo(6);
    }
  }

  @Test
  void aModelWithoutTrainableParametersHasNothingToTrain() {
    try (Sequential m = new Sequential(new Flatten(2, 2))) {
      assertThatThrownBy(
              () ->
                  m.compile(
                      new DPKerasSGDOptimizer(1.0, 1.1, 0, 0.1f),
                      new MeanSquaredError(Reduction.NONE)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("no trainable parameters")
          .hasMessageContaining("nothing to train");
      // was: a NullPointerException building the DP step
      m.compile(new SGD(0.1f), new MeanSquaredError());
      Dataset data = new Dataset(new float[4], new long[] {2, 2}, new float[4], new long[] {4});
      assertThatThrownBy(() -> m.fit(data, 1, 1)).hasMessageContaining("nothing to train");
      assertThat(m.predict(data)[0]).hasSize(4);
    }
  }
}
