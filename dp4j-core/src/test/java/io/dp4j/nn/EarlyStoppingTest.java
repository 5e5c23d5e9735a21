package io.dp4j.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.dp4j.data.Dataset;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.losses.MeanSquaredError;
import io.dp4j.nn.losses.Reduction;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.nn.optimizers.SGD;
import io.dp4j.nn.train.EarlyStopping;
import io.dp4j.nn.train.EpochEvent;
import io.dp4j.nn.train.History;
import io.dp4j.nn.train.Metric;
import io.dp4j.nn.train.TrainableModel;
import io.dp4j.nn.train.TrainingListener;
import io.dp4j.privacy.DPKerasSGDOptimizer;
import io.dp4j.testing.TestData;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** Validation metrics in the history, and early stopping. */
class EarlyStoppingTest {

  /** y = slope·x for x = -2..2 step 0.5, one feature, one target. */
  private static Dataset line(float slope) {
    float[] x = new float[9];
    float[] y = new float[9];
    for (int i = 0; i < 9; i++) {
      x[i] = -2f + 0.5f * i;
      y[i] = slope * x[i];
    }
    return new Dataset(x, new long[] {1}, y, new long[] {1});
  }

  /**
   * {@code p = w·x} at the optimum w = 2 of {@link #line line(2)}: the training gradient is 0, so
   * the weight and every loss stay exactly constant whatever the learning rate.
   */
  private static Sequential stationary() {
    Sequential m =
        new Sequential(Dense.builder().setUnits(1).optUseBias(false).optInputShape(1).build());
    m.compile(new SGD(0.1f), new MeanSquaredError());
    m.setWeights(List.of(new float[] {2f}));
    return m;
  }

  /** mean((y - w·x)²) over a line dataset, in Java. */
  private static double mse(Dataset d, double w) {
    double s = 0;
    for (int i = 0; i < d.size(); i++) {
      double e = d.labels()[i] - w * d.features()[i];
      s += e * e;
    }
    return s / d.size();
  }

  @Test
  void validationMetricsUseKerasNamesAndJavaValues() {
    Dataset train = line(2f);
    Dataset validation = line(-1f);
    try (Sequential m = stationary()) {
      History h = m.fit(train, 3, 2, validation);
      assertThat(h.asMap().keySet()).containsExactly("loss", "val_loss");
      assertThat(h.get("val_loss"))
          .allSatisfy(v -> assertThat(v).isCloseTo(mse(validation, 2), within(1e-6)));
      // errors -3x, mean of x² over -2..2 step 0.5 = 15/9
      assertThat(mse(validation, 2)).isCloseTo(9 * 15.0 / 9, within(1e-12));
      assertThat(h.get("loss")).allSatisfy(v -> assertThat(v).isZero());
    }
    try (Sequential m =
        new Sequential(Dense.builder().setUnits(2).optInputShape(2).build()).setSeed(3)) {
      m.compile(new SGD(0.1f), new SparseCategoricalCrossentropy(true), Metric.ACCURACY);
      Dataset blobs = TestData.blobs(40, 2);
      Dataset held = TestData.blobs(20, 5);
      History h = m.fit(blobs, 8, 3, held);
      assertThat(h.asMap().keySet())
          .containsExactly("loss", "accuracy", "val_loss", "val_accuracy");
      Map<String, Double> after = m.evaluate(held);
      assertThat(h.get("val_loss").get(2)).isEqualTo(after.get("loss"));
      assertThat(h.get("val_accuracy").get(2)).isEqualTo(after.get("accuracy"));
    }
  }

