package io.dp4j.io.keras;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged and mismatched files: each is a {@link KerasFormatException} naming the problem, never
 * another exception, a hang or a half-built model.
 */
class MalformedFilesTest {
  @TempDir Path tmp;

  /** Loads {@code file}: a whole model (closed here) or a KerasFormatException, within 20 s. */
  static String loadOutcome(Path file) {
    return assertTimeoutPreemptively(
        Duration.ofSeconds(20),
        () -> {
          try (KerasModel m = ModelIO.load(file)) {
            assertThat(m.sequential().getWeights()).isNotEmpty();
            return "model";
          } catch (KerasFormatException e) {
            assertThat(e.getMessage()).isNotBlank();
            return "error";
          }
        });
  }

  Path exported() throws IOException {
    Path file = tmp.resolve("good.keras");
    try (KerasModel m =
        ModelIO.load(KerasFixturesTest.fixture("k2.3.1_seq_dense_softmax_model.h5"))) {
      ModelIO.save(m, file);
    }
    return file;
  }

  @Test
  void truncatedZipsAreClearErrors() throws IOException {
    byte[] good = Files.readAllBytes(exported());
    for (int length :
        new int[] {0, 3, 30, 200, good.length / 2, good.length - 22, good.length - 1}) {
      Path cut = tmp.resolve("cut" + length + ".keras");
      Files.write(cut, Arrays.copyOf(good, length));
      assertThat(loadOutcome(cut))
          .as("truncated at %d of %d bytes", length, good.length)
          .isEqualTo("error");
    }
    Path cut = tmp.resolve("cut.keras");
    Files.write(cut, Arrays.copyOf(good, good.length / 2));
    assertThatThrownBy(() -> ModelIO.load(cut))
        .isInstanceOf(KerasFormatException.class)
        .hasMessageContaining("zip");
  }

  @Test
  void truncatedAndCorruptHdf5AreClearErrors() throws IOException {
    byte[] good =
        Files.readAllBytes(KerasFixturesTest.fixture("k2.3.1_seq_dense_softmax_model.h5"));
    for (int length : new int[] {8, 100, 1000, good.length / 2, good.length - 100}) {
      Path cut = tmp.resolve("cut" + length + ".h5");
      Files.write(cut, Arrays.copyOf(good, length));
      assertThat(loadOutcome(cut)).as("truncated at %d", length).isEqualTo("error");
    }
    byte[] badSuperblock = good.clone();
    Arrays.fill(badSuperblock, 8, 64, (byte) 0x7f);
    Path bad = tmp.resolve("superblock.h5");
    Files.write(bad, badSuperblock);
    assertThatThrownBy(() -> ModelIO.load(bad))
        .isInstanceOf(KerasFormatException.class)
        .hasMessageContaining("HDF5");
  }

  @Test
  void randomByteDamageNeverEscapesAsAnotherException() throws IOException {
    byte[] h5 = Files.readAllBytes(KerasFixturesTest.fixture("k2.3.1_seq_dense_softmax_model.h5"));
    byte[] zip = Files.readAllBytes(exported());
    List<Integer> lengths;
    try (KerasModel intact = ModelIO.load(exported())) {
      lengths = weightLengths(intact);
    }
    SplittableRandom random = new SplittableRandom(42);
    List<String> outcomes = new ArrayList<>();
    for (int trial = 0; trial < Integer.getInteger("dp4j.fuzzTrials", 40); trial++) {
      byte[] source = trial % 2 == 0 ? h5 : zip;
      byte[] damaged = source.clone();
      int start = 8 + random.nextInt(damaged.length - 16);
      for (int i = 0; i < 8 && start + i < damaged.length; i++) {
        damaged[start + i] = (byte) random.nextInt(256);
      }
      Path file = tmp.resolve("damaged" + trial + (trial % 2 == 0 ? ".h5" : ".keras"));
      Files.write(file, damaged);
      // loadOutcome fails the test on any exception but KerasFormatException
      String outcome = loadOutcome(file);
      if (outcome.equals("model")) {
        // damage inside weight values or padding may load, but never as another architecture
        try (KerasModel loaded = ModelIO.load(file)) {
          assertThat(weightLengths(loaded)).as("trial %d loaded", trial).isEqualTo(lengths);
        }
      }
      outcomes.add(outcome);
    }
    assertThat(outcomes).contains("error");
  }

  private static List<Integer> weightLengths(KerasModel model) {
    return model.sequential().getWeights().stream().map(w -> w.length).toList();
  }

  static void writeZip(Path file, String config, byte[] weights) throws IOException {
    try (OutputStream out = Files.newOutputStream(file);
        ZipOutputStream zip = new ZipOutputStream(out)) {
      zip.putNextEntry(new ZipEntry("config.json"));
      zip.write(config.getBytes(StandardCharsets.UTF_8));
      zip.closeEntry();
      if (weights != null) {
        zip.putNextEntry(new ZipEntry("model.weights.h5"));
        zip.write(weights);
        zip.closeEntry();
      }
    }
  }

