package io.dp4j.io.keras.codecs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dp4j.nn.layers.Layer;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every codec reads the Keras 3 config dp4j writes for its layer and writes it back unchanged:
 * config → layer → config.
 */
class KerasLayerCodecTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final KerasCodecRegistry CODECS = KerasCodecRegistry.defaults();

  private static final String GLOROT =
      """
      {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null},
       "registered_name": null}""";
  private static final String ZEROS =
      """
      {"module": "keras.initializers", "class_name": "Zeros", "config": {},
       "registered_name": null}""";
  private static final String ONES =
      """
      {"module": "keras.initializers", "class_name": "Ones", "config": {},
       "registered_name": null}""";
  private static final String RANDOM_UNIFORM =
      """
      {"module": "keras.initializers", "class_name": "RandomUniform",
       "config": {"minval": -0.05, "maxval": 0.05, "seed": null}, "registered_name": null}""";

  /**
   * A Keras layer config and the input shape it is read with.
   *
   * @param options the config's options besides name, trainable and dtype, as a JSON object body
   */
  record Case(String className, long[] inputShape, String options) {
    ObjectNode config() throws Exception {
      return (ObjectNode) MAPPER.readTree("{\"name\": \"x\", " + options + "}");
    }

    @Override
    public String toString() {
      return className + " " + options.replaceAll("\\s+", " ");
    }
  }

  static Stream<Case> cases() {
    return Stream.of(
        new Case(
            "Dense",
            new long[] {4},
            """
            "units": 3, "activation": "relu", "use_bias": false,
            "kernel_initializer": %s, "kernel_regularizer": null,
            "bias_initializer": %s, "bias_regularizer": null,
            "kernel_constraint": null, "bias_constraint": null"""
                .formatted(GLOROT, ZEROS)),
        new Case(
            "Conv2D",
            new long[] {8, 8, 2},
            """
            "filters": 4, "kernel_size": [3, 2], "strides": [2, 1], "padding": "same",
            "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1,
            "activation": "elu", "use_bias": true,
            "kernel_initializer": %s, "kernel_regularizer": null,
            "bias_initializer": %s, "bias_regularizer": null,
            "activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null"""
                .formatted(GLOROT, ZEROS)),
        new Case(
            "Conv2D",
            new long[] {8, 8, 2},
            """
            "filters": 2, "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid",
            "data_format": "channels_last", "dilation_rate": [2, 2], "groups": 1,
            "activation": "linear", "use_bias": false,
            "kernel_initializer": %s, "kernel_regularizer": null,
            "bias_initializer": %s, "bias_regularizer": null,
            "activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null"""
                .formatted(GLOROT, ZEROS)),
        new Case(
            "Conv1D",
            new long[] {10, 3},
            """
            "filters": 5, "kernel_size": [3], "strides": [2], "padding": "valid",
            "data_format": "channels_last", "dilation_rate": [1], "groups": 1,
            "activation": "tanh", "use_bias": true,
            "kernel_initializer": %s, "kernel_regularizer": null,
            "bias_initializer": %s, "bias_regularizer": null,
            "activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null"""
                .formatted(GLOROT, ZEROS)),
        new Case(
            "MaxPooling2D",
            new long[] {8, 8, 2},
            """
            "pool_size": [3, 3], "padding": "same", "strides": [2, 2],
            "data_format": "channels_last\""""),
        new Case(
            "AveragePooling2D",
            new long[] {8, 8, 2},
            """
            "pool_size": [2, 2], "padding": "valid", "strides": [2, 2],
            "data_format": "channels_last\""""),
        new Case(
            "GlobalAveragePooling2D",
            new long[] {4, 4, 3},
            """
            "data_format": "channels_last", "keepdims": false"""),
        new Case("Flatten", new long[] {2, 3}, "\"data_format\": \"channels_last\""),
        new Case("Reshape", new long[] {6}, "\"target_shape\": [2, 3]"),
        new Case(
            "Dropout", new long[] {4}, "\"rate\": 0.25, \"seed\": null, \"noise_shape\": null"),
        new Case(
            "Embedding",
            new long[] {5},
            """
            "input_dim": 10, "output_dim": 4,
            "embeddings_initializer": %s, "embeddings_regularizer": null,
            "activity_regularizer": null, "embeddings_constraint": null, "mask_zero": false"""
                .formatted(RANDOM_UNIFORM)),
        new Case(
            "LayerNormalization",
            new long[] {6},
            """
            "axis": -1, "epsilon": 0.001, "center": true, "scale": true,
            "beta_initializer": %s, "beta_regularizer": null,
            "gamma_initializer": %s, "gamma_regularizer": null,
            "beta_constraint": null, "gamma_constraint": null"""
                .formatted(ZEROS, ONES)),
        new Case(
            "GroupNormalization",
            new long[] {4, 4, 6},
            """
            "groups": 3, "axis": -1, "epsilon": 0.001, "center": true, "scale": true,
            "beta_initializer": %s, "beta_regularizer": null,
            "gamma_initializer": %s, "gamma_regularizer": null,
            "beta_constraint": null, "gamma_constraint": null"""
                .formatted(ZEROS, ONES)),
        new Case(
            "GroupNormalization",
            new long[] {5, 4},
            """
            "groups": -1, "axis": -1, "epsilon": 0.01, "center": false, "scale": true,
            "beta_initializer": %s, "beta_regularizer": null,
            "gamma_initializer": %s, "gamma_regularizer": null,
            "beta_constraint": null, "gamma_constraint": null"""
                .formatted(ZEROS, ONES)),
        new Case("LeakyReLU", new long[] {4}, "\"negative_slope\": 0.2"),
        new Case("Activation", new long[] {4}, "\"activation\": \"gelu\""),
        new Case("Activation", new long[] {4}, "\"activation\": \"softmax\""),
        new Case("Permute", new long[] {2, 3, 4}, "\"dims\": [3, 1, 2]"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void configReadThenWrittenIsTheSameConfig(Case c) throws Exception {
    ObjectNode config = c.config();
    KerasLayerCodec<?> reader = CODECS.forClassName(c.className()).orElseThrow();
    LayerConfig options = new LayerConfig(c.className(), "x", config);
    ImportedLayers layers = new ImportedLayers(c.inputShape());
    int weights = reader.read(options, layers);
    options.finish(reader.offValues());

    assertThat(layers.layers()).hasSize(1);
    Layer layer = layers.layers().get(0);
    assertThat(weights)
        .isEqualTo(layer.parameters(c.inputShape()).isEmpty() ? KerasLayerCodec.NO_WEIGHTS : 0);
    assertThat(CODECS.kerasClassName(layer)).isEqualTo(c.className());
    ObjectNode written = MAPPER.createObjectNode().put("name", "x");
    write(layer, written);
    // re-read so that numbers compare as JSON text does (a float 0.25f and the literal 0.25)
    JsonNode reread = MAPPER.readTree(MAPPER.writeValueAsString(written));
    assertThat(reread).isEqualTo(config);
  }

  private static <L extends Layer> void write(L layer, ObjectNode into) {
    CODECS.forLayer(layer).orElseThrow().write(layer, into);
  }

  @Test
  void everyRegisteredCodecHasARoundTripCase() {
    Set<String> tested = cases().map(Case::className).collect(Collectors.toSet());
    assertThat(tested).containsExactlyInAnyOrderElementsOf(CODECS.classNames());
  }

  @Test
  void aliasesReadAsTheirCodec() {
    for (String alias :
        new String[] {
          "Convolution2D", "Convolution1D", "MaxPool2D", "AvgPool2D", "GlobalAvgPool2D"
        }) {
      assertThat(CODECS.forClassName(alias)).as(alias).isPresent();
    }
    assertThat(CODECS.forClassName("MaxPool2D").orElseThrow().kerasClassName())
        .isEqualTo("MaxPooling2D");
  }
}