  @Test
  void stopsAfterPatienceEpochsWithoutImprovement() {
    Dataset train = line(2f);
    for (int patience : new int[] {0, 1, 3}) {
      EarlyStopping stop = new EarlyStopping("val_loss", patience);
      List<String> calls = new ArrayList<>();
      try (Sequential m = stationary()) {
        m.addTrainingListener(stop);
        m.addTrainingListener(
            new TrainingListener() {
              @Override
              public void onTrainingBegin(TrainableModel model) {
                calls.add("begin");
              }

              @Override
              public void onEpoch(EpochEvent event) {
                calls.add("epoch" + event.epoch());
              }

              @Override
              public void onTrainingEnd(TrainableModel model, History history) {
                calls.add("end" + history.epochs());
              }
            });
        History h = m.fit(train, 3, 20, line(-1f));
        // the loss never improves on the first epoch; patience 0 still runs 2 epochs
        int expectedEpochs = Math.max(2, patience + 1);
        assertThat(h.epochs()).as("patience " + patience).isEqualTo(expectedEpochs);
        assertThat(stop.stoppedEpoch()).hasValue(expectedEpochs - 1);
        assertThat(stop.bestEpoch()).isZero();
        assertThat(m.steps()).isEqualTo(3L * expectedEpochs);
        assertThat(calls.get(0)).isEqualTo("begin");
        assertThat(calls.get(calls.size() - 1)).isEqualTo("end" + expectedEpochs);
        // the flag is cleared by the next fit
        assertThat(m.fit(train, 3, 1).epochs()).isEqualTo(1);
      }
    }
  }

  /**
   * Training towards y = 2x makes the loss on y = -x rise every epoch, so epoch 0 is the best; with
   * patience 2 training stops after epoch 2 and restores epoch 0's weights.
   */
  @Test
  void restoresTheBestWeights() {
    List<float[]> weightsPerEpoch = new ArrayList<>();
    try (Sequential m =
        new Sequential(Dense.builder().setUnits(1).optUseBias(false).optInputShape(1).build())) {
      m.compile(new SGD(0.05f), new MeanSquaredError());
      m.setWeights(List.of(new float[] {0f}));
      m.addTrainingListener(
          new TrainingListener() {
            @Override
            public void onEpoch(EpochEvent event) {
              weightsPerEpoch.add(m.getWeights().get(0));
            }
          });
      EarlyStopping stop = new EarlyStopping("val_loss", 0, 2, true);
      m.addTrainingListener(stop);
      History h = m.fit(line(2f), 9, 10, line(-1f));
      assertThat(h.epochs()).isEqualTo(3);
      assertThat(h.get("val_loss").get(1)).isGreaterThan(h.get("val_loss").get(0));
      assertThat(weightsPerEpoch.get(2)[0]).isNotEqualTo(weightsPerEpoch.get(0)[0]);
      assertThat(m.getWeights().get(0)).containsExactly(weightsPerEpoch.get(0));
      assertThat(m.evaluate(line(-1f)).get("loss")).isEqualTo(h.get("val_loss").get(0));
    }
  }

  /** A DP model at the optimum of {@link #line line(2)} with σ = 0: clipped gradients 0. */
  private static Sequential dpStationary() {
    Sequential m =
        new Sequential(Dense.builder().setUnits(1).optUseBias(false).optInputShape(1).build());
    m.compile(new DPKerasSGDOptimizer(1.0, 0.0, 0, 0.1f), new MeanSquaredError(Reduction.NONE));
    m.setWeights(List.of(new float[] {2f}));
    return m;
  }

  @Test
  void earlyStoppingWorksWithDpTrainingOnValidationDeclaredNotPrivate() {
    try (Sequential m = dpStationary()) {
      m.addTrainingListener(new EarlyStopping("val_loss", 1));
      History h = m.fit(line(2f), 3, 10, line(-1f).declaredNotPrivate());
      assertThat(h.epochs()).isEqualTo(2);
      // only the steps run are accounted for
      assertThat(m.steps()).isEqualTo(6);
      assertThat(m.isDifferentiallyPrivate()).isTrue();
    }
  }

