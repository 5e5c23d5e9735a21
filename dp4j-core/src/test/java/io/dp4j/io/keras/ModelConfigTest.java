package io.dp4j.io.keras;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.Conv2D;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.layers.Embedding;
import io.dp4j.nn.layers.LayerNormalization;
import io.dp4j.nn.layers.MaxPool2D;
import io.dp4j.nn.layers.Padding;
import org.junit.jupiter.api.Test;

/** {@link ModelIO#fromJson} on the config layouts of Keras 2.x, tf-keras and Keras 3. */
class ModelConfigTest {

  static String keras3Dense(String name, String extra) {
    return """
        {"module": "keras.layers", "class_name": "Dense", "config": {"name": "%s",
         "trainable": true,
         "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
                   "registered_name": null},
         "units": 3, "activation": "tanh", "use_bias": false,
         "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform",
                                "config": {"seed": null}, "registered_name": null},
         "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {},
                              "registered_name": null},
         "kernel_regularizer": null, "bias_regularizer": null, "kernel_constraint": null,
         "bias_constraint": null %s},
         "registered_name": null, "build_config": {"input_shape": [null, 4]}}
        """
        .formatted(name, extra);
  }

  static String keras3(String layers) {
    return """
        {"module": "keras", "class_name": "Sequential", "config": {"name": "seq", "trainable": true,
         "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
                   "registered_name": null},
         "layers": [{"module": "keras.layers", "class_name": "InputLayer",
                     "config": {"batch_shape": [null, 4], "dtype": "float32", "sparse": false,
                                "name": "input_layer"}, "registered_name": null}, %s]},
         "registered_name": null, "build_config": {"input_shape": [null, 4]}}
        """
        .formatted(layers);
  }

  @Test
  void keras3DtypePolicyObjectsAndBatchShape() {
    try (KerasModel m = ModelIO.fromJson(keras3(keras3Dense("d", "")))) {
      assertThat(m.inputShape()).containsExactly(4);
      Dense d = (Dense) m.sequential().layers().get(0);
      assertThat(d.units()).isEqualTo(3);
      assertThat(d.useBias()).isFalse();
      assertThat(d.activation()).isEqualTo(ActivationFunction.TANH);
      assertThat(m.sequential().getWeights()).hasSize(1);
    }
  }

  @Test
  void newActivationsImportAndExportByKerasName() {
    for (String name : new String[] {"gelu", "elu", "leaky_relu"}) {
      String json = keras3(keras3Dense("d", "").replace("\"tanh\"", "\"" + name + "\""));
      try (KerasModel m = ModelIO.fromJson(json)) {
        Dense d = (Dense) m.sequential().layers().get(0);
        assertThat(d.activation().name().toLowerCase(java.util.Locale.ROOT)).isEqualTo(name);
        assertThat(ModelIO.toJson(m)).containsPattern("\"activation\" ?: \"" + name + "\"");
      }
    }
  }

  @Test
  void leakyReluLayerImportsAndExports() {
    String json =
        keras3(
            """
            {"class_name": "LeakyReLU", "config": {"name": "l", "negative_slope": 0.1}},
            {"class_name": "LeakyReLU", "config": {"name": "l2"}},
            {"class_name": "LeakyReLU", "config": {"name": "l3", "alpha": 0.05}}
            """);
    try (KerasModel m = ModelIO.fromJson(json)) {
      var layers = m.sequential().layers();
      assertThat(((io.dp4j.nn.layers.LeakyReLU) layers.get(0)).negativeSlope()).isEqualTo(0.1f);
      assertThat(((io.dp4j.nn.layers.LeakyReLU) layers.get(1)).negativeSlope()).isEqualTo(0.3f);
      assertThat(((io.dp4j.nn.layers.LeakyReLU) layers.get(2)).negativeSlope()).isEqualTo(0.05f);
      assertThat(m.predict(new float[] {-1f, 2f, -3f, 0f})[0])
          .containsExactly(
              new float[] {-0.1f * 0.3f * 0.05f, 2f, -3f * 0.1f * 0.3f * 0.05f, 0f},
              org.assertj.core.data.Offset.offset(1e-7f));
      String out = ModelIO.toJson(m);
      assertThat(out).contains("LeakyReLU").containsPattern("\"negative_slope\" ?: 0\\.1");
      try (KerasModel back = ModelIO.fromJson(out)) {
        assertThat(
                ((io.dp4j.nn.layers.LeakyReLU) back.sequential().layers().get(0)).negativeSlope())
            .isEqualTo(0.1f);
      }
    }
  }

