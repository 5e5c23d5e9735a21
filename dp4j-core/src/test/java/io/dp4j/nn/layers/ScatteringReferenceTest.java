package io.dp4j.nn.layers;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dp4j.testing.LayerRunner;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Scattering2D against Kymatio's numpy Scattering2D, run in float64 on real MNIST test images by
 * tools/reference/scattering_reference.py (resource scattering-reference.{json,bin}).
 *
 * <p><b>Tolerance.</b> Each coefficient map is compared relative to its own largest value: {@code
 * max |dp4j − Kymatio| ≤ 1e-4 · max |Kymatio|} per image and path. dp4j computes in float32 (u =
 * 2^-24 ≈ 6e-8): a float32 FFT of N points has a normwise relative error of order log2(N)·u (about
 * 10·u for the padded 36 x 36 grid), and a second-order path chains four transforms, three products
 * with filters, two moduli and three subsamplings, so its error is some tens of log2(N)·u of the
 * energy entering the path, 1e-5 at most. The map is a band of that energy, smaller than it by up
 * to an order of magnitude on these images: 1e-4 relative to the map is that bound with the margin.
 * Measured (oneDNN on): 6.3e-7 on the J = 2 case, 4.2e-7 on the J = 3 case, printed per case.
 * (Kymatio's own float32 run is 1e-7 from its float64 run, relative to the largest coefficient: the
 * reference script prints it.)
 */
class ScatteringReferenceTest {
  private static final String RESOURCE = "scattering-reference";
  private static final double TOLERANCE = 1e-4;

  record Case(String name, int j, int l, int maxOrder, int[] in, float[] x, int[] out, float[] s) {
    @Override
    public String toString() {
      return name;
    }
  }

  static List<Case> cases() throws IOException {
    JsonNode meta;
    try (InputStream in = resource(".json")) {
      meta = new ObjectMapper().readTree(in);
    }
    ByteBuffer data;
    try (InputStream in = resource(".bin")) {
      data = ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
    }
    List<Case> cases = new ArrayList<>();
    for (JsonNode c : meta.get("cases")) {
      int[] in = ints(c.get("input_shape"));
      int[] out = ints(c.get("output_shape"));
      cases.add(
          new Case(
              c.get("name").asText(),
              c.get("J").asInt(),
              c.get("L").asInt(),
              c.get("max_order").asInt(),
              in,
              floats(data, c.get("input_offset").asInt(), in[0] * in[1] * in[2]),
              out,
              floats(data, c.get("output_offset").asInt(), out[0] * out[1] * out[2] * out[3])));
    }
    return cases;
  }

  @ParameterizedTest
  @MethodSource("cases")
  void matchesKymatioOnMnist(Case c) {
    Scattering2D layer = Scattering2D.builder().setJ(c.j).optL(c.l).optMaxOrder(c.maxOrder).build();
    int n = c.in[0];
    int k = c.out[1];
    int h = c.out[2];
    int w = c.out[3];
    assertThat(layer.coefficientsPerChannel()).isEqualTo(k);
    assertThat(layer.outputShape(new long[] {c.in[1], c.in[2], 1})).containsExactly(h, w, k);

    float[] got = LayerRunner.apply(layer, c.x, n, c.in[1], c.in[2], 1);

    assertThat(got).hasSize(c.s.length);
    double worst = 0;
    for (int i = 0; i < n; i++) {
      for (int p = 0; p < k; p++) {
        double scale = 0;
        double error = 0;
        for (int r = 0; r < h; r++) {
          for (int q = 0; q < w; q++) {
            // Kymatio [n, K, h, w]; dp4j channels-last [n, h, w, K]
            double want = c.s[((i * k + p) * h + r) * w + q];
            double have = got[((i * h + r) * w + q) * k + p];
            scale = Math.max(scale, Math.abs(want));
            error = Math.max(error, Math.abs(have - want));
          }
        }
        assertThat(error)
            .as("%s image %d path %d: max |diff| against max |S| = %g", c.name, i, p, scale)
            .isLessThanOrEqualTo(TOLERANCE * scale);
        worst = Math.max(worst, error / scale);
      }
    }
    System.out.printf("%s: worst max|diff| / max|S| per map = %.2e%n", c.name, worst);
  }

  private static InputStream resource(String suffix) {
    return Objects.requireNonNull(
        ScatteringReferenceTest.class.getResourceAsStream(RESOURCE + suffix), RESOURCE + suffix);
  }

  private static int[] ints(JsonNode array) {
    int[] out = new int[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asInt();
    }
    return out;
  }

  private static float[] floats(ByteBuffer data, int offset, int count) {
    float[] out = new float[count];
    data.asFloatBuffer().position(offset).get(out);
    return out;
  }
}