  @Test
  void dpTrainingRefusesToStopOnTrainingMetricsBeforeAnyStep() {
    try (Sequential m = dpStationary()) {
      m.addTrainingListener(new EarlyStopping("loss", 1));
      assertThatThrownBy(() -> m.fit(line(2f), 3, 10, line(-1f).declaredNotPrivate()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("monitor \"loss\"")
          .hasMessageContaining("private training batches");
      assertThat(m.steps()).isZero();
    }
  }

  @Test
  void dpTrainingRefusesToStopOnValidationDataNotDeclaredNotPrivate() {
    try (Sequential m = dpStationary()) {
      m.addTrainingListener(new EarlyStopping("val_loss", 1));
      assertThatThrownBy(() -> m.fit(line(2f), 3, 10, line(-1f)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("monitor \"val_loss\"")
          .hasMessageContaining("declaredNotPrivate()");
      assertThat(m.steps()).isZero();
    }
  }

  @Test
  void withoutDpTrainingMetricsMayStillBeMonitored() {
    try (Sequential m = stationary()) {
      m.addTrainingListener(new EarlyStopping("loss", 1));
      assertThat(m.fit(line(2f), 3, 10).epochs()).isEqualTo(2);
    }
  }

  @Test
  void theDeclarationBelongsToTheInstanceOnly() {
    Dataset declared = line(1f).declaredNotPrivate();
    assertThat(declared.isDeclaredNotPrivate()).isTrue();
    assertThat(line(1f).isDeclaredNotPrivate()).isFalse();
    assertThat(declared.slice(0, 3).isDeclaredNotPrivate()).isFalse();
    assertThat(declared.features()).containsExactly(line(1f).features());
    assertThat(declared.size()).isEqualTo(9);
  }

  /** A fake model: weights are one counter, set by the test. */
  private static final class FakeModel implements TrainableModel {
    float weight;
    boolean stopped;

    @Override
    public List<float[]> getWeights() {
      return List.of(new float[] {weight});
    }

    @Override
    public void setWeights(List<float[]> weights) {
      weight = weights.get(0)[0];
    }

    @Override
    public void stopTraining() {
      stopped = true;
    }
  }

  /** Runs values through the listener; returns the epoch at which it stopped, or -1. */
  private static int run(EarlyStopping stop, FakeModel model, String key, double... values) {
    stop.onTrainingBegin(model);
    for (int e = 0; e < values.length; e++) {
      model.weight = e;
      stop.onEpoch(new EpochEvent(e, Map.of(key, values[e]), OptionalDouble.empty(), e));
      if (model.stopped) {
        return e;
      }
    }
    return -1;
  }

  @Test
  void kerasSemanticsOnSyntheticValues() {
    // min mode: improvements must exceed minDelta 0.1; 0.95 and 0.91 do not improve on 1.0
    assertThat(
            run(
                new EarlyStopping("val_loss", 0.1, 2, false),
                new FakeModel(),
                "val_loss",
                1.0,
                0.95,
                0.91,
                0.5))
        .isEqualTo(2);
    // without minDelta they do
    assertThat(
            run(
                new EarlyStopping("val_loss", 0, 2, false),
                new FakeModel(),
                "val_loss",
                1.0,
                0.95,
                0.91,
                0.9))
        .isEqualTo(-1);
    // accuracy: higher is better (auto mode)
    EarlyStopping acc = new EarlyStopping("val_accuracy", 1);
    assertThat(acc.maximizes()).isTrue();
    assertThat(run(acc, new FakeModel(), "val_accuracy", 0.5, 0.6, 0.7, 0.65)).isEqualTo(3);
    assertThat(acc.bestEpoch()).isEqualTo(2);
    assertThat(acc.best()).isEqualTo(0.7);
    // restore: weights of the best epoch (the fake sets weight = epoch)
    FakeModel model = new FakeModel();
    EarlyStopping restore = new EarlyStopping("loss", 0, 2, true);
    assertThat(run(restore, model, "loss", 3.0, 1.0, 2.0, 1.5)).isEqualTo(3);
    assertThat(model.weight).isEqualTo(1f);
    // a baseline not reached: patience counts from the start
    assertThat(
            run(
                new EarlyStopping("loss", 0, 2, EarlyStopping.Mode.MIN, 0.5, false),
                new FakeModel(),
                "loss",
                3.0,
                2.0,
                1.0))
        .isEqualTo(1);
    // a missing metric never stops training
    assertThat(run(new EarlyStopping("val_loss", 0), new FakeModel(), "loss", 1, 2, 3))
        .isEqualTo(-1);
  }
}
