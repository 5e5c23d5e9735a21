package io.dp4j.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.dp4j.data.Dataset;
import io.dp4j.data.PoissonSampler;
import io.dp4j.nn.layers.Activation;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.losses.BinaryCrossentropy;
import io.dp4j.nn.losses.CategoricalCrossentropy;
import io.dp4j.nn.losses.Reduction;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.nn.optimizers.SGD;
import io.dp4j.nn.train.BruteForceAuc;
import io.dp4j.nn.train.History;
import io.dp4j.nn.train.Metric;
import io.dp4j.privacy.DPSequential;
import io.dp4j.privacy.ModelPrivacy;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Metric.AUC through compile, fit and evaluate. */
class AucMetricTest {

  private static boolean[] positives(float[] labels) {
    boolean[] p = new boolean[labels.length];
    for (int i = 0; i < labels.length; i++) {
      p[i] = labels[i] == 1f;
    }
    return p;
  }

  /** An identity model: its output is the input, so the AUC is that of the features. */
  private static Sequential identity(int width) {
    return new Sequential(new Activation(ActivationFunction.LINEAR)).setInputShape(width);
  }

  @Test
  void evaluateIsExactOverTheWholeSetNotABatchMean() {
    Random r = new Random(3);
    int n = 101;
    float[] scores = new float[n];
    float[] labels = new float[n];
    for (int i = 0; i < n; i++) {
      scores[i] = r.nextInt(9) / 8f;
      labels[i] = r.nextDouble() < scores[i] ? 1 : 0;
    }
    double expected = BruteForceAuc.of(scores, positives(labels));
    try (Sequential m = identity(1)) {
      m.compile(new SGD(0.1f), new BinaryCrossentropy(), Metric.AUC, Metric.ACCURACY);
      Dataset data = new Dataset(scores, new long[] {1}, labels, new long[] {1});
      // batches of 7 mostly hold one class or few pairs: a batch mean would differ
      assertThat(m.evaluate(data, 7).get("auc")).isCloseTo(expected, within(1e-12));
      assertThat(m.evaluate(data, 7).keySet()).containsExactly("loss", "auc", "accuracy");
    }
  }

  @Test
  void twoClassSoftmaxScoresClassOne() {
    Random r = new Random(5);
    int n = 60;
    float[] probabilities = new float[2 * n];
    float[] logits = new float[2 * n];
    float[] ids = new float[n];
    float[] oneHot = new float[2 * n];
    float[] classOne = new float[n];
    for (int i = 0; i < n; i++) {
      float z0 = (float) r.nextGaussian();
      float z1 = (float) r.nextGaussian();
      logits[2 * i] = z0;
      logits[2 * i + 1] = z1;
      classOne[i] = (float) (1 / (1 + Math.exp(z0 - z1)));
      probabilities[2 * i] = 1 - classOne[i];
      probabilities[2 * i + 1] = classOne[i];
      ids[i] = r.nextDouble() < classOne[i] ? 1 : 0;
      oneHot[2 * i + (int) ids[i]] = 1;
    }
    double expected = BruteForceAuc.of(classOne, positives(ids));
    try (Sequential m = identity(2)) {
      m.compile(new SGD(0.1f), new SparseCategoricalCrossentropy(), Metric.AUC);
      Dataset data = new Dataset(probabilities, new long[] {2}, ids, new long[0]);
      assertThat(m.evaluate(data, 16).get("auc")).isCloseTo(expected, within(1e-12));
    }
    // with logits, class 1's logit alone does not order examples as p1 does; z1 - z0 does
    try (Sequential m = identity(2)) {
      m.compile(new SGD(0.1f), new SparseCategoricalCrossentropy(true), Metric.AUC);
      Dataset data = new Dataset(logits, new long[] {2}, ids, new long[0]);
      assertThat(m.evaluate(data, 16).get("auc")).isCloseTo(expected, within(1e-12));
    }
    try (Sequential m = identity(2)) {
      m.compile(
          new SGD(0.1f),
          new CategoricalCrossentropy(true, Reduction.SUM_OVER_BATCH_SIZE),
          Metric.AUC);
      Dataset data = new Dataset(logits, new long[] {2}, oneHot, new long[] {2});
      assertThat(m.evaluate(data, 16).get("auc")).isCloseTo(expected, within(1e-12));
    }
  }

