package io.dp4j.audit;

import io.dp4j.data.Dataset;
import io.dp4j.nn.Sequential;
import java.util.Objects;

/**
 * A classifier's outputs for a set of examples with their true classes: what a black-box
 * membership-inference attack sees. The outputs are logits or probabilities, one row per example: k
 * &gt;= 2 columns for k classes, or 1 column (a binary classifier's output for class 1).
 *
 * @param outputs one row per example, all of the same length, finite
 * @param labels the true class of each example: 0 .. k − 1 (0 or 1 for one column)
 * @param fromLogits whether the outputs are logits (else probabilities)
 */
public record ModelOutputs(float[][] outputs, int[] labels, boolean fromLogits) {

  /** Probabilities are clipped to [ε, 1 − ε] before the log, as Keras' cross-entropy does. */
  private static final double EPSILON = 1e-7;

  public ModelOutputs {
    Objects.requireNonNull(outputs, "outputs");
    Objects.requireNonNull(labels, "labels");
    if (outputs.length != labels.length) {
      throw new IllegalArgumentException(
          "outputs and labels must have one row per example, got "
              + outputs.length
              + " and "
              + labels.length);
    }
    int k = outputs.length == 0 ? 1 : outputs[0].length;
    int classes = Math.max(k, 2);
    for (int i = 0; i < outputs.length; i++) {
      if (outputs[i].length != k || k == 0) {
        throw new IllegalArgumentException(
            "every output row must have the same length >= 1; row "
                + i
                + " has "
                + outputs[i].length
                + ", row 0 has "
                + k);
      }
      for (float v : outputs[i]) {
        if (!Float.isFinite(v)) {
          throw new IllegalArgumentException("output row " + i + " holds " + v);
        }
      }
      if (labels[i] < 0 || labels[i] >= classes) {
        throw new IllegalArgumentException(
            "label of example "
                + i
                + " must be a class in 0.."
                + (classes - 1)
                + " for "
                + k
                + " output(s), got "
                + labels[i]);
      }
    }
  }

  /**
   * The model's outputs for {@code data} ({@link Sequential#predict(Dataset)}) with the data's
   * labels: class indices (label shape [] or [1]) or one-hot rows (label shape [k]).
   */
  public static ModelOutputs predict(Sequential model, Dataset data, boolean fromLogits) {
    return new ModelOutputs(model.predict(data), classes(data), fromLogits);
  }

  /**
   * The class index of every example of {@code data}: its label (label shape [] or [1]), or the arg
   * max of its one-hot row (label shape [k]).
   *
   * @throws IllegalArgumentException if a label is not a class index 0, 1, ...
   */
  public static int[] classes(Dataset data) {
    long per = 1;
    for (long d : data.labelShape()) {
      per *= d;
    }
    float[] y = data.labels();
    int n = data.size();
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      if (per == 1) {
        float v = y[i];
        if (!(v >= 0 && v == Math.rint(v))) {
          throw new IllegalArgumentException(
              "labels must be class indices 0, 1, ... (or one-hot rows); example "
                  + (i + 1)
                  + " has "
                  + v);
        }
        out[i] = (int) v;
      } else {
        int best = 0;
        for (int j = 1; j < per; j++) {
          if (y[(int) (i * per + j)] > y[(int) (i * per + best)]) {
            best = j;
          }
        }
        out[i] = best;
      }
    }
    return out;
  }

  /** The number of examples. */
  public int size() {
    return labels.length;
  }

  /** The cross-entropy loss of each example, in float64. */
  public double[] losses() {
    double[] loss = new double[size()];
    for (int i = 0; i < loss.length; i++) {
      float[] o = outputs[i];
      if (o.length == 1) {
        double t = o[0];
        // −log p(label) with p = σ(t), or the clipped probability
        if (fromLogits) {
          double u = labels[i] == 1 ? -t : t;
          loss[i] = u > 0 ? u + Math.log1p(Math.exp(-u)) : Math.log1p(Math.exp(u));
        } else {
          double p = clip(labels[i] == 1 ? t : 1 - t);
          loss[i] = -Math.log(p);
        }
      } else if (fromLogits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : o) {
          max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : o) {
          sum += Math.exp(v - max);
        }
        loss[i] = max + Math.log(sum) - o[labels[i]];
      } else {
        loss[i] = -Math.log(clip(o[labels[i]]));
      }
    }
    return loss;
  }

  private static double clip(double p) {
    return Math.min(1 - EPSILON, Math.max(EPSILON, p));
  }

  /** The class the model predicts for each example: the arg max, or output &gt;= threshold. */
  public int[] predictedClasses() {
    int[] out = new int[size()];
    for (int i = 0; i < out.length; i++) {
      float[] o = outputs[i];
      if (o.length == 1) {
        out[i] = o[0] >= (fromLogits ? 0 : 0.5) ? 1 : 0;
      } else {
        int best = 0;
        for (int j = 1; j < o.length; j++) {
          if (o[j] > o[best]) {
            best = j;
          }
        }
        out[i] = best;
      }
    }
    return out;
  }
}
