package io.dp4j.io.keras;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dp4j.data.Dataset;
import io.dp4j.data.PoissonSampler;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.Activation;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.AveragePooling2D;
import io.dp4j.nn.layers.Conv1D;
import io.dp4j.nn.layers.Conv2D;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.layers.Dropout;
import io.dp4j.nn.layers.Embedding;
import io.dp4j.nn.layers.Flatten;
import io.dp4j.nn.layers.GlobalAveragePooling2D;
import io.dp4j.nn.layers.LayerNormalization;
import io.dp4j.nn.layers.MaxPool2D;
import io.dp4j.nn.layers.Padding;
import io.dp4j.nn.layers.Reshape;
import io.dp4j.nn.layers.Scattering2D;
import io.dp4j.nn.losses.MeanSquaredError;
import io.dp4j.nn.losses.Reduction;
import io.dp4j.nn.optimizers.SGD;
import io.dp4j.privacy.DPSequential;
import io.jhdf.HdfFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Export to {@code .keras} and import back: same layers, weights and predictions. */
class KerasExportTest {
  static final ObjectMapper MAPPER = new ObjectMapper();
  @TempDir Path tmp;

  static void assertSamePredictions(KerasModel a, KerasModel b, float[] x) {
    float[][] pa = a.predict(x);
    float[][] pb = b.predict(x);
    assertThat(pb.length).isEqualTo(pa.length);
    for (int i = 0; i < pa.length; i++) {
      assertThat(pb[i]).containsExactly(pa[i], within(1e-6f));
    }
  }

  static KerasModel roundTrip(KerasModel model, Path file) throws IOException {
    ModelIO.save(model, file);
    return ModelIO.load(file);
  }

  @Test
  void imageModelWithEveryImageLayerRoundTrips() throws IOException {
    Sequential s =
        new Sequential(
            Conv2D.builder()
                .setFilters(4)
                .setKernelSize(3, 2)
                .optStrides(1, 2)
                .optPadding(Padding.SAME)
                .optActivation(ActivationFunction.RELU)
                .build(),
            new MaxPool2D(2),
            new AveragePooling2D(2, 1, Padding.VALID),
            new LayerNormalization(1e-2f),
            new Reshape(2, 3, 4),
            new GlobalAveragePooling2D(),
            new Dropout(0.25),
            new Dense(5, ActivationFunction.TANH),
            new Activation(ActivationFunction.SOFTMAX));
    s.setInputShape(8, 12, 3).setSeed(7);
    s.compile(new SGD(), new MeanSquaredError());
    float[] x = KerasFixturesTest.randomInputs(2 * 8 * 12 * 3, 11);
    Path file = tmp.resolve("image.keras");
    try (KerasModel model = KerasModel.of(s, 8, 12, 3);
        KerasModel back = roundTrip(model, file)) {
      assertThat(back.layerNames()).isEqualTo(model.layerNames());
      assertThat(back.layerNames())
          .containsExactly(
              "conv2d",
              "max_pooling2d",
              "average_pooling2d",
              "layer_normalization",
              "reshape",
              "global_average_pooling2d",
              "dropout",
              "dense",
              "activation");
      assertThat(back.layerSummaries())
          .extracting(KerasModel.LayerSummary::params)
          .isEqualTo(model.layerSummaries().stream().map(KerasModel.LayerSummary::params).toList());
      assertThat(back.privacyRecord()).isEmpty();
      assertSamePredictions(model, back, x);
      List<float[]> wa = model.sequential().getWeights();
      List<float[]> wb = back.sequential().getWeights();
      for (int i = 0; i < wa.size(); i++) {
        assertThat(wb.get(i)).containsExactly(wa.get(i));
      }
    }
  }

  @Test
  void weightStandardizationIsRefusedNamingTheLayerAndOption() {
    Sequential s =
        new Sequential(
            Conv2D.builder().setFilters(2).setKernelSize(3).optWeightStandardization(true).build(),
            new Flatten(),
            new Dense(2));
    s.setInputShape(5, 5, 1).setSeed(1);
    s.compile(new SGD(), new MeanSquaredError());
    Path file = tmp.resolve("ws.keras");
    try (KerasModel model = KerasModel.of(s, 5, 5, 1)) {
      assertThatThrownBy(() -> ModelIO.save(model, file))
          .isInstanceOf(KerasFormatException.class)
          .hasMessageContaining("layer conv2d (Conv2D): option weightStandardization is dp4j-only")
          .hasMessageContaining("Keras' Conv2D has no weight standardization");
    }
    assertThat(file).doesNotExist();
  }

