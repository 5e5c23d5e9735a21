package io.dp4j.io.keras;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Models saved by Keras 3.15.1 (TensorFlow 2.21 backend) with most options at Keras' default, as
 * {@code .keras} and legacy {@code .h5} (one Functional, compiled and fitted, so its files carry
 * optimizer state): they import and predict what Keras predicted. The files are in this module's
 * test resources, made by {@code tools/reference/keras315_fixtures.py}.
 */
class KerasCurrentReleaseTest {
  private static final String DIR = "keras-3.15.1/";

  /**
   * Bound on max |dp4j - Keras| / max |Keras output|. Both compute in float32 (u = 2^-24 = 6.0e-8).
   * A sum of n products is off by about sqrt(n) u times the sum of their magnitudes (round-off of
   * random sign; n u is the worst case), and the activations (slope at most 1) and the
   * normalizations (which rescale values and their errors alike) do not amplify it. The deepest
   * model is conv_groupnorm: convolutions of 3x3 kernels over 2 and 6 channels (n = 18, 54), group
   * normalizations whose statistics sum n = 72 (36 positions × 2 channels) and 64 values, a Dense
   * over 64; five layers in two implementations with independent errors: sqrt(2 (18 + 54 + 72 + 64
   * + 64)) u = 1.4e-6, within 2e-6. Measured: at most 2.1e-7 (conv_groupnorm with oneDNN off;
   * 1.5e-7 on), 1.7e-7 for the other models.
   */
  private static final double TOLERANCE = 2e-6;

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
    "functional_trained, h5",
    "conv_groupnorm, keras",
    "conv_groupnorm, h5"
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
      assertThat(maxError / scale)
          .as(model + "." + format + ": max |dp4j - Keras| / max |Keras|")
          .isLessThan(TOLERANCE);
    }
  }

  /**
   * dp4j's export of the imported group-normalization model writes each GroupNormalization's
   * options as Keras wrote them and loads back with the same weights and predictions.
   */
  @Test
  void groupNormalizationModelExportsAsKerasWroteIt(@TempDir Path tmp) throws IOException {
    Path file = tmp.resolve("conv_groupnorm.keras");
    JsonNode expected = new ObjectMapper().readTree(resource("conv_groupnorm.json").toFile());
    float[] x = floats(expected.get("input"));
    try (KerasModel imported = ModelIO.load(resource("conv_groupnorm.keras"))) {
      ModelIO.save(imported, file);
      try (KerasModel back = ModelIO.load(file)) {
        assertThat(back.predict(x)).isDeepEqualTo(imported.predict(x));
        List<float[]> a = imported.sequential().getWeights();
        List<float[]> b = back.sequential().getWeights();
        assertThat(b).hasSameSizeAs(a);
        for (int i = 0; i < a.size(); i++) {
          assertThat(b.get(i)).containsExactly(a.get(i));
        }
      }
      try (ZipFile zip = new ZipFile(file.toFile())) {
        JsonNode config =
            new ObjectMapper().readTree(zip.getInputStream(zip.getEntry("config.json")));
        List<JsonNode> norms = new ArrayList<>();
        config
            .path("config")
            .path("layers")
            .forEach(
                l -> {
                  if (l.path("class_name").asText().equals("GroupNormalization")) {
                    norms.add(l.path("config"));
                  }
                });
        assertThat(norms).hasSize(2);
        assertThat(norms.get(0).path("groups").asInt()).isEqualTo(3);
        assertThat(norms.get(0).path("center").asBoolean()).isTrue();
        assertThat(norms.get(1).path("groups").asInt()).isEqualTo(1);
        assertThat(norms.get(1).path("epsilon").floatValue()).isEqualTo(1e-2f);
        assertThat(norms.get(1).path("center").asBoolean()).isFalse();
        assertThat(norms.get(1).path("scale").asBoolean()).isTrue();
      }
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
