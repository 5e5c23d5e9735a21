package io.dp4j.nn;

import io.dp4j.nn.train.Metric;
import io.dp4j.nn.train.RocAuc;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One compiled metric over an epoch or an evaluation, fed the values fetched from the graph batch
 * by batch: the mean of per-example values, or, for {@link Metric#AUC}, the exact AUC of all the
 * scores seen.
 */
abstract sealed class MetricAccumulator {
  private static final Logger LOG = LoggerFactory.getLogger(MetricAccumulator.class);

  static MetricAccumulator of(Metric metric) {
    return metric == Metric.AUC ? new Auc() : new Mean();
  }

  /**
   * Adds one batch.
   *
   * @param values the metric's fetched per-example values
   * @param classOne the fetched labels of class 1 ({@link ModelGraph#aucLabels}), null unless AUC
   *     is compiled
   * @param slots for each fed example, the batch example it holds or -1 for padding; null when the
   *     batch was fed as it is
   */
  abstract void add(float[] values, float[] classOne, int[] slots);

  /** The value over everything added; NaN if nothing was. */
  abstract double value();

  private static boolean real(int[] slots, int i) {
    return slots == null || slots[i] >= 0;
  }

  private static final class Mean extends MetricAccumulator {
    private double sum;
    private long count;

    @Override
    void add(float[] values, float[] classOne, int[] slots) {
      for (int i = 0; i < values.length; i++) {
        if (real(slots, i)) {
          sum += values[i];
          count++;
        }
      }
    }

    @Override
    double value() {
      return count == 0 ? Double.NaN : sum / count;
    }
  }

  private static final class Auc extends MetricAccumulator {
    private float[] scores = new float[256];
    private boolean[] positive = new boolean[256];
    private int size;

    @Override
    void add(float[] values, float[] classOne, int[] slots) {
      for (int i = 0; i < values.length; i++) {
        if (!real(slots, i)) {
          continue;
        }
        float label = classOne[i];
        if (label != 0f && label != 1f) {
          throw new IllegalArgumentException(
              "metric AUC (auc) needs labels 0 or 1 for class 1, got " + label);
        }
        if (size == scores.length) {
          scores = Arrays.copyOf(scores, 2 * size);
          positive = Arrays.copyOf(positive, 2 * size);
        }
        scores[size] = values[i];
        positive[size] = label == 1f;
        size++;
      }
    }

    @Override
    double value() {
      if (size == 0) {
        return Double.NaN;
      }
      int positives = 0;
      for (int i = 0; i < size; i++) {
        positives += positive[i] ? 1 : 0;
      }
      if (positives == 0 || positives == size) {
        LOG.warn(
            "auc is undefined: all {} examples are of class {}; reported as 0, as Keras does",
            size,
            positives == 0 ? 0 : 1);
      }
      return RocAuc.of(Arrays.copyOf(scores, size), Arrays.copyOf(positive, size));
    }
  }
}
