package io.dp4j.io.keras;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real Keras files from {@code shared/fixtures/keras} (provenance in its SOURCES.md). Predictions
 * are checked against the values Keras computed (file 1) or against a plain-Java forward pass over
 * the weights read from the file.
 */
class KerasFixturesTest {
  static final Path DIR =
      Path.of(System.getProperty("dp4j.kerasFixtures", "../../shared/fixtures/keras"));

  static final float[] INPUT = {
    0.6917601227760315f, 0.005492183845490217f, 0.350680410861969f, 0.6537916660308838f,
    0.3913869261741638f, 0.295083224773407f, 0.0390046089887619f, 0.8951978087425232f,
    0.5152705311775208f, 0.4680500030517578f, 0.45361608266830444f, 0.5641433000564575f
  };
  static final float[][] KERAS_PREDICTION = {
    {0.4390043318271637f, 0.2026594877243042f, 0.3583361506462097f},
    {0.4784294664859772f, 0.18620845675468445f, 0.33536210656166077f},
    {0.4082581400871277f, 0.20941732823848724f, 0.3823245167732239f}
  };

  /**
   * A file of the shared Keras fixtures, for every test that reads one: the calling test is
   * skipped, with a message naming the missing path, when the fixtures are not checked out beside
   * the repository.
   */
  static Path fixture(String name) {
    Path path = DIR.resolve(name);
    Assumptions.assumeTrue(Files.isRegularFile(path), () -> missing(path));
    return path;
  }

  private static String missing(Path path) {
    return "Keras fixture not found: " + path.toAbsolutePath().normalize();
  }

  @BeforeAll
  static void fixturesPresent() {
    Assumptions.assumeTrue(Files.isDirectory(DIR), () -> missing(DIR));
  }

