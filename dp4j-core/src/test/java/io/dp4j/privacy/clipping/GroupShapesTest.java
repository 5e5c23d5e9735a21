package io.dp4j.privacy.clipping;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;

class GroupShapesTest {

  /**
   * A unit whose output gradient holds a NaN or an infinity (the backward pass overflowed on a
   * finite forward pass) gets clip factor 0, and its scaled gradient must be exactly zero: 0 times
   * ∞ would otherwise put a NaN into the clipped sum and the update. Other units are scaled exactly
   * (a product by a power of two).
   */
  @Test
  void unitOfFactorZeroScalesToZeroWhateverItsValues() {
    float[] g = {
      1f,
      -2f,
      3f,
      4f, // unit 0
      Float.NaN,
      Float.POSITIVE_INFINITY,
      5f,
      Float.NEGATIVE_INFINITY, // unit 1
      0.5f,
      7f,
      -8f,
      9f // unit 2
    };
    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      var x = tf.constant(Shape.of(3, 1, 2, 2), DataBuffers.of(g));
      var factors = tf.constant(new float[] {0.5f, 0f, 0f});
      try (TFloat32 scaled =
          (TFloat32) session.runner().fetch(GroupShapes.scaleUnits(tf, x, factors)).run().get(0)) {
        float[] out = new float[12];
        scaled.copyTo(DataBuffers.of(out, false, false));
        assertThat(out).containsExactly(0.5f, -1f, 1.5f, 2f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f);
      }
    }
  }

  /**
   * The squared norm is an upper bound on the exact sum of squares of the float32 values (exact in
   * BigDecimal), and at most the bound's own slack above it: a computed block square lies within (1
   * ± γ_b)(1 ± 2^-20)² of the exact one, then is raised by {@link GroupShapes#normInflation}.
   * Blocks of 256 (K = 8192, the tutorial CNN's second convolution), of 91 (K = 7·13), and the
   * float64 path (K = 1031, prime). Data: Gaussian at several scales, and blocks that defeat
   * float32 summation (one large value and many small ones, which a running float32 sum drops).
   */
  @Test
  void squaredNormIsATightUpperBound() {
    Random random = new Random(5);
    for (long[] unit : new long[][] {{256, 32}, {7, 13}, {1031}}) {
      int terms = 1;
      for (long d : unit) {
        terms *= (int) d;
      }
      int units = 24;
      float[] x = new float[units * terms];
      for (int u = 0; u < units; u++) {
        double scale = Math.pow(10, random.nextInt(13) - 6);
        for (int i = 0; i < terms; i++) {
          boolean spike = u % 3 == 0;
          double v = spike ? (i % 64 == 0 ? 1 : 0x1p-13) : random.nextGaussian();
          x[u * terms + i] = (float) (v * scale);
        }
      }
      long[] shape = new long[unit.length + 1];
      shape[0] = units;
      System.arraycopy(unit, 0, shape, 1, unit.length);
      double[] norms = squaredNorms(x, shape);
      int block = GroupShapes.normBlock(terms);
      boolean float64 = block < 8;
      double sqrtHigh = (1 + GroupShapes.SQRT_ERROR) * (1 + GroupShapes.SQRT_ERROR);
      double slack =
          float64 ? 0x1p-40 : GroupShapes.normInflation(block) * (1 + gamma(block)) * sqrtHigh - 1;
      for (int u = 0; u < units; u++) {
        BigDecimal exact = BigDecimal.ZERO;
        for (int i = 0; i < terms; i++) {
          double v = x[u * terms + i];
          exact = exact.add(new BigDecimal(v * v));
        }
        double e = exact.doubleValue();
        if (float64) {
          // summed in float64 throughout: within K·2^-53 either way, which DpStep's margin covers
          assertThat(Math.abs(norms[u] / e - 1)).as("K %d, unit %d", terms, u).isLessThan(slack);
        } else {
          assertThat(norms[u]).as("K %d, unit %d", terms, u).isGreaterThanOrEqualTo(e);
          assertThat(norms[u] / e - 1).as("K %d, unit %d", terms, u).isLessThanOrEqualTo(slack);
        }
      }
    }
  }

  /**
   * Values whose squares underflow float32 may be flushed to zero, but no further than 2^-50 on the
   * norm (DpStep's 10^-6 absorbs that); an all-zero unit (an empty microbatch) has norm exactly 0;
   * values whose block sum overflows float32 get an infinite one (clip factor 0); a NaN gives NaN.
   */
  @Test
  void underflowStaysBoundedAndOverflowIsNotFinite() {
    int terms = 512;
    float[] x = new float[4 * terms];
    java.util.Arrays.fill(x, 0, terms, 1e-30f);
    java.util.Arrays.fill(x, terms, 2 * terms, 3e19f);
    java.util.Arrays.fill(x, 2 * terms, 3 * terms, 1f);
    x[2 * terms + 7] = Float.NaN;
    double[] norms = squaredNorms(x, new long[] {4, terms});
    assertThat(Math.sqrt(terms * 1e-60) - Math.sqrt(norms[0])).isLessThanOrEqualTo(0x1p-50);
    assertThat(norms[1]).isInfinite();
    assertThat(norms[2]).isNaN();
    assertThat(norms[3]).isZero();
  }

  /**
   * The float32 square root of the block norms is within {@link GroupShapes#SQRT_ERROR} of the
   * exact one: blocks of 16 integers in [0, 255] have exact float32 sums of squares (below 2^20),
   * so EuclideanNorm's only error is its square root's. 2^16 blocks, so that the vector path runs.
   */
  @Test
  void blockSquareRootIsWithinTheAssumedError() {
    Random random = new Random(9);
    int blocks = 1 << 16;
    float[] x = new float[blocks * 16];
    for (int i = 0; i < x.length; i++) {
      x[i] = random.nextInt(256);
    }
    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      var in = tf.constant(Shape.of(blocks, 16), DataBuffers.of(x));
      try (TFloat32 out =
          (TFloat32)
              session.runner().fetch(tf.linalg.euclideanNorm(in, tf.constant(1))).run().get(0)) {
        float[] norms = new float[blocks];
        out.copyTo(DataBuffers.of(norms, false, false));
        double worst = 0;
        for (int b = 0; b < blocks; b++) {
          double sum = 0;
          for (int i = 0; i < 16; i++) {
            sum += (double) x[b * 16 + i] * x[b * 16 + i];
          }
          double exact = Math.sqrt(sum);
          if (exact > 0) {
            worst = Math.max(worst, Math.abs(norms[b] - exact) / exact);
          }
        }
        assertThat(worst).isLessThanOrEqualTo(GroupShapes.SQRT_ERROR);
      }
    }
  }

  private static double[] squaredNorms(float[] x, long[] shape) {
    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      var in = tf.constant(Shape.of(shape), DataBuffers.of(x));
      try (TFloat64 out =
          (TFloat64) session.runner().fetch(GroupShapes.squaredNormPerUnit(tf, in)).run().get(0)) {
        double[] norms = new double[(int) shape[0]];
        out.copyTo(DataBuffers.of(norms, false, false));
        return norms;
      }
    }
  }

  private static double gamma(int k) {
    return k * 0x1p-24 / (1 - k * 0x1p-24);
  }
}
