package io.dp4j.nn.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.dp4j.data.BatchSampler;
import io.dp4j.data.Dataset;
import io.dp4j.data.SamplingMode;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.nn.optimizers.SGD;
import io.dp4j.privacy.DPSequential;
import io.dp4j.privacy.ModelPrivacy;
import io.dp4j.testing.Float32RoundOff;
import io.dp4j.testing.TestData;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Parameter averaging checked against the recurrence computed in float64 from each step's weights.
 */
class ParameterAveragingTest {
  private static final Dataset DATA = TestData.random(32, new long[] {5}, 3, 17);

  private static DPSequential model(ParameterAveraging averaging) {
    DPSequential model =
        new DPSequential(
            1.0,
            0.8,
            Dense.builder()
                .setUnits(6)
                .optActivation(ActivationFunction.TANH)
                .optInputShape(5)
                .build(),
            new Dense(3));
    model.setSeed(3).setParameterAveraging(averaging);
    model.useFixedNoiseSeedForTesting(11);
    model.compile(new SGD(0.5f), new SparseCategoricalCrossentropy(true));
    return model;
  }

  /** Records the weights after every step. */
  private static final class Recorder implements TrainingListener {
    final List<List<float[]>> steps = new ArrayList<>();
    private TrainableModel model;

    @Override
    public void onTrainingBegin(TrainableModel trained) {
      model = trained;
    }

    @Override
    public void onTrainingBatch(BatchEvent event) {
      steps.add(model.getWeights());
    }
  }

  @Test
  void averagesFollowTheRecurrenceInFloat64AndFitLeavesThemInTheModel() {
    for (ParameterAveraging averaging :
        List.of(ParameterAveraging.ema(0.9), ParameterAveraging.ema(0.95).withWarmup())) {
      try (DPSequential model = model(averaging)) {
        List<float[]> initial = model.getWeights();
        Recorder recorder = new Recorder();
        model.addTrainingListener(recorder);
        model.fit(DATA, TestData.poisson(32, 0.25, 4), 4);
        List<List<float[]>> steps = recorder.steps;
        assertThat(steps.size()).isGreaterThan(10);

        List<double[]> expected = new ArrayList<>();
        double max = 0;
        for (float[] w : initial) {
          double[] a = new double[w.length];
          for (int i = 0; i < w.length; i++) {
            a[i] = w[i];
            max = Math.max(max, Math.abs(w[i]));
          }
          expected.add(a);
        }
        for (int t = 0; t < steps.size(); t++) {
          double m = averaging.momentum(t);
          for (int p = 0; p < expected.size(); p++) {
            float[] w = steps.get(t).get(p);
            double[] a = expected.get(p);
            for (int i = 0; i < a.length; i++) {
              a[i] = m * a[i] + (1 - m) * w[i];
              max = Math.max(max, Math.abs(w[i]));
            }
          }
        }
        // Each float32 update a - (1 - m)(a - w) rounds 3 operations on values of at most 2·max,
        // and m itself is rounded: at most 5u·2·max per step; errors of earlier steps shrink by m,
        // so over T steps they add up to at most T times that.
        double tolerance = 10 * Float32RoundOff.UNIT_ROUNDOFF * max * steps.size();
        List<float[]> averaged = model.getWeights();
        List<float[]> last = steps.get(steps.size() - 1);
        boolean differsFromLast = false;
        for (int p = 0; p < expected.size(); p++) {
          for (int i = 0; i < expected.get(p).length; i++) {
            assertThat((double) averaged.get(p)[i])
                .as("%s weight %d[%d]", averaging, p, i)
                .isCloseTo(expected.get(p)[i], within(tolerance));
            differsFromLast |= Math.abs(averaged.get(p)[i] - last.get(p)[i]) > 100 * tolerance;
          }
        }
        assertThat(differsFromLast).as("the average is not the last step's weights").isTrue();

        // predictions after fit are the averaged model's
        try (Sequential copy =
            new Sequential(
                Dense.builder()
                    .setUnits(6)
                    .optActivation(ActivationFunction.TANH)
                    .optInputShape(5)
                    .build(),
                new Dense(3))) {
          copy.compile(new SGD(0.5f), new SparseCategoricalCrossentropy(true));
          copy.setWeights(averaged);
          assertThat(model.predict(DATA)).isDeepEqualTo(copy.predict(DATA));
          copy.setWeights(last);
          assertThat(model.predict(DATA)).isNotEqualTo(copy.predict(DATA));
        }
      }
    }
  }

  @Test
  void averagingCostsNoPrivacy() {
    try (DPSequential plain = model(null);
        DPSequential averaged = model(ParameterAveraging.ema(0.9))) {
      plain.fit(DATA, TestData.poisson(32, 0.25, 4), 2);
      averaged.fit(DATA, TestData.poisson(32, 0.25, 4), 2);
      assertThat(ModelPrivacy.of(averaged).privacyLog().snapshot())
          .isEqualTo(ModelPrivacy.of(plain).privacyLog().snapshot());
    }
  }

  /**
   * A checkpoint taken during fit (raw weights and optimizer state, which holds the averages)
   * resumes to the averages of an uninterrupted run.
   */
  @Test
  void resumingFromRawWeightsAndOptimizerStateContinuesTheAverage() {
    BatchSampler batches =
        TestData.fixed(8, SamplingMode.SHUFFLED, TestData.range(0, 8), TestData.range(8, 20));
    List<float[]> straight;
    try (Sequential model = plain()) {
      model.fit(DATA, batches, 4);
      straight = model.getWeights();
    }
    List<float[]> raw = new ArrayList<>();
    Map<String, float[]>[] state = new Map[1];
    try (Sequential model = plain()) {
      model.addTrainingListener(
          new TrainingListener() {
            private TrainableModel trained;

            @Override
            public void onTrainingBegin(TrainableModel m) {
              trained = m;
            }

            @Override
            public void onEpoch(EpochEvent event) {
              raw.clear();
              raw.addAll(trained.getWeights());
              state[0] = model.optimizerState();
            }
          });
      model.fit(DATA, batches, 2);
    }
    assertThat(state[0]).containsKeys("weight_0-ema", "weight_3-ema", "ema_updates");
    assertThat(state[0].get("ema_updates")).containsExactly(4f);
    try (Sequential resumed = plain()) {
      resumed.setWeights(raw);
      resumed.setOptimizerState(state[0]);
      resumed.fit(DATA, batches, 2);
      List<float[]> weights = resumed.getWeights();
      for (int p = 0; p < straight.size(); p++) {
        assertThat(weights.get(p)).as("weight %d", p).containsExactly(straight.get(p));
      }
    }
  }

  private static Sequential plain() {
    Sequential model =
        new Sequential(
                Dense.builder()
                    .setUnits(6)
                    .optActivation(ActivationFunction.TANH)
                    .optInputShape(5)
                    .build(),
                new Dense(3))
            .setSeed(3)
            .setParameterAveraging(ParameterAveraging.ema(0.8).withWarmup());
    model.compile(new SGD(0.3f), new SparseCategoricalCrossentropy(true));
    return model;
  }

  @Test
  void decayOutsideTheOpenUnitIntervalIsRefused() {
    assertThatThrownBy(() -> ParameterAveraging.ema(1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("decay must be in (0, 1), got 1.0");
    assertThat(ParameterAveraging.ema(0.99).withWarmup().momentum(0)).isEqualTo(0.1);
    assertThat(ParameterAveraging.ema(0.99).momentum(0)).isZero();
    assertThat(ParameterAveraging.ema(0.99).momentum(5)).isEqualTo(0.99);
  }
}