  @Test
  void archiveWithMissingOrGarbageWeightsOrBadConfig() throws IOException {
    String config =
        ModelIO.toJson(ModelIO.load(KerasFixturesTest.fixture("k3.1.1_seq_diabetes_dense.keras")));
    Path missing = tmp.resolve("missing.keras");
    writeZip(missing, config, null);
    assertThatThrownBy(() -> ModelIO.load(missing)).hasMessageContaining("has no model.weights.h5");
    Path garbage = tmp.resolve("garbage.keras");
    writeZip(garbage, config, "not hdf5 at all".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> ModelIO.load(garbage))
        .isInstanceOf(KerasFormatException.class)
        .hasMessageContaining("model.weights.h5 is not a readable HDF5 file");
    Path badJson = tmp.resolve("badjson.keras");
    writeZip(badJson, "{\"class_name\": ", new byte[0]);
    assertThatThrownBy(() -> ModelIO.load(badJson))
        .hasMessageContaining("config.json is not valid JSON");
    Path notKeras = tmp.resolve("notkeras.bin");
    Files.write(notKeras, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
    assertThatThrownBy(() -> ModelIO.load(notKeras))
        .hasMessageContaining("is not a Keras model file");
  }

  @Test
  void archiveWhoseWeightsDoNotFitTheConfigNamesLayerAndShapes() throws IOException {
    Path good = tmp.resolve("d.keras");
    try (KerasModel m =
        ModelIO.load(KerasFixturesTest.fixture("k3.1.1_seq_diabetes_dense.keras"))) {
      ModelIO.save(m, good);
      String wider = ModelIO.toJson(m).replaceFirst("\"units\" : 20", "\"units\" : 21");
      byte[] weights;
      try (var zip = new java.util.zip.ZipFile(good.toFile())) {
        weights = zip.getInputStream(zip.getEntry("model.weights.h5")).readAllBytes();
      }
      Path mismatched = tmp.resolve("mismatch.keras");
      writeZip(mismatched, wider, weights);
      assertThatThrownBy(() -> ModelIO.load(mismatched))
          .isInstanceOf(KerasFormatException.class)
          .hasMessageContaining("layer dense_21")
          .hasMessageContaining("[10, 20] in the file")
          .hasMessageContaining("model needs [10, 21]");
      String extraLayer =
          ModelIO.toJson(m)
              .replaceFirst(
                  "\\{\\s*\"module\" : \"keras.layers\",\\s*\"class_name\" : \"Dense\"",
                  "{\"class_name\": \"Dropout\", \"config\": {\"name\": \"x\", \"rate\": 0.1}},"
                      + " {\"module\" : \"keras.layers\", \"class_name\" : \"Dense\"");
      Path shifted = tmp.resolve("shifted.keras");
      writeZip(shifted, extraLayer, weights);
      assertThat(loadOutcome(shifted)).isEqualTo("model");
    }
  }

  @Test
  void wrongShapesInLegacyWeightsNameLayerAndBothShapesAndChangeNothing() throws IOException {
    String json =
        Files.readString(KerasFixturesTest.fixture("k2.3.1_seq_dense_softmax_config.json"))
            .replace("\"units\": 3", "\"units\": 5");
    try (KerasModel model = ModelIO.fromJson(json)) {
      List<float[]> before = model.sequential().getWeights();
      // outside the lambda: a missing fixture skips the test instead of being the thrown error
      Path weights = KerasFixturesTest.fixture("k2.3.1_seq_dense_softmax_weights.h5");
      assertThatThrownBy(() -> ModelIO.loadWeights(model, weights))
          .isInstanceOf(KerasFormatException.class)
          .hasMessageContaining("layer dense_1: weight kernel has shape [4, 3]")
          .hasMessageContaining("model needs [4, 5]");
      List<float[]> after = model.sequential().getWeights();
      for (int i = 0; i < before.size(); i++) {
        assertThat(after.get(i)).containsExactly(before.get(i));
      }
    }
  }

  @Test
  void legacyWeightsForADifferentNumberOfLayersAreRefused() throws IOException {
    String json =
        "{\"class_name\": \"Sequential\", \"config\": {\"layers\": [{\"class_name\": \"Dense\","
            + " \"config\": {\"name\": \"a\", \"units\": 3, \"batch_input_shape\": [null, 4]}},"
            + " {\"class_name\": \"Dense\", \"config\": {\"name\": \"b\", \"units\": 3}}]}}";
    try (KerasModel model = ModelIO.fromJson(json)) {
      // outside the lambda: a missing fixture skips the test instead of being the thrown error
      Path weights = KerasFixturesTest.fixture("k2.3.1_seq_dense_softmax_weights.h5");
      assertThatThrownBy(() -> ModelIO.loadWeights(model, weights))
          .hasMessageContaining("weights for 1 layers [dense_1]")
          .hasMessageContaining("2 layers with weights [a, b]");
    }
  }
}