  @Test
  void conv2dDilationRateImportsAndExports() {
    String json =
        keras3(
            """
            {"class_name": "Reshape", "config": {"name": "r", "target_shape": [2, 2, 1]}},
            {"class_name": "Conv2D", "config": {"name": "c", "filters": 1, "kernel_size": 1,
              "padding": "same", "dilation_rate": [2, 3]}}
            """);
    try (KerasModel m = ModelIO.fromJson(json)) {
      io.dp4j.nn.layers.Conv2D c = (io.dp4j.nn.layers.Conv2D) m.sequential().layers().get(1);
      assertThat(c.dilationHeight()).isEqualTo(2);
      assertThat(c.dilationWidth()).isEqualTo(3);
      assertThat(m.sequential().outputShape()).containsExactly(2, 2, 1);
      assertThat(ModelIO.toJson(m)).containsPattern("\"dilation_rate\" ?: \\[ ?2, ?3 ?\\]");
    }
  }

  @Test
  void tfKerasDictFormWithBatchInputShapeOnFirstLayer() {
    String json =
        """
        {"class_name": "Sequential", "config": {"name": "s", "layers": [
          {"class_name": "Conv2D", "config": {"name": "c", "trainable": true,
            "batch_input_shape": [null, 8, 8, 2], "dtype": "float32", "filters": 4,
            "kernel_size": [3, 3], "strides": [2, 2], "padding": "same",
            "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1,
            "activation": "relu", "use_bias": true,
            "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": null}},
            "bias_initializer": {"class_name": "Zeros", "config": {}},
            "kernel_regularizer": null, "bias_regularizer": null, "activity_regularizer": null,
            "kernel_constraint": null, "bias_constraint": null}},
          {"class_name": "MaxPooling2D", "config": {"name": "p", "trainable": true,
            "dtype": "float32", "pool_size": [2, 2], "padding": "valid", "strides": null,
            "data_format": "channels_last"}},
          {"class_name": "LayerNormalization", "config": {"name": "n", "trainable": true,
            "dtype": "float32", "axis": [3], "epsilon": 0.01, "center": true, "scale": true,
            "beta_initializer": {"class_name": "Zeros", "config": {}},
            "gamma_initializer": {"class_name": "Ones", "config": {}},
            "beta_regularizer": null, "gamma_regularizer": null, "beta_constraint": null,
            "gamma_constraint": null}},
          {"class_name": "GlobalAveragePooling2D", "config": {"name": "g", "trainable": true,
            "dtype": "float32", "data_format": "channels_last", "keepdims": false}},
          {"class_name": "Dense", "config": {"name": "out", "units": 2, "activation": "softmax"}}
        ]}, "keras_version": "2.11.0", "backend": "tensorflow"}
        """;
    try (KerasModel m = ModelIO.fromJson(json)) {
      assertThat(m.layerNames()).containsExactly("c", "p", "n", "g", "out");
      Conv2D c = (Conv2D) m.sequential().layers().get(0);
      assertThat(c.strideHeight()).isEqualTo(2);
      assertThat(c.padding()).isEqualTo(Padding.SAME);
      assertThat(((MaxPool2D) m.sequential().layers().get(1)).strides()).isEqualTo(2);
      assertThat(((LayerNormalization) m.sequential().layers().get(2)).epsilon()).isEqualTo(0.01f);
      assertThat(m.sequential().outputShape()).containsExactly(2);
    }
  }