  @Test
  void sequenceModelWithEmbeddingConv1dRoundTrips() throws IOException {
    Sequential s =
        new Sequential(
            new Embedding(20, 6),
            new Conv1D(null, 5, 3, 2, Padding.SAME, ActivationFunction.SIGMOID),
            new LayerNormalization(),
            new Flatten(),
            new Dense(1));
    s.setInputShape(7).setSeed(3);
    s.compile(new SGD(), new MeanSquaredError());
    float[] ids = new float[14];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = (i * 7) % 20;
    }
    try (KerasModel model = KerasModel.of(s, 7);
        KerasModel back = roundTrip(model, tmp.resolve("seq.keras"))) {
      assertThat(back.layerNames())
          .containsExactly("embedding", "conv1d", "layer_normalization", "flatten", "dense");
      assertSamePredictions(model, back, ids);
    }
  }

  @Test
  void archiveHasKeras3Layout() throws IOException {
    Path file = tmp.resolve("m.keras");
    try (KerasModel model =
        ModelIO.load(KerasFixturesTest.fixture("k3.1.1_seq_diabetes_dense.keras"))) {
      ModelIO.save(model, file);
      try (ZipFile zip = new ZipFile(file.toFile())) {
        assertThat(zip.stream().map(ZipEntry::getName))
            .containsExactly("metadata.json", "config.json", "model.weights.h5");
        JsonNode config = MAPPER.readTree(zip.getInputStream(zip.getEntry("config.json")));
        assertThat(config.get("class_name").asText()).isEqualTo("Sequential");
        assertThat(config.get("module").asText()).isEqualTo("keras");
        JsonNode layers = config.get("config").get("layers");
        assertThat(layers.get(0).get("class_name").asText()).isEqualTo("InputLayer");
        assertThat(layers.get(0).get("config").get("batch_shape").toString())
            .isEqualTo("[null,10]");
        assertThat(layers.get(1).get("config").get("name").asText()).isEqualTo("dense_21");
        assertThat(layers.get(1).get("build_config").get("input_shape").toString())
            .isEqualTo("[null,10]");
        byte[] h5 = zip.getInputStream(zip.getEntry("model.weights.h5")).readAllBytes();
        try (HdfFile weights = HdfFile.fromBytes(h5)) {
          assertThat(weights.getDatasetByPath("layers/dense/vars/0").getDimensions())
              .containsExactly(10, 20);
          assertThat(weights.getDatasetByPath("layers/dense_2/vars/1").getDimensions())
              .containsExactly(1);
          float[] bias = (float[]) weights.getDatasetByPath("layers/dense/vars/1").getDataFlat();
          assertThat(bias).containsExactly(model.sequential().getWeights().get(1));
          assertThat(weights.getChild("vars")).isNotNull();
        }
      }
      try (KerasModel back = ModelIO.load(file)) {
        assertThat(back.layerNames()).containsExactly("dense_21", "dense_22", "dense_23");
        assertSamePredictions(model, back, KerasFixturesTest.randomInputs(30, 5));
      }
    }
  }

  @Test
  void everyFixtureRoundTripsThroughKerasExport() throws IOException {
    String[] fixtures = {
      "k2.3.1_seq_dense_softmax_model.h5",
      "k2.4.0_seq_mnist_flatten_dense.h5",
      "k2.1.3_seq_conv2d_reshape_dense.h5",
      "k2.1.3_seq_embedding_conv1d_dense.h5",
      "k2.3.1_seq_conv2d_maxpool_channels_first.h5",
      "k3.1.1_seq_diabetes_dense.keras"
    };
    for (String name : fixtures) {
      try (KerasModel model = ModelIO.load(KerasFixturesTest.fixture(name));
          KerasModel back = roundTrip(model, tmp.resolve(name + ".keras"))) {
        long size = 1;
        for (long d : model.inputShape()) {
          size *= d;
        }
        float[] x = KerasFixturesTest.randomInputs((int) size * 2, name.hashCode());
        if (name.contains("embedding")) {
          for (int i = 0; i < x.length; i++) {
            x[i] = Math.abs(i * 13) % 200;
          }
        }
        assertThat(back.layerNames()).as(name).isEqualTo(model.layerNames());
        assertSamePredictions(model, back, x);
      }
    }
  }

  @Test
  void privacyRecordOfDpTrainingTravelsInMetadata() throws IOException {
    DPSequential s =
        new DPSequential(1.0, 1.1, new Dense(3, ActivationFunction.RELU), new Dense(1));
    s.setInputShape(4).setSeed(1);
    s.compile(new SGD(0.1f), new MeanSquaredError(Reduction.NONE));
    float[] x = KerasFixturesTest.randomInputs(40 * 4, 2);
    float[] y = KerasFixturesTest.randomInputs(40, 3);
    s.fit(new Dataset(x, new long[] {4}, y, new long[] {1}), PoissonSampler.seeded(40, 0.25, 9), 2);
    PrivacyRecord record = PrivacyRecord.of(s, 1e-5);
    assertThat(record.steps()).isEqualTo(s.steps()).isPositive();
    assertThat(record.epsilon()).isEqualTo(s.privacySpent(1e-5).epsilon()).isPositive();
    assertThat(record.noiseMultiplier()).isEqualTo(1.1);
    assertThat(record.l2NormClip()).isEqualTo(1.0);
    assertThat(record.samplingRate()).isEqualTo(0.25);
    assertThat(record.sampling()).isEqualTo("poisson");
    assertThat(record.secureNoise()).isFalse();
    assertThat(record.predictableRandomness()).as("PoissonSampler.seeded is predictable").isTrue();
    Path file = tmp.resolve("dp.keras");
    try (KerasModel model = KerasModel.of(s, 4).withPrivacyRecord(record);
        KerasModel back = roundTrip(model, file)) {
      assertThat(back.privacyRecord()).contains(record);
      assertSamePredictions(model, back, x);
      try (ZipFile zip = new ZipFile(file.toFile())) {
        JsonNode meta = MAPPER.readTree(zip.getInputStream(zip.getEntry("metadata.json")));
        assertThat(meta.get("dp4j_privacy").get("accountant").asText()).isEqualTo("rdp");
        assertThat(meta.get("dp4j_privacy").get("noise_multiplier").asDouble()).isEqualTo(1.1);
        assertThat(meta.get("dp4j_privacy").get("secure_noise").asBoolean()).isFalse();
      }
      // a record written before secure_noise existed reads as the default mode
      ObjectNode old = record.toJson();
      old.remove("secure_noise");
      assertThat(PrivacyRecord.fromJson(old)).isEqualTo(record);
      try (ZipFile zip = new ZipFile(file.toFile())) {
        JsonNode meta = MAPPER.readTree(zip.getInputStream(zip.getEntry("metadata.json")));
        assertThat(meta.get("dp4j_privacy").get("predictable_randomness").asBoolean()).isTrue();
      }
      old.remove("predictable_randomness");
      assertThat(PrivacyRecord.fromJson(old).predictableRandomness()).isFalse();
    }
  }

  @Test
  void saveReplacesAtomicallyAndLeavesNoTemporaryFiles() throws IOException {
    Path file = tmp.resolve("x.keras");
    Files.writeString(file, "old");
    try (KerasModel model =
        ModelIO.load(KerasFixturesTest.fixture("k2.3.1_seq_dense_softmax_model.h5"))) {
      ModelIO.save(model, file);
    }
    List<String> names = new ArrayList<>();
    try (var files = Files.list(tmp)) {
      files.forEach(f -> names.add(f.getFileName().toString()));
    }
    assertThat(names).containsExactly("x.keras");
    try (KerasModel back = ModelIO.load(file)) {
      KerasFixturesTest.assertKnownPrediction(back);
    }
  }

  @Test
  void aScatteringModelIsRefusedNamingTheLayerAndServedAsASavedModel() throws IOException {
    Sequential s =
        new Sequential(Scattering2D.builder().setJ(2).optL(4).build(), new Flatten(), new Dense(3));
    s.setInputShape(12, 12, 1).setSeed(2);
    s.compile(new SGD(), new MeanSquaredError());
    float[] x = KerasFixturesTest.randomInputs(2 * 144, 4);
    Path dir = tmp.resolve("scatternet");
    try (KerasModel model = KerasModel.of(s, 12, 12, 1)) {
      assertThatThrownBy(() -> ModelIO.save(model, tmp.resolve("scatternet.keras")))
          .isInstanceOf(KerasFormatException.class)
          .hasMessageStartingWith(
              "layer scattering2d (Scattering2D) cannot be exported to Keras: Keras has no"
                  + " scattering transform layer")
          .hasMessageContaining("ModelIO.exportSavedModel");
      assertThat(tmp.resolve("scatternet.keras")).doesNotExist();
      // the SavedModel is a TensorFlow graph: the transform is in it
      ModelIO.exportSavedModel(model, dir);
      float[][] expected = model.predict(x);
      float[][] served = SavedModelExportTest.serve(dir, x, 2, 12, 12, 1);
      for (int i = 0; i < 2; i++) {
        assertThat(served[i]).containsExactly(expected[i], within(1e-6f));
      }
    }
  }
}
