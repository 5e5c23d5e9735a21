package io.dp4j.privacy;

import io.dp4j.data.Dataset;
import io.dp4j.nn.Sequential;
import io.dp4j.testing.TestData;
import java.util.ArrayList;
import java.util.List;

/** Per-example (per-microbatch) clipped gradient sums computed one small batch at a time. */
final class BruteForce {
  final double[] squaredNorms;
  final List<double[]> clippedSums;

  private BruteForce(double[] squaredNorms, List<double[]> clippedSums) {
    this.squaredNorms = squaredNorms;
    this.clippedSums = clippedSums;
  }

  /**
   * Each unit of {@code perUnit} consecutive examples: its gradient from a separate run on that
   * unit alone (mean loss), clipped to C, summed.
   */
  static BruteForce compute(Sequential model, Dataset data, int perUnit, double clip) {
    int units = data.size() / perUnit;
    double[] norms = new double[units];
    List<double[]> sums = null;
    for (int u = 0; u < units; u++) {
      List<float[]> g =
          model.gradients(data.gather(TestData.range(u * perUnit, (u + 1) * perUnit)));
      if (sums == null) {
        sums = new ArrayList<>();
        for (float[] p : g) {
          sums.add(new double[p.length]);
        }
      }
      double sq = 0;
      for (float[] p : g) {
        for (float v : p) {
          sq += (double) v * v;
        }
      }
      norms[u] = sq;
      double factor = Math.min(1, clip / (Math.sqrt(sq) + 1e-6));
      for (int p = 0; p < g.size(); p++) {
        for (int i = 0; i < g.get(p).length; i++) {
          sums.get(p)[i] += factor * g.get(p)[i];
        }
      }
    }
    return new BruteForce(norms, sums);
  }

  /**
   * Units given by an assignment: unit u holds the examples i with {@code unitOf[i] == u}; its
   * gradient is that of their mean loss (zero for an empty unit), clipped to C and summed.
   */
  static BruteForce computeAssigned(
      Sequential model, Dataset data, int[] unitOf, int units, double clip) {
    double[] norms = new double[units];
    List<double[]> sums = new ArrayList<>();
    for (float[] p : model.gradients(data.gather(new int[0]))) {
      sums.add(new double[p.length]);
    }
    for (int u = 0; u < units; u++) {
      int unit = u;
      int[] members =
          java.util.stream.IntStream.range(0, data.size()).filter(i -> unitOf[i] == unit).toArray();
      if (members.length == 0) {
        continue;
      }
      List<float[]> g = model.gradients(data.gather(members));
      double sq = 0;
      for (float[] p : g) {
        for (float v : p) {
          sq += (double) v * v;
        }
      }
      norms[u] = sq;
      double factor = Math.min(1, clip / (Math.sqrt(sq) + 1e-6));
      for (int p = 0; p < g.size(); p++) {
        for (int i = 0; i < g.get(p).length; i++) {
          sums.get(p)[i] += factor * g.get(p)[i];
        }
      }
    }
    return new BruteForce(norms, sums);
  }

  /**
   * {@code Σ_u min(‖g_u‖, C)}, the sum of the clipped units' norms (with the clip factor's 1e-6 as
   * in the step): what a clipped sum's entries are bounded by, before cancellation.
   */
  double clippedNormSum(double clip) {
    double sum = 0;
    for (double sq : squaredNorms) {
      double norm = Math.sqrt(sq);
      sum += Math.min(1, clip / (norm + 1e-6)) * norm;
    }
    return sum;
  }

  /** max_i |x_i|. */
  static double maxAbs(double[] x) {
    double max = 0;
    for (double v : x) {
      max = Math.max(max, Math.abs(v));
    }
    return max;
  }

  /** max_i |actual_i - expected_i| / max_i |expected_i|. */
  static double relativeError(float[] actual, double[] expected) {
    double maxDiff = 0;
    double maxAbs = 0;
    for (int i = 0; i < expected.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
      maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
    }
    return maxAbs == 0 ? maxDiff : maxDiff / maxAbs;
  }
}
