package io.dp4j.privacy.clipping;

import static org.assertj.core.api.Assertions.assertThat;

import io.dp4j.testing.Float32RoundOff;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;

/**
 * dp4j's native op against each unit's kernel gradient computed here in float64, one product at a
 * time. Each gradient entry is a float32 sum of m = k·h'·w' products, so it lies within γ_{m+1}
 * times the sum of their absolute values (A) of the exact entry (Higham), and the norm within
 * γ_{m+1}·‖A‖ of the exact norm (triangle inequality); the float64 sum of squares adds a relative
 * K·2^-53 at most.
 */
class NativeConvNormsTest {

  @BeforeAll
  static void loaded() {
    boolean x86Linux =
        System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")
            && List.of("amd64", "x86_64").contains(System.getProperty("os.arch", ""));
    boolean built = NativeConvNorms.class.getResource("/io/dp4j/native/linux-x86_64") != null;
    String off = System.getenv("DP4J_NATIVE_KERNELS");
    // the build puts the op in the jar wherever a C compiler exists; built, it must load
    if (x86Linux && built && off == null) {
      assertThat(NativeConvNorms.available()).as("native op built and loaded").isTrue();
    }
    org.junit.jupiter.api.Assumptions.assumeTrue(
        NativeConvNorms.available(), "the native op is not built here (no C compiler)");
  }

  /** A convolution's shapes: n units of k examples, input h×w×c, kernel kh×kw, f filters. */
  private record Conv(
      int n, int k, int h, int w, int c, int kh, int kw, int sh, int sw, String padding, int f) {
    int outH() {
      return padding.equals("SAME") ? (h + sh - 1) / sh : (h - kh) / sh + 1;
    }

    int outW() {
      return padding.equals("SAME") ? (w + sw - 1) / sw : (w - kw) / sw + 1;
    }
  }

  @Test
  void matchesFloat64UnitGradients() {
    List<Conv> convs =
        List.of(
            // unequal strides, SAME, fewer filters than a vector's 16 lanes
            new Conv(5, 1, 7, 9, 3, 3, 2, 2, 1, "SAME", 10),
            // the tutorial's second layer shape class: 4x4 stride 2 VALID, 16 + 1 filters, units of
            // 3
            new Conv(4, 3, 11, 11, 16, 4, 4, 2, 2, "VALID", 17),
            // 1x1 kernel on 33 channels, 40 filters (32 + a tail), units of 2
            new Conv(3, 2, 5, 5, 33, 1, 1, 1, 1, "VALID", 40),
            // single channel, 8x8 stride 2 SAME (the tutorial's first layer), kernel past the edges
            new Conv(3, 1, 10, 10, 1, 8, 8, 2, 2, "SAME", 16),
            // stride larger than the kernel
            new Conv(2, 1, 8, 7, 4, 2, 2, 3, 3, "SAME", 32));
    Random random = new Random(5);
    for (Conv conv : convs) {
      float[] x = gaussian(random, conv.n * conv.k * conv.h * conv.w * conv.c, 1);
      float[] g = gaussian(random, conv.n * conv.k * conv.outH() * conv.outW() * conv.f, 3);
      double[] actual = nativeNorms(conv, x, g);
      Reference expected = reference(conv, x, g);
      float[] rows = nativeOutputs(conv, x, g).rows();
      long terms = (long) conv.k * conv.outH() * conv.outW() + 1;
      for (int i = 0; i < rows.length; i++) {
        assertThat((double) rows[i])
            .as("%s entry %d", conv, i)
            .isCloseTo(
                expected.entries[i],
                org.assertj.core.data.Offset.offset(
                    Float32RoundOff.gamma(terms) * expected.absEntries[i] + Double.MIN_VALUE));
      }
      for (int u = 0; u < conv.n; u++) {
        double bound =
            Float32RoundOff.gamma((long) conv.k * conv.outH() * conv.outW() + 1)
                    * expected.absNorm[u]
                + Math.sqrt(expected.squaredNorm[u])
                    * conv.kh
                    * conv.kw
                    * conv.c
                    * conv.f
                    * 0x1p-53;
        assertThat(Math.abs(Math.sqrt(actual[u]) - Math.sqrt(expected.squaredNorm[u])))
            .as("%s unit %d", conv, u)
            .isLessThanOrEqualTo(bound);
        assertThat(actual[u]).as("%s unit %d not trivial", conv, u).isGreaterThan(0);
      }
    }
  }