  static void assertKnownPrediction(KerasModel model) {
    float[][] p = model.predict(INPUT);
    assertThat(p).hasDimensions(3, 3);
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 3; j++) {
        assertThat(p[i][j]).isCloseTo(KERAS_PREDICTION[i][j], within(1e-6f));
      }
    }
  }

  @Test
  void keras231FullModelReproducesKerasPrediction() throws IOException {
    try (KerasModel model = ModelIO.load(fixture("k2.3.1_seq_dense_softmax_model.h5"))) {
      assertThat(model.name()).isEqualTo("sequential_1");
      assertThat(model.layerNames()).containsExactly("dense_1", "activation_1");
      assertThat(model.inputShape()).containsExactly(4);
      assertThat(model.sequential().getWeights().get(0)[0]).isEqualTo(0.2633326053619385f);
      assertKnownPrediction(model);
    }
  }

  @Test
  void keras231JsonPlusWeightsOnlyFileReproducesKerasPrediction() throws IOException {
    String json = Files.readString(fixture("k2.3.1_seq_dense_softmax_config.json"));
    try (KerasModel model = ModelIO.fromJson(json)) {
      assertThat(model.layerNames()).containsExactly("dense_1", "activation_1");
      float[][] fresh = model.predict(INPUT);
      assertThat(fresh[0][0]).isNotCloseTo(KERAS_PREDICTION[0][0], within(1e-6f));
      ModelIO.loadWeights(model, fixture("k2.3.1_seq_dense_softmax_weights.h5"));
      assertKnownPrediction(model);
    }
  }

  @Test
  void weightsOnlyFileIsNotAModel() {
    Path weightsOnly = fixture("k2.3.1_seq_dense_softmax_weights.h5");
    assertThatThrownBy(() -> ModelIO.load(weightsOnly))
        .isInstanceOf(KerasFormatException.class)
        .hasMessageContaining("weights only");
  }

  @Test
  void tfKeras24InputLayerFlattenDenseMatchesJavaForwardPass() throws IOException {
    try (KerasModel model = ModelIO.load(fixture("k2.4.0_seq_mnist_flatten_dense.h5"))) {
      assertThat(model.inputShape()).containsExactly(28, 28);
      assertThat(model.layerNames()).containsExactly("flatten", "dense", "dense_1");
      assertThat(model.layerSummaries())
          .extracting(KerasModel.LayerSummary::params)
          .containsExactly(0L, 100480L, 1290L);
      float[] x = randomInputs(2 * 784, 1);
      List<float[]> w = model.sequential().getWeights();
      float[][] expected = new float[2][];
      for (int n = 0; n < 2; n++) {
        float[] row = java.util.Arrays.copyOfRange(x, n * 784, (n + 1) * 784);
        expected[n] =
            JavaNet.dense(JavaNet.relu(JavaNet.dense(row, w.get(0), w.get(1))), w.get(2), w.get(3));
      }
      assertClose(model.predict(x), expected, 1e-4f);
    }
  }

  @Test
  void keras213ListConfigConvReshapeDenseMatchesJavaForwardPass() throws IOException {
    try (KerasModel model = ModelIO.load(fixture("k2.1.3_seq_conv2d_reshape_dense.h5"))) {
      assertThat(model.inputShape()).containsExactly(5, 5, 5);
      assertThat(model.layerSummaries())
          .extracting(s -> KerasModel.kerasShape(s.outputShape()))
          .containsExactly(
              "(None, 3, 4, 6)", "(None, 4, 3, 6)", "(None, 4, 3, 6)", "(None, 72)", "(None, 12)");
      assertThat(model.layerSummaries())
          .extracting(KerasModel.LayerSummary::params)
          .containsExactly(186L, 0L, 42L, 0L, 876L);
      float[] x = randomInputs(125, 2);
      List<float[]> w = model.sequential().getWeights();
      float[] h = JavaNet.conv2dValid(x, 5, 5, 5, w.get(0), 3, 2, 6, w.get(1)); // (3, 4, 6)
      // Reshape (3,4,6) -> (4,3,6) keeps row-major order
      float[] h2 = JavaNet.conv2dValid(h, 4, 3, 6, w.get(2), 1, 1, 6, w.get(3));
      float[] out = JavaNet.dense(h2, w.get(4), w.get(5));
      assertClose(model.predict(x), new float[][] {out}, 1e-5f);
    }
  }

  @Test
  void keras213EmbeddingConv1dDropoutDense() throws IOException {
    try (KerasModel model = ModelIO.load(fixture("k2.1.3_seq_embedding_conv1d_dense.h5"))) {
      assertThat(model.inputShape()).containsExactly(10);
      assertThat(model.layerSummaries())
          .extracting(s -> KerasModel.kerasShape(s.outputShape()))
          .containsExactly(
              "(None, 10, 50)",
              "(None, 8, 128)",
              "(None, 6, 64)",
              "(None, 4, 32)",
              "(None, 128)",
              "(None, 128)",
              "(None, 128)",
              "(None, 128)",
              "(None, 1)");
      assertThat(model.sequential().parameterCount())
          .isEqualTo(10000 + 19328 + 24640 + 6176 + 16512 + 129);
      float[] ids = new float[20];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = (i * 37) % 200;
      }
      List<float[]> w = model.sequential().getWeights();
      float[] expected = new float[2];
      for (int n = 0; n < 2; n++) {
        float[] seq = new float[10 * 50];
        for (int t = 0; t < 10; t++) {
          System.arraycopy(w.get(0), (int) ids[n * 10 + t] * 50, seq, t * 50, 50);
        }
        float[] c1 =
            JavaNet.relu(JavaNet.conv2dValid(seq, 10, 1, 50, w.get(1), 3, 1, 128, w.get(2)));
        float[] c2 = JavaNet.relu(JavaNet.conv2dValid(c1, 8, 1, 128, w.get(3), 3, 1, 64, w.get(4)));
        float[] c3 = JavaNet.relu(JavaNet.conv2dValid(c2, 6, 1, 64, w.get(5), 3, 1, 32, w.get(6)));
        float[] d1 = JavaNet.sigmoid(JavaNet.dense(c3, w.get(7), w.get(8)));
        expected[n] = JavaNet.sigmoid(JavaNet.dense(d1, w.get(9), w.get(10)))[0];
      }
      float[][] p = model.predict(ids);
      assertThat(p[0][0]).isCloseTo(expected[0], within(1e-5f));
      assertThat(p[1][0]).isCloseTo(expected[1], within(1e-5f));
    }
  }

  @Test
  void mixedDataFormatIsHonouredLayerByLayer() throws IOException {
    try (KerasModel model = ModelIO.load(fixture("k2.3.1_seq_conv2d_maxpool_channels_first.h5"))) {
      assertThat(model.inputShape()).containsExactly(1, 28, 28);
      List<String> shapes =
          model.layerSummaries().stream()
              .map(s -> s.name() + " " + KerasModel.kerasShape(s.outputShape()))
              .toList();
      assertThat(shapes)
          .contains(
              "conv2d_1 (None, 26, 26, 30)",
              "conv2d_1_to_channels_first (None, 30, 26, 26)",
              "max_pooling2d_1 (None, 15, 13, 26)",
              "conv2d_2 (None, 13, 11, 15)",
              "max_pooling2d_2 (None, 6, 5, 15)",
              "flatten_1 (None, 450)",
              "dense_4 (None, 22)");
      float[] x = randomInputs(784, 3);
      List<float[]> w = model.sequential().getWeights();
      // channels_first conv on the (1, 28, 28) image = channels-last conv on (28, 28, 1), then NCHW
      float[] c1 = JavaNet.relu(JavaNet.conv2dValid(x, 28, 28, 1, w.get(0), 3, 3, 30, w.get(1)));
      float[] nchw = JavaNet.transpose3(c1, 26, 26, 30, new int[] {2, 0, 1});
      float[] p1 = JavaNet.maxPool(nchw, 30, 26, 26, 2); // read as H=30, W=26, C=26
      float[] c2 = JavaNet.relu(JavaNet.conv2dValid(p1, 15, 13, 26, w.get(2), 3, 3, 15, w.get(3)));
      float[] p2 = JavaNet.maxPool(c2, 13, 11, 15, 2);
      float[] d = JavaNet.relu(JavaNet.dense(p2, w.get(4), w.get(5)));
      d = JavaNet.relu(JavaNet.dense(d, w.get(6), w.get(7)));
      d = JavaNet.relu(JavaNet.dense(d, w.get(8), w.get(9)));
      float[] out = JavaNet.softmax(JavaNet.dense(d, w.get(10), w.get(11)));
      assertClose(model.predict(x), new float[][] {out}, 1e-5f);
    }
  }

  @Test
  void keras3ArchiveMapsClassNamedWeightGroupsToConfigNames() throws IOException {
    try (KerasModel model = ModelIO.load(fixture("k3.1.1_seq_diabetes_dense.keras"))) {
      assertThat(model.name()).isEqualTo("sequential_9");
      assertThat(model.layerNames()).containsExactly("dense_21", "dense_22", "dense_23");
      assertThat(model.inputShape()).containsExactly(10);
      assertThat(model.privacyRecord()).isEmpty();
      List<float[]> w = model.sequential().getWeights();
      assertThat(w).extracting(a -> a.length).containsExactly(200, 20, 400, 20, 20, 1);
      assertThat(w.get(1)).as("trained bias, not the zero init").isNotEqualTo(new float[20]);
      float[] x = randomInputs(10, 4);
      float[] h = JavaNet.relu(JavaNet.dense(x, w.get(0), w.get(1)));
      h = JavaNet.relu(JavaNet.dense(h, w.get(2), w.get(3)));
      float[] out = JavaNet.dense(h, w.get(4), w.get(5));
      assertClose(model.predict(x), new float[][] {out}, 1e-5f);
    }
  }

  static float[] randomInputs(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) r.nextDouble(-1, 1);
    }
    return x;
  }

  /** Relative closeness: |a - e| <= tolerance * max(1, |e|). */
  static void assertClose(float[][] actual, float[][] expected, float tolerance) {
    assertThat(actual.length).isEqualTo(expected.length);
    for (int i = 0; i < expected.length; i++) {
      assertThat(actual[i]).hasSameSizeAs(expected[i]);
      for (int j = 0; j < expected[i].length; j++) {
        float scale = Math.max(1f, Math.abs(expected[i][j]));
        assertThat(actual[i][j]).isCloseTo(expected[i][j], within(tolerance * scale));
      }
    }
  }
}