  @Test
  void keras21ListFormEmbedding() {
    String json =
        """
        {"class_name": "Sequential", "config": [
          {"class_name": "Embedding", "config": {"name": "e", "trainable": true,
            "batch_input_shape": [null, 5], "dtype": "float32", "input_dim": 30, "output_dim": 4,
            "embeddings_initializer": {"class_name": "RandomUniform",
               "config": {"minval": -0.05, "maxval": 0.05, "seed": null}},
            "embeddings_regularizer": null, "activity_regularizer": null,
            "embeddings_constraint": null, "mask_zero": false, "input_length": 5}},
          {"class_name": "Flatten", "config": {"name": "f", "trainable": true}},
          {"class_name": "Dropout", "config": {"name": "dr", "trainable": true, "rate": 0.5,
            "noise_shape": null, "seed": null}},
          {"class_name": "Dense", "config": {"name": "d", "units": 1, "activation": "sigmoid"}}
        ]}
        """;
    try (KerasModel m = ModelIO.fromJson(json)) {
      assertThat(m.inputShape()).containsExactly(5);
      assertThat(((Embedding) m.sequential().layers().get(0)).inputDim()).isEqualTo(30);
      assertThat(m.sequential().outputShape()).containsExactly(1);
    }
  }

  @Test
  void functionalChainImportsAsSequential() {
    String json =
        """
        {"class_name": "Functional", "config": {"name": "f", "layers": [
          {"class_name": "InputLayer", "name": "in", "inbound_nodes": [],
           "config": {"batch_input_shape": [null, 4], "dtype": "float32", "sparse": false,
                      "ragged": false, "name": "in"}},
          {"class_name": "Dense", "name": "a", "inbound_nodes": [[["in", 0, 0, {}]]],
           "config": {"name": "a", "units": 5, "activation": "relu"}},
          {"class_name": "Dense", "name": "b", "inbound_nodes": [[["a", 0, 0, {}]]],
           "config": {"name": "b", "units": 2}}],
          "input_layers": [["in", 0, 0]], "output_layers": [["b", 0, 0]]}}
        """;
    try (KerasModel m = ModelIO.fromJson(json)) {
      assertThat(m.layerNames()).containsExactly("a", "b");
      assertThat(m.sequential().outputShape()).containsExactly(2);
    }
  }

  @Test
  void keras3FunctionalChainWithKerasHistory() {
    String json =
        """
        {"module": "keras.src.models.functional", "class_name": "Functional",
         "config": {"name": "f", "trainable": true, "layers": [
          {"module": "keras.layers", "class_name": "InputLayer", "name": "in", "inbound_nodes": [],
           "config": {"batch_shape": [null, 4], "dtype": "float32", "sparse": false, "name": "in"}},
          {"module": "keras.layers", "class_name": "Dense", "name": "a",
           "config": {"name": "a", "units": 5, "activation": "relu"},
           "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__",
              "config": {"shape": [null, 4], "dtype": "float32", "keras_history": ["in", 0, 0]}}],
              "kwargs": {}}]}],
          "input_layers": [["in", 0, 0]], "output_layers": [["a", 0, 0]]}}
        """;
    try (KerasModel m = ModelIO.fromJson(json)) {
      assertThat(m.layerNames()).containsExactly("a");
    }
  }

  @Test
  void functionalBranchIsRefused() {
    String json =
        """
        {"class_name": "Functional", "config": {"name": "f", "layers": [
          {"class_name": "InputLayer", "name": "in", "inbound_nodes": [],
           "config": {"batch_input_shape": [null, 4], "name": "in"}},
          {"class_name": "Dense", "name": "a", "inbound_nodes": [[["in", 0, 0, {}]]],
           "config": {"name": "a", "units": 4}},
          {"class_name": "Add", "name": "sum", "inbound_nodes": [[["in", 0, 0, {}], ["a", 0, 0, {}]]],
           "config": {"name": "sum"}}],
          "input_layers": [["in", 0, 0]], "output_layers": [["sum", 0, 0]]}}
        """;
    assertThatThrownBy(() -> ModelIO.fromJson(json))
        .isInstanceOf(KerasFormatException.class)
        .hasMessageContaining("single chain")
        .hasMessageContaining("sum");
  }

  @Test
  void unknownLayerIsNamed() {
    String lstm =
        """
        {"class_name": "LSTM", "config": {"name": "lstm_1", "units": 4}}
        """;
    assertThatThrownBy(() -> ModelIO.fromJson(keras3(lstm)))
        .isInstanceOf(KerasFormatException.class)
        .hasMessageContaining("lstm_1")
        .hasMessageContaining("'LSTM' is not supported");
  }