  /**
   * One graph fed batches of several sizes (a Poisson batch's units and examples per unit vary).
   */
  @Test
  void unitsAndExamplesPerUnitMayVaryPerRun() {
    Random random = new Random(9);
    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      var a = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1, 6, 6, 2)));
      var g = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1, 3, 3, 5)));
      assertThat(NativeConvNorms.supports(a, g)).isTrue();
      var norms =
          NativeConvNorms.unitGradients(tf, a, g, 3, 3, List.of(1L, 2L, 2L, 1L), "SAME", false)
              .norms();
      for (int[] nk : new int[][] {{4, 1}, {2, 3}, {0, 1}, {3, 0}}) {
        Conv conv = new Conv(nk[0], nk[1], 6, 6, 2, 3, 3, 2, 2, "SAME", 5);
        float[] x = gaussian(random, conv.n * conv.k * 72, 1);
        float[] gv = gaussian(random, conv.n * conv.k * 45, 1);
        try (TFloat32 xt = TFloat32.tensorOf(Shape.of(conv.n, conv.k, 6, 6, 2), DataBuffers.of(x));
            TFloat32 gt = TFloat32.tensorOf(Shape.of(conv.n, conv.k, 3, 3, 5), DataBuffers.of(gv));
            TFloat64 out =
                (TFloat64) session.runner().feed(a, xt).feed(g, gt).fetch(norms).run().get(0)) {
          assertThat(out.shape().asArray()).containsExactly(conv.n);
          Reference expected = reference(conv, x, gv);
          for (int u = 0; u < conv.n; u++) {
            assertThat(out.getDouble(u))
                .as("n %d k %d unit %d", conv.n, conv.k, u)
                .isCloseTo(
                    expected.squaredNorm[u],
                    org.assertj.core.data.Offset.offset(
                        4
                                * Float32RoundOff.gamma(conv.k * 9L + 1)
                                * expected.absNorm[u]
                                * expected.absNorm[u]
                            + 1e-300));
          }
        }
      }
    }
  }

  /** Inputs whose units or examples per unit disagree are refused with the op's message. */
  @Test
  void mismatchedUnitsAreRefused() {
    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      var a = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1, 4, 4, 1)));
      var g = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1, 2, 2, 2)));
      var norms =
          NativeConvNorms.unitGradients(tf, a, g, 2, 2, List.of(1L, 2L, 2L, 1L), "VALID", true)
              .norms();
      try (TFloat32 xt = TFloat32.tensorOf(Shape.of(2, 1, 4, 4, 1));
          TFloat32 gt = TFloat32.tensorOf(Shape.of(3, 1, 2, 2, 2))) {
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> session.runner().feed(a, xt).feed(g, gt).fetch(norms).run().close())
            .hasMessageContaining("need the same n and k");
      }
    }
  }

  /**
   * An infinity or NaN in a unit's output gradients (a backward pass that overflowed) makes its
   * norm not finite, even where every input it meets is 0 (0·∞ is NaN): the unit then gets clip
   * factor 0. Other units are unaffected.
   */
  @Test
  void nonFiniteOutputGradientGivesNonFiniteNorm() {
    Conv conv = new Conv(3, 1, 4, 4, 2, 3, 3, 1, 1, "SAME", 3);
    float[] x = gaussian(new Random(2), 3 * 32, 1);
    float[] g = gaussian(new Random(3), 3 * 48, 1);
    for (int i = 32; i < 64; i++) {
      x[i] = 0f; // unit 1: all-zero inputs
    }
    g[48 + 7] = Float.POSITIVE_INFINITY;
    g[96 + 20] = Float.NaN;
    double[] norms = nativeNorms(conv, x, g);
    assertThat(Double.isFinite(norms[0])).isTrue();
    assertThat(Double.isFinite(norms[1])).as("∞ times zero inputs").isFalse();
    assertThat(Double.isFinite(norms[2])).as("NaN").isFalse();
    // finite inputs whose products overflow float32 (about 1e40)
    float[] large = gaussian(new Random(4), 3 * 32, 100);
    float[] huge = new float[3 * 48];
    java.util.Arrays.fill(huge, 1e38f);
    assertThat(Double.isFinite(nativeNorms(conv, large, huge)[0])).as("float32 overflow").isFalse();
  }

  /** Per unit its squared norm and ‖A‖; per entry (unit-major, kernel order) its value and A. */
  private record Reference(
      double[] squaredNorm, double[] absNorm, double[] entries, double[] absEntries) {}

  /** Each unit's gradient entries in float64, and the norm of their absolute products' sums. */
  private static Reference reference(Conv conv, float[] x, float[] g) {
    int ho = conv.outH();
    int wo = conv.outW();
    int padTop = (int) NativeConvNorms.padBefore(conv.padding, conv.h, ho, conv.sh, conv.kh);
    int padLeft = (int) NativeConvNorms.padBefore(conv.padding, conv.w, wo, conv.sw, conv.kw);
    double[] squared = new double[conv.n];
    double[] abs = new double[conv.n];
    double[] entries = new double[conv.n * conv.kh * conv.kw * conv.c * conv.f];
    double[] absEntries = new double[entries.length];
    int entry = 0;
    for (int u = 0; u < conv.n; u++) {
      for (int p = 0; p < conv.kh; p++) {
        for (int q = 0; q < conv.kw; q++) {
          for (int ch = 0; ch < conv.c; ch++) {
            for (int f = 0; f < conv.f; f++) {
              double sum = 0;
              double sumAbs = 0;
              for (int e = 0; e < conv.k; e++) {
                int example = u * conv.k + e;
                for (int i = 0; i < ho; i++) {
                  for (int j = 0; j < wo; j++) {
                    int row = i * conv.sh + p - padTop;
                    int column = j * conv.sw + q - padLeft;
                    if (row < 0 || row >= conv.h || column < 0 || column >= conv.w) {
                      continue;
                    }
                    double product =
                        (double) x[((example * conv.h + row) * conv.w + column) * conv.c + ch]
                            * g[((example * ho + i) * wo + j) * conv.f + f];
                    sum += product;
                    sumAbs += Math.abs(product);
                  }
                }
              }
              squared[u] += sum * sum;
              abs[u] += sumAbs * sumAbs;
              entries[entry] = sum;
              absEntries[entry++] = sumAbs;
            }
          }
        }
      }
      abs[u] = Math.sqrt(abs[u]);
    }
    return new Reference(squared, abs, entries, absEntries);
  }

  /** The op's norms alone, and its norms and rows together ({@code materialize}), in one graph. */
  private record NativeOutputs(double[] norms, double[] normsWithRows, float[] rows) {}

  private static NativeOutputs nativeOutputs(Conv conv, float[] x, float[] g) {
    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      var a = tf.constant(Shape.of(conv.n, conv.k, conv.h, conv.w, conv.c), DataBuffers.of(x));
      var gg =
          tf.constant(
              Shape.of(conv.n, conv.k, conv.outH(), conv.outW(), conv.f), DataBuffers.of(g));
      List<Long> strides = List.of(1L, (long) conv.sh, (long) conv.sw, 1L);
      var norms =
          NativeConvNorms.unitGradients(tf, a, gg, conv.kh, conv.kw, strides, conv.padding, false)
              .norms();
      var both =
          NativeConvNorms.unitGradients(tf, a, gg, conv.kh, conv.kw, strides, conv.padding, true);
      try (var result =
          session.runner().fetch(norms).fetch(both.norms()).fetch(both.rows()).run()) {
        TFloat32 rows = (TFloat32) result.get(2);
        float[] rowValues = new float[(int) rows.size()];
        rows.copyTo(DataBuffers.of(rowValues, false, false));
        return new NativeOutputs(
            doubles((TFloat64) result.get(0)), doubles((TFloat64) result.get(1)), rowValues);
      }
    }
  }

  private static double[] nativeNorms(Conv conv, float[] x, float[] g) {
    NativeOutputs outputs = nativeOutputs(conv, x, g);
    assertThat(outputs.normsWithRows()).as("norms with rows").containsExactly(outputs.norms());
    return outputs.norms();
  }

  private static double[] doubles(TFloat64 tensor) {
    double[] values = new double[(int) tensor.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = tensor.getDouble(i);
    }
    return values;
  }

  private static float[] gaussian(Random random, int size, float scale) {
    float[] values = new float[size];
    for (int i = 0; i < size; i++) {
      values[i] = (float) (random.nextGaussian() * scale);
    }
    return values;
  }
}
