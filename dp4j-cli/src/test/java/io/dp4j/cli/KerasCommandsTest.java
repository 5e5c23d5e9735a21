package io.dp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code inspect} and {@code predict} on real Keras files (shared/fixtures/keras). */
class KerasCommandsTest {
  static final Path FIXTURES = Path.of("../../shared/fixtures/keras");
  static final ObjectMapper MAPPER = new ObjectMapper();
  @TempDir Path tmp;

  @BeforeAll
  static void fixturesPresent() {
    Assumptions.assumeTrue(Files.isDirectory(FIXTURES), "no Keras fixtures at " + FIXTURES);
  }

  /** Runs a command with dp4j's error handling (user errors: exit 2, one line). */
  static CommandRun run(Object command, String... args) {
    CommandLine cli = new CommandLine(command);
    cli.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> {
          if (ex instanceof IllegalArgumentException) {
            commandLine.getErr().println("dp4j: " + ex.getMessage());
            return 2;
          }
          throw ex;
        });
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute(args);
    return new CommandRun(code, out.toString(), err.toString());
  }

  @Test
  void inspectPrintsKerasSummary() {
    CommandRun r =
        run(new InspectCommand(), FIXTURES.resolve("k2.4.0_seq_mnist_flatten_dense.h5").toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("Model: \"sequential\"")
        .contains("flatten (Flatten)")
        .contains("(None, 784)")
        .contains("dense_1 (Dense)")
        .containsPattern("\\(None, 10\\)\\s+1290")
        .contains("Total params: 101770");
  }

  @Test
  void inspectJsonListsLayersAndChannelsFirstWrapping() throws IOException {
    CommandRun r =
        run(
            new InspectCommand(),
            "--json",
            FIXTURES.resolve("k2.3.1_seq_conv2d_maxpool_channels_first.h5").toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    JsonNode json = MAPPER.readTree(r.out());
    assertThat(json.get("format").asText()).isEqualTo("hdf5");
    assertThat(json.get("input_shape").toString()).isEqualTo("[null,1,28,28]");
    assertThat(json.get("layers").get(0).get("type").asText()).isEqualTo("Permute");
    assertThat(json.get("total_params").asLong())
        .isEqualTo(300 + 3525 + 57728 + 10320 + 6480 + 1782);
    assertThat(json.get("privacy").isNull()).isTrue();
  }

  @Test
  void inspectShowsThePrivacyRecordOfAnExportedDpModel() throws IOException {
    Path file = exportWithRecord("dp.keras", false);
    CommandRun text = run(new InspectCommand(), file.toString());
    assertThat(text.out())
        .contains("epsilon 1.25 at delta 0.00001 (rdp accountant)")
        .contains("noise multiplier 1.1")
        .contains("600 steps")
        .doesNotContain("WARNING");
    JsonNode json = MAPPER.readTree(run(new InspectCommand(), "--json", file.toString()).out());
    assertThat(json.get("privacy").get("epsilon").asDouble()).isEqualTo(1.25);
    assertThat(json.get("format").asText()).isEqualTo("zip");

    assertThat(run(new InspectCommand(), exportWithRecord("seeded.keras", true).toString()).out())
        .contains("WARNING: batches or noise came from a fixed test seed")
        .contains("no DP guarantee");
  }

  /** The 3-class fixture saved as .keras with a privacy record of ε 1.25 after 600 steps. */
  private Path exportWithRecord(String name, boolean predictableRandomness) throws IOException {
    Path file = tmp.resolve(name);
    try (var model =
        io.dp4j.io.keras.ModelIO.load(FIXTURES.resolve("k2.3.1_seq_dense_softmax_model.h5"))) {
      var record =
          new io.dp4j.io.keras.PrivacyRecord(
              1.25, 1e-5, 1.1, 1.0, 0.01, 600, "rdp", "poisson", 0, false, predictableRandomness);
      io.dp4j.io.keras.ModelIO.save(model.withPrivacyRecord(record), file);
    }
    return file;
  }

  @Test
  void predictCsvReproducesKerasPrediction() throws IOException {
    Path csv = tmp.resolve("x.csv");
    Files.writeString(
        csv,
        "a,b,c,d\n"
            + "0.6917601227760315,0.005492183845490217,0.350680410861969,0.6537916660308838\n"
            + "0.3913869261741638,0.295083224773407,0.0390046089887619,0.8951978087425232\n");
    CommandRun r =
        run(
            new PredictCommand(),
            "--model",
            FIXTURES.resolve("k2.3.1_seq_dense_softmax_model.h5").toString(),
            "--input",
            csv.toString(),
            "--json");
    assertThat(r.exitCode()).as(r.err()).isZero();
    JsonNode p = MAPPER.readTree(r.out()).get("predictions");
    assertThat(p.size()).isEqualTo(2);
    assertThat(p.get(0).get(0).asDouble()).isCloseTo(0.4390043318271637, within(1e-6));
    assertThat(p.get(1).get(2).asDouble()).isCloseTo(0.33536210656166077, within(1e-6));
    CommandRun text =
        run(
            new PredictCommand(),
            "--model",
            FIXTURES.resolve("k2.3.1_seq_dense_softmax_model.h5").toString(),
            "--input",
            csv.toString());
    assertThat(text.out().lines()).hasSize(2).allMatch(l -> l.split(",").length == 3);
  }

  @Test
  void predictIdxChecksTheExampleShape() throws IOException {
    Path idx = tmp.resolve("x.idx");
    // IDX: 0, 0, type 0x08 (ubyte), 2 dims: 3 x 10
    byte[] bytes = new byte[4 + 8 + 30];
    bytes[2] = 0x08;
    bytes[3] = 2;
    bytes[7] = 3;
    bytes[11] = 10;
    for (int i = 0; i < 30; i++) {
      bytes[12 + i] = (byte) i;
    }
    Files.write(idx, bytes);
    CommandRun ok =
        run(
            new PredictCommand(),
            "--model",
            FIXTURES.resolve("k3.1.1_seq_diabetes_dense.keras").toString(),
            "--input",
            idx.toString(),
            "--scale",
            "0.01",
            "--json");
    assertThat(ok.exitCode()).as(ok.err()).isZero();
    assertThat(MAPPER.readTree(ok.out()).get("predictions").size()).isEqualTo(3);
    CommandRun wrong =
        run(
            new PredictCommand(),
            "--model",
            FIXTURES.resolve("k2.3.1_seq_dense_softmax_model.h5").toString(),
            "--input",
            idx.toString());
    assertThat(wrong.exitCode()).isEqualTo(2);
    assertThat(wrong.err()).contains("holds examples of shape [10] but the model takes [4]");
  }

  @Test
  void unreadableModelIsOneLineExit2() throws IOException {
    Path bad = tmp.resolve("bad.keras");
    Files.write(bad, new byte[] {'P', 'K', 3, 4, 0, 0});
    CommandRun r = run(new InspectCommand(), bad.toString());
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err().lines()).hasSize(1).first().asString().startsWith("dp4j: ");
  }
}