  @Test
  void logisticRegressionOnSeparableDataReachesAucNearOne() {
    Random r = new Random(8);
    int n = 200;
    float[] x = new float[2 * n];
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      x[2 * i] = (float) r.nextGaussian();
      x[2 * i + 1] = (float) r.nextGaussian();
      y[i] = x[2 * i] - 0.5f * x[2 * i + 1] > 0 ? 1 : 0;
    }
    Dataset data = new Dataset(x, new long[] {2}, y, new long[] {1});
    try (Sequential m =
        new Sequential(
                Dense.builder()
                    .setUnits(1)
                    .optActivation(ActivationFunction.SIGMOID)
                    .optInputShape(2)
                    .build())
            .setSeed(1)) {
      m.compile(new SGD(0.5f), new BinaryCrossentropy(), Metric.AUC);
      History h = m.fit(data, 20, 10, data);
      assertThat(h.asMap().keySet()).containsExactly("loss", "auc", "val_loss", "val_auc");
      assertThat(h.get("auc").get(9)).isGreaterThan(0.99);
      float[][] p = m.predict(data);
      float[] scores = new float[n];
      for (int i = 0; i < n; i++) {
        scores[i] = p[i][0];
      }
      double expected = BruteForceAuc.of(scores, positives(y));
      assertThat(expected).isGreaterThan(0.99);
      assertThat(m.evaluate(data).get("auc")).isCloseTo(expected, within(1e-12));
      assertThat(h.get("val_auc").get(9)).isCloseTo(expected, within(1e-12));
    }
  }

  @Test
  void trainingAucCoversEveryExampleOfPoissonMicrobatches() {
    Random r = new Random(21);
    int n = 120;
    float[] x = new float[3 * n];
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < 3; j++) {
        x[3 * i + j] = (float) r.nextGaussian();
      }
      y[i] = x[3 * i] + r.nextGaussian() > 0 ? 1 : 0;
    }
    Dataset data = new Dataset(x, new long[] {3}, y, new long[] {1});
    double q = 16.0 / n;
    // 4 microbatches of Poisson batches: examples assigned at random, padded slots in between
    try (Sequential m =
        new DPSequential(
                1.0, 0.0, 4, false, null, Dense.builder().setUnits(1).optInputShape(3).build())
            .setSeed(4)) {
      // a learning rate too small to move the weights: the epoch's scores are predict's
      m.compile(new SGD(1e-30f), new BinaryCrossentropy(true, Reduction.NONE), Metric.AUC);
      ModelPrivacy.of(m).noiseSource().useFixedNoiseSeedForTesting(9);
      History h = m.fit(data, PoissonSampler.seeded(n, q, 77), 1);
      float[][] p = m.predict(data);
      List<int[]> batches = PoissonSampler.seeded(n, q, 77).nextEpoch();
      List<Integer> seen = new ArrayList<>();
      batches.forEach(b -> java.util.Arrays.stream(b).forEach(seen::add));
      float[] scores = new float[seen.size()];
      boolean[] positive = new boolean[seen.size()];
      for (int k = 0; k < seen.size(); k++) {
        scores[k] = p[seen.get(k)][0];
        positive[k] = y[seen.get(k)] == 1f;
      }
      assertThat(h.get("auc").get(0)).isCloseTo(BruteForceAuc.of(scores, positive), within(1e-12));
    }
  }

  @Test
  void oneClassOnlyReportsZeroAsKeras() {
    try (Sequential m = identity(1)) {
      m.compile(new SGD(0.1f), new BinaryCrossentropy(), Metric.AUC);
      Dataset ones =
          new Dataset(
              new float[] {0.2f, 0.7f, 0.9f},
              new long[] {1},
              new float[] {1, 1, 1},
              new long[] {1});
      assertThat(m.evaluate(ones).get("auc")).isEqualTo(0.0);
    }
  }

  @Test
  void refusesLabelsOtherThanZeroAndOne() {
    try (Sequential m = identity(1)) {
      m.compile(new SGD(0.1f), new BinaryCrossentropy(), Metric.AUC);
      Dataset soft =
          new Dataset(
              new float[] {0.2f, 0.7f}, new long[] {1}, new float[] {0f, 0.8f}, new long[] {1});
      assertThatThrownBy(() -> m.evaluate(soft))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("AUC")
          .hasMessageContaining("labels 0 or 1")
          .hasMessageContaining("0.8");
    }
  }

  @Test
  void refusesMoreThanTwoOutputsAtCompile() {
    try (Sequential m = identity(3)) {
      assertThatThrownBy(
              () -> m.compile(new SGD(0.1f), new SparseCategoricalCrossentropy(), Metric.AUC))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("metric AUC (auc)")
          .hasMessageContaining("[1]")
          .hasMessageContaining("[2]")
          .hasMessageContaining("got [3]");
    }
  }
}