  @Test
  void batchNormalizationIsRefusedSayingWhyAndWhatToUseInstead() {
    String bn =
        """
        {"class_name": "BatchNormalization", "config": {"name": "bn", "axis": -1}}
        """;
    assertThatThrownBy(() -> ModelIO.fromJson(keras3(bn)))
        .isInstanceOf(KerasFormatException.class)
        .hasMessageContaining("layer bn: Keras layer class 'BatchNormalization' mixes the examples")
        .hasMessageContaining("a per-example gradient is not defined")
        .hasMessageContaining("use GroupNormalization instead")
        .hasMessageContaining("or LayerNormalization");
  }

  @Test
  void frozenLayersImportFrozenAndExportAsFrozen() {
    String frozen = keras3Dense("d", "").replace("\"trainable\": true", "\"trainable\": false");
    String layers = frozen + ", " + keras3Dense("head", "").replace("[null, 4]", "[null, 3]");
    try (KerasModel m = ModelIO.fromJson(keras3(layers))) {
      assertThat(m.sequential().layers().get(0).isTrainable()).isFalse();
      assertThat(m.sequential().layers().get(1).isTrainable()).isTrue();
      assertThat(m.summary()).contains("Trainable params: 9", "Non-trainable params: 12");
      String exported = ModelIO.toJson(m);
      try (KerasModel again = ModelIO.fromJson(exported)) {
        assertThat(again.sequential().layers().get(0).isTrainable()).isFalse();
        assertThat(again.sequential().layers().get(1).isTrainable()).isTrue();
      }
      assertThat(exported.replaceAll("\\s", ""))
          .contains("\"name\":\"d\",\"trainable\":false")
          .contains("\"name\":\"head\",\"trainable\":true");
    }
  }

  @Test
  void unsupportedOptionsAreNamedNeverDropped() {
    assertThatThrownBy(
            () ->
                ModelIO.fromJson(
                    keras3(
                        keras3Dense("d", ", \"activity_regularizer\": {\"class_name\": \"L2\"}"))))
        .hasMessageContaining("layer d (Dense): option activity_regularizer=");
    assertThatThrownBy(() -> ModelIO.fromJson(keras3(keras3Dense("d", ", \"quux\": 1"))))
        .hasMessageContaining("option quux=1 is not supported");
    String selu = keras3Dense("d", "").replace("\"tanh\"", "\"selu\"");
    assertThatThrownBy(() -> ModelIO.fromJson(keras3(selu)))
        .hasMessageContaining("option activation=selu");
    String dilated =
        """
        {"class_name": "Reshape", "config": {"name": "r", "target_shape": [4, 1]}},
        {"class_name": "Conv1D", "config": {"name": "c", "filters": 1, "kernel_size": 1,
          "dilation_rate": [2]}}
        """;
    assertThatThrownBy(() -> ModelIO.fromJson(keras3(dilated)))
        .hasMessageContaining("layer c (Conv1D): option dilation_rate=[2]");
    String causal =
        """
        {"class_name": "Reshape", "config": {"name": "r", "target_shape": [4, 1]}},
        {"class_name": "Conv1D", "config": {"name": "c", "filters": 1, "kernel_size": 2,
          "padding": "causal"}}
        """;
    assertThatThrownBy(() -> ModelIO.fromJson(keras3(causal)))
        .hasMessageContaining("option padding=causal");
    String masked =
        """
        {"class_name": "Embedding", "config": {"name": "e", "input_dim": 9, "output_dim": 2,
          "mask_zero": true}}
        """;
    assertThatThrownBy(() -> ModelIO.fromJson(keras3(masked)))
        .hasMessageContaining("layer e (Embedding): option mask_zero=true");
  }

  @Test
  void optionsAtKerasOffValuesAreAccepted() {
    // as Keras 3.15.1 writes a Dense layer, plus a lora_rank of 0 (Keras: no LoRA)
    String dense = keras3Dense("d", ", \"quantization_config\": null, \"lora_rank\": 0");
    String others =
        """
        {"class_name": "Reshape", "config": {"name": "r", "target_shape": [3, 1]}},
        {"class_name": "Conv1D", "config": {"name": "c", "filters": 2, "kernel_size": 2,
          "dilation_rate": 1, "groups": 1.0, "use_bias": true, "activity_regularizer": null}},
        {"class_name": "LayerNormalization", "config": {"name": "n", "center": true,
          "scale": true, "rms_scaling": false, "gamma_constraint": null}}
        """;
    try (KerasModel m = ModelIO.fromJson(keras3(dense + "," + others))) {
      assertThat(m.layerNames()).containsExactly("d", "r", "c", "n");
    }
  }

