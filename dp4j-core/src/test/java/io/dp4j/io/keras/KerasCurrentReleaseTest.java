package io.dp4j.io.keras;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Models saved by Keras 3.15.1 (TensorFlow 2.21 backend) with every option at Keras' default, as
 * {@code .keras} and legacy {@code .h5} (one Functional, compiled and fitted, so its files carry
 * optimizer state): they import and predict what Keras predicted. The files are in this module's
 * test resources, made by {@code tools/reference/keras315_fixtures.py}.
 */
class KerasCurrentReleaseTest {
  private static final String DIR = "keras-3.15.1/";

  /**
   * Bound on max |dp4j - Keras| / max |Keras output|. Both compute in float32 (u = 2^-24 = 6.0e-8).
   * A sum of n products is off by about sqrt(n) u times the sum of their magnitudes (round-off of
   * random sign; n u is the worst case), and the activations (slope at most 1) and layer
   * normalization (which rescales values and their errors alike) do not amplify it. The longest sum
   * here has n = 27 terms (3x3 kernel over 3 channels): sqrt(27) u = 3.1e-7 per layer; at most
   * three layers sum, in two implementations with independent errors: sqrt(6) * 3.1e-7 = 7.6e-7,
   * within 1e-6. Measured: at most 1.7e-7, with oneDNN on and off.
   */
  private static final double TOLERANCE = 1e-6;

  @ParameterizedTest(name = "{0}.{1}")
  @CsvSource({
    "conv_pool_dense, keras",
    "conv_pool_dense, h5",
    "dense_layernorm, keras",
    "dense_layernorm, h5",
    "embedding_conv1d, keras",
    "embedding_conv1d, h5",
    "shape_layers, keras",
    "shape_layers, h5",
    "functional_trained, keras",
    "functional_trained, h5"
  })
  void importsAndPredictsWhatKerasPredicted(String model, String format) throws IOException {
    JsonNode expected = new ObjectMapper().readTree(resource(model + ".json").toFile());
    assertThat(expected.get("keras").asText()).isEqualTo("3.15.1");
    try (KerasModel loaded = ModelIO.load(resource(model + "." + format))) {
      assertThat(loaded.name()).isEqualTo(model);
      float[][] actual = loaded.predict(floats(expected.get("input")));
      float[] keras = floats(expected.get("output"));
      int outputs = expected.get("output_shape").get(1).asInt();
      assertThat(actual).hasDimensions(expected.get("output_shape").get(0).asInt(), outputs);
      double scale = 0;
      double maxError = 0;
      for (int n = 0; n < actual.length; n++) {
        for (int j = 0; j < outputs; j++) {
          float k = keras[n * outputs + j];
          scale = Math.max(scale, Math.abs(k));
          maxError = Math.max(maxError, Math.abs(actual[n][j] - k));
        }
      }
      assertThat(maxError / scale).as("max |dp4j - Keras| / max |Keras|").isLessThan(TOLERANCE);
    }
  }

  private static Path resource(String name) throws IOException {
    URL url = KerasCurrentReleaseTest.class.getResource(DIR + name);
    if (url == null) {
      throw new IOException("test resource " + DIR + name + " is missing");
    }
    try {
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IOException(e);
    }
  }

  private static float[] floats(JsonNode array) {
    float[] out = new float[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) array.get(i).asDouble();
    }
    return out;
  }
}
