package io.dp4j.nn.optimizers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.dp4j.data.Dataset;
import io.dp4j.data.SamplingMode;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.losses.MeanSquaredError;
import io.dp4j.nn.optimizers.schedules.ConstantLearningRate;
import io.dp4j.nn.optimizers.schedules.CosineDecay;
import io.dp4j.nn.optimizers.schedules.ExponentialDecay;
import io.dp4j.nn.optimizers.schedules.LearningRateSchedule;
import io.dp4j.nn.optimizers.schedules.LinearWarmup;
import io.dp4j.testing.TestData;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Momentum, Nesterov and learning-rate schedules: the schedules' documented values, the same values
 * in the graph, SGD trajectories against an independent float64 computation, and a resumed run that
 * continues the schedule and the momentum exactly.
 */
class ScheduledSgdTest {
  private static final int STEPS = 6;

  @Test
  void schedulesGiveTheirDocumentedRates() {
    ExponentialDecay step = new ExponentialDecay(0.1, 3, 0.5, true);
    assertThat(rates(step, 8)).containsExactly(0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025);
    ExponentialDecay smooth = new ExponentialDecay(0.1, 2, 0.25, false);
    assertThat(smooth.learningRate(1)).isCloseTo(0.05, within(1e-15));
    CosineDecay cosine = new CosineDecay(1.0, 4, 0.0);
    double c = Math.sqrt(0.5);
    assertThat(rates(cosine, 6))
        .containsExactly(new double[] {1, (1 + c) / 2, 0.5, (1 - c) / 2, 0, 0}, within(1e-15));
    assertThat(new CosineDecay(1.0, 4, 0.1).learningRate(9)).isCloseTo(0.1, within(1e-15));
    LinearWarmup warm = new LinearWarmup(new ConstantLearningRate(0.2), 4);
    assertThat(rates(warm, 6))
        .containsExactly(new double[] {0.05, 0.1, 0.15, 0.2, 0.2, 0.2}, within(1e-15));
    LinearWarmup warmCosine = new LinearWarmup(cosine, 2);
    assertThat(rates(warmCosine, 5))
        .containsExactly(new double[] {0.5, 1, 1, (1 + c) / 2, 0.5}, within(1e-15));
  }

  @Test
  void graphRatesEqualTheDocumentedOnes() {
    List<LearningRateSchedule> schedules =
        List.of(
            new ExponentialDecay(0.3, 7, 0.1, true),
            new ExponentialDecay(0.3, 7, 0.1, false),
            new CosineDecay(0.3, 40, 0.05),
            new LinearWarmup(new CosineDecay(0.3, 40, 0.0), 9));
    for (LearningRateSchedule schedule : schedules) {
      try (Graph g = new Graph();
          Session s = new Session(g)) {
        Ops tf = Ops.create(g);
        for (int t = 0; t < 60; t++) {
          try (Result r =
              s.runner().fetch(schedule.learningRate(tf, tf.constant((float) t))).run()) {
            float got = ((TFloat32) r.get(0)).getFloat();
            // float32 constants and a handful of float32 ops (pow, cos, products): within 16u of
            // the initial rate; near the cosine's zero the error is absolute, not relative
            assertThat((double) got)
                .as("%s at step %d", schedule, t)
                .isCloseTo(schedule.learningRate(t), within(16 * 0x1p-24 * 0.3));
          }
        }
      }
    }
  }

  /** y = x·w + b + noise for a linear model whose MSE gradient is written out below. */
  private static Dataset data() {
    Dataset d = TestData.random(8, new long[] {3}, 2, 5);
    float[] y = new float[8];
    float[] x = d.features();
    for (int i = 0; i < 8; i++) {
      y[i] = 0.5f * x[3 * i] - x[3 * i + 1] + 2 * x[3 * i + 2] + 0.1f * (i % 3);
    }
    return new Dataset(x, new long[] {3}, y, new long[] {1});
  }

  private static Sequential linear() {
    return new Sequential(Dense.builder().setUnits(1).optInputShape(3).build()).setSeed(4);
  }

  private static void train(Sequential model, Dataset data, int steps) {
    int[][] batches = new int[steps][];
    for (int s = 0; s < steps; s++) {
      // alternating batches, so that the momentum mixes different gradients
      batches[s] = s % 2 == 0 ? TestData.range(0, 5) : TestData.range(3, 8);
    }
    model.fit(data, TestData.fixed(5, SamplingMode.SHUFFLED, batches), 1);
  }

