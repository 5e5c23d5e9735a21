package io.dp4j.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import io.dp4j.data.Dataset;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.losses.Loss;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.privacy.clipping.GroupShapes;
import io.dp4j.testing.Float32RoundOff;
import io.dp4j.testing.TestData;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntPredicate;

/** Per-example (per-microbatch) clipped gradient sums computed one small batch at a time. */
final class BruteForce {
  final double[] squaredNorms;
  final List<double[]> clippedSums;

  private BruteForce(double[] squaredNorms, List<double[]> clippedSums) {
    this.squaredNorms = squaredNorms;
    this.clippedSums = clippedSums;
  }

  /** Another float32 computation's unit norms and clipped sums, to compare as a reference. */
  static BruteForce of(float[] squaredNorms, List<float[]> clippedSums) {
    double[] norms = new double[squaredNorms.length];
    for (int u = 0; u < norms.length; u++) {
      norms[u] = squaredNorms[u];
    }
    List<double[]> sums = new ArrayList<>();
    for (float[] p : clippedSums) {
      double[] sum = new double[p.length];
      for (int i = 0; i < p.length; i++) {
        sum[i] = p[i];
      }
      sums.add(sum);
    }
    return new BruteForce(norms, sums);
  }

  /**
   * Each unit of {@code perUnit} consecutive examples: its gradient from a separate run on that
   * unit alone (mean loss), clipped to C, summed.
   */
  static BruteForce compute(Sequential model, Dataset data, int perUnit, double clip) {
    return compute(model, data, perUnit, clip, p -> true);
  }

  /**
   * As {@link #compute(Sequential, Dataset, int, double)} over the parameters {@code p} of {@link
   * Sequential#getWeights()} for which {@code trains} holds: the others (a frozen layer's) are left
   * out of each unit's gradient, its norm and the sums.
   */
  static BruteForce compute(
      Sequential model, Dataset data, int perUnit, double clip, IntPredicate trains) {
    int units = data.size() / perUnit;
    double[] norms = new double[units];
    List<double[]> sums = null;
    for (int u = 0; u < units; u++) {
      List<float[]> all =
          model.gradients(data.gather(TestData.range(u * perUnit, (u + 1) * perUnit)));
      List<float[]> g = new ArrayList<>();
      for (int p = 0; p < all.size(); p++) {
        if (trains.test(p)) {
          g.add(all.get(p));
        }
      }
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
   * Asserts that a DP step's per-unit squared norms and clipped sums equal these up to both sides'
   * float32 round-off ({@link Float32RoundOff}): each unit's gradient carries a normwise relative
   * error of {@code γ_pathTerms} times its loss condition; units of norm 0 (empty microbatches)
   * must be 0.
   *
   * @param pathTerms the terms accumulated from the input to a parameter gradient: forward
   *     contractions, the loss, backward contractions, the sum over a unit's positions and examples
   * @param lossCondition each unit's {@link #lossCondition}
   * @return the largest relative difference, and the largest fraction of its bound
   */
  Agreement assertMatches(
      String label,
      float[] actualNorms,
      List<float[]> actualSums,
      long pathTerms,
      double[] lossCondition,
      double clip) {
    long parameters = clippedSums.stream().mapToLong(p -> p.length).sum();
    double normSlack = normSlack();
    double worst = 0;
    double worstFraction = 0;
    for (int u = 0; u < squaredNorms.length; u++) {
      if (squaredNorms[u] == 0) {
        assertThat(actualNorms[u]).as(label + " squared norm of empty unit " + u).isZero();
        continue;
      }
      double rel = Math.abs(actualNorms[u] - squaredNorms[u]) / squaredNorms[u];
      double gradientError = Float32RoundOff.gamma(pathTerms) * lossCondition[u];
      double bound = Float32RoundOff.squaredNormDifference(gradientError, parameters) + normSlack;
      assertThat(rel).as(label + " squared norm of unit " + u).isLessThan(bound);
      worst = Math.max(worst, rel);
      worstFraction = Math.max(worstFraction, rel / bound);
    }
    double[] unitErrors = new double[squaredNorms.length];
    double[] clippedNorms = new double[squaredNorms.length];
    for (int u = 0; u < unitErrors.length; u++) {
      // the factor's share of the norm's slack counted on the entries as well: conservative
      unitErrors[u] = Float32RoundOff.gamma(pathTerms) * lossCondition[u] + normSlack / 2;
      double norm = Math.sqrt(squaredNorms[u]);
      clippedNorms[u] = Math.min(1, clip / (norm + 1e-6)) * norm;
    }
    for (int p = 0; p < clippedSums.size(); p++) {
      double rel = relativeError(actualSums.get(p), clippedSums.get(p));
      double bound =
          Float32RoundOff.clippedSumDifference(
              unitErrors, clippedNorms, maxAbs(clippedSums.get(p)));
      assertThat(rel).as(label + " clipped sum of parameter " + p).isLessThan(bound);
      worst = Math.max(worst, rel);
      worstFraction = Math.max(worstFraction, rel / bound);
    }
    return new Agreement(worst, worstFraction);
  }

  /**
   * How far above the exact squared norm the step's may be by construction: {@link
   * GroupShapes#squaredNormPerUnit} raises float32 block norms of b ≤ {@link
   * GroupShapes#NORM_BLOCK} values to an upper bound, at most (1 + γ_b)(1 + 2^-20)² times that
   * bound's inflation; b is at most the largest parameter tensor (a rule's unit gradient is a
   * parameter's, or a factor of a Dense kernel's, whose norm is the product of two such bounds:
   * hence the square).
   */
  private double normSlack() {
    int largest = clippedSums.stream().mapToInt(p -> p.length).max().orElse(1);
    int block = Math.min(GroupShapes.NORM_BLOCK, largest);
    double sqrtHigh = (1 + 0x1p-20) * (1 + 0x1p-20);
    double one = GroupShapes.normInflation(block) * (1 + Float32RoundOff.gamma(block)) * sqrtHigh;
    return one * one - 1;
  }

  /** How close a DP step came to its reference: error, and error over its round-off bound. */
  record Agreement(double worstRelativeError, double worstFractionOfBound) {}

  /**
   * Each unit's largest {@link Float32RoundOff#softmaxCrossEntropyCondition} over its examples (1
   * for an empty unit); 1 for the other losses, whose gradients in these tests are exact (MAE's
   * signs) or far from cancelling.
   *
   * @param unitOf each example's unit
   */
  static double[] lossCondition(
      Sequential model, Dataset data, Loss loss, int[] unitOf, int units) {
    double[] condition = new double[units];
    Arrays.fill(condition, 1);
    if (loss instanceof SparseCategoricalCrossentropy && data.size() > 0) {
      float[][] logits = model.predict(data);
      for (int i = 0; i < unitOf.length; i++) {
        double c = Float32RoundOff.softmaxCrossEntropyCondition(logits[i], (int) data.labels()[i]);
        condition[unitOf[i]] = Math.max(condition[unitOf[i]], c);
      }
    }
    return condition;
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