  @Test
  void nullFlagIsFalseAsKerasTestsItForTruth() {
    // Keras builds no bias for use_bias=None and no beta for center=None
    String noBias = keras3Dense("d", "").replace("\"use_bias\": false", "\"use_bias\": null");
    try (KerasModel m = ModelIO.fromJson(keras3(noBias))) {
      assertThat(m.sequential().getWeights()).hasSize(1);
    }
    String uncentered =
        """
        {"class_name": "LayerNormalization", "config": {"name": "n", "center": null}}
        """;
    assertThatThrownBy(() -> ModelIO.fromJson(keras3(uncentered)))
        .hasMessageContaining("layer n (LayerNormalization): option center=null");
    String unmasked =
        """
        {"class_name": "Embedding", "config": {"name": "e", "input_dim": 9, "output_dim": 2,
          "mask_zero": null, "sparse": null}}
        """;
    try (KerasModel m = ModelIO.fromJson(keras3(unmasked))) {
      assertThat(m.layerNames()).containsExactly("e");
    }
  }

  @Test
  void optionsThatChangeTheModelAreRefusedNamingLayerOptionAndValue() {
    String quantized =
        keras3Dense(
            "d",
            ", \"quantization_config\": {\"class_name\": \"Int8QuantizationConfig\","
                + " \"config\": {}}");
    assertThatThrownBy(() -> ModelIO.fromJson(keras3(quantized)))
        .isInstanceOf(KerasFormatException.class)
        .hasMessageContaining("layer d (Dense): option quantization_config={")
        .hasMessageContaining("Int8QuantizationConfig")
        .hasMessageContaining("accepts only [null]");
    assertThatThrownBy(() -> ModelIO.fromJson(keras3(keras3Dense("d", ", \"lora_rank\": 4"))))
        .hasMessageContaining("layer d (Dense): option lora_rank=4 is not supported");
    String uncentered =
        """
        {"class_name": "LayerNormalization", "config": {"name": "n", "center": false}}
        """;
    assertThatThrownBy(() -> ModelIO.fromJson(keras3(uncentered)))
        .hasMessageContaining("layer n (LayerNormalization): option center=false")
        .hasMessageContaining("accepts only [true]");
    String rms =
        """
        {"class_name": "LayerNormalization", "config": {"name": "n", "rms_scaling": true}}
        """;
    assertThatThrownBy(() -> ModelIO.fromJson(keras3(rms)))
        .hasMessageContaining("layer n (LayerNormalization): option rms_scaling=true");
    String grouped =
        """
        {"class_name": "Reshape", "config": {"name": "r", "target_shape": [2, 2, 1]}},
        {"class_name": "Conv2D", "config": {"name": "c", "filters": 2, "kernel_size": 1,
          "groups": 2}}
        """;
    assertThatThrownBy(() -> ModelIO.fromJson(keras3(grouped)))
        .hasMessageContaining("layer c (Conv2D): option groups=2");
    // an option at an off value of another layer kind is still unknown here
    assertThatThrownBy(() -> ModelIO.fromJson(keras3(keras3Dense("d", ", \"mask_zero\": false"))))
        .hasMessageContaining("layer d (Dense): option mask_zero=false is not supported");
  }

  @Test
  void invalidJsonAndMissingShapeAreClearErrors() {
    assertThatThrownBy(() -> ModelIO.fromJson("{\"class_name\": \"Sequential\", "))
        .isInstanceOf(KerasFormatException.class)
        .hasMessageContaining("not valid JSON");
    assertThatThrownBy(
            () ->
                ModelIO.fromJson(
                    "{\"class_name\": \"Sequential\", \"config\": {\"layers\": [{\"class_name\":"
                        + " \"Dense\", \"config\": {\"name\": \"d\", \"units\": 2}}]}}"))
        .hasMessageContaining("declares no input shape");
    assertThatThrownBy(
            () ->
                ModelIO.fromJson(
                    keras3(
                        "{\"class_name\": \"Reshape\", \"config\": {\"name\": \"r\","
                            + " \"target_shape\": [3]}}")))
        .hasMessageContaining("layer r: cannot reshape [4] to [3]");
  }
}