  @Test
  void momentumAndNesterovFollowAnIndependentFloat64Computation() {
    LearningRateSchedule schedule = new LinearWarmup(new CosineDecay(0.1, 4, 0.0), 2);
    for (boolean nesterov : new boolean[] {false, true}) {
      Dataset data = data();
      try (Sequential model = linear()) {
        model.compile(new SGD(schedule, 0.9f, nesterov), new MeanSquaredError());
        List<float[]> start = model.getWeights();
        train(model, data, STEPS);
        double[] w = new double[4]; // kernel 3, bias 1
        for (int j = 0; j < 3; j++) {
          w[j] = start.get(0)[j];
        }
        w[3] = start.get(1)[0];
        double[] a = new double[4];
        for (int s = 0; s < STEPS; s++) {
          int from = s % 2 == 0 ? 0 : 3;
          double[] g = mseGradient(data, from, from + 5, w);
          double lr = schedule.learningRate(s);
          for (int j = 0; j < 4; j++) {
            a[j] = 0.9 * a[j] + g[j];
            w[j] -= nesterov ? lr * (g[j] + 0.9 * a[j]) : lr * a[j];
          }
        }
        List<float[]> got = model.getWeights();
        // float32 forward, gradient and update over 6 steps: each step's values carry a few u of
        // relative error, compounded through the momentum (sum of 0.9^k < 10): 1e-5 of the scale
        for (int j = 0; j < 3; j++) {
          assertThat((double) got.get(0)[j])
              .as("nesterov=%s w%d", nesterov, j)
              .isCloseTo(w[j], within(1e-5 * (1 + Math.abs(w[j]))));
        }
        assertThat((double) got.get(1)[0]).isCloseTo(w[3], within(1e-5 * (1 + Math.abs(w[3]))));
        assertThat(model.optimizerState()).containsKeys("iterations", "weight_0-momentum");
        assertThat(model.optimizerState().get("iterations")).containsExactly(STEPS);
      }
    }
  }

  /** d/dw of the mean over examples [from, to) of (x·w + b - y)². */
  private static double[] mseGradient(Dataset d, int from, int to, double[] w) {
    double[] g = new double[4];
    int n = to - from;
    for (int i = from; i < to; i++) {
      double r = w[3] - d.labels()[i];
      for (int j = 0; j < 3; j++) {
        r += d.features()[3 * i + j] * w[j];
      }
      for (int j = 0; j < 3; j++) {
        g[j] += 2 * r * d.features()[3 * i + j] / n;
      }
      g[3] += 2 * r / n;
    }
    return g;
  }

  @Test
  void resumedRunContinuesTheScheduleAndMomentumExactly() {
    LearningRateSchedule schedule = new LinearWarmup(new ExponentialDecay(0.05, 2, 0.5, true), 2);
    Dataset data = data();
    try (Sequential whole = linear();
        Sequential first = linear();
        Sequential resumed = linear()) {
      whole.compile(new SGD(schedule, 0.8f, true), new MeanSquaredError());
      train(whole, data, STEPS);
      first.compile(new SGD(schedule, 0.8f, true), new MeanSquaredError());
      train(first, data, 2);
      // the second half alternates the same way: steps 2.. start with the even batch again
      Map<String, float[]> state = first.optimizerState();
      assertThat(state.get("iterations")).containsExactly(2f);
      resumed.compile(new SGD(schedule, 0.8f, true), new MeanSquaredError());
      resumed.setWeights(first.getWeights());
      resumed.setOptimizerState(state);
      train(resumed, data, STEPS - 2);
      for (int p = 0; p < 2; p++) {
        assertThat(resumed.getWeights().get(p)).containsExactly(whole.getWeights().get(p));
      }
    }
  }

  @Test
  void badSchedulesAreRefused() {
    assertThatThrownBy(() -> new CosineDecay(0.1, 0, 0))
        .hasMessageContaining("decaySteps must be >= 1");
    assertThatThrownBy(() -> new CosineDecay(0.1, 10, 1.5)).hasMessageContaining("alpha");
    assertThatThrownBy(() -> new LinearWarmup(new ConstantLearningRate(0.1), 0))
        .hasMessageContaining("warmupSteps must be >= 1");
    assertThatThrownBy(() -> new ExponentialDecay(-1, 3, 0.5, true))
        .hasMessageContaining("initialLearningRate must be finite and > 0");
  }

  private static double[] rates(LearningRateSchedule s, int n) {
    double[] r = new double[n];
    for (int t = 0; t < n; t++) {
      r[t] = s.learningRate(t);
    }
    return r;
  }
}
