package io.dp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dp4j.accounting.NoiseCalibration;
import io.dp4j.accounting.RdpAccountant;
import io.dp4j.data.Mnist;
import io.dp4j.io.keras.KerasModel;
import io.dp4j.io.keras.ModelIO;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train --target-epsilon}, refusals, built-in names, and {@code sweep}. */
class TrainBuiltinAndTargetTest {
  static final ObjectMapper MAPPER = new ObjectMapper();
  static final Path MODEL = KerasCommandsTest.FIXTURES.resolve("k2.3.1_seq_dense_softmax_model.h5");
  @TempDir Path tmp;

  /** {@link SyntheticCsv} rows as x/y CSVs; returns {x, y}. */
  private Path[] synthetic(String name, int n, long seed) throws IOException {
    SyntheticCsv csv = SyntheticCsv.write(tmp, name, n, seed);
    return new Path[] {csv.features(), csv.labels()};
  }

  private List<String> fileArgs() throws IOException {
    Assumptions.assumeTrue(Files.exists(MODEL));
    Path[] train = synthetic("train", 400, 5);
    Path[] test = synthetic("test", 150, 6);
    return new ArrayList<>(
        List.of(
            "--model",
            MODEL.toString(),
            "--features",
            train[0].toString(),
            "--labels",
            train[1].toString(),
            "--test-features",
            test[0].toString(),
            "--test-labels",
            test[1].toString(),
            "--batch-size",
            "40",
            "--learning-rate",
            "0.5",
            "--delta",
            "1e-4"));
  }

  private static CommandRun run(List<String> args) {
    return CommandRun.of(args.toArray(String[]::new));
  }

  @Test
  void targetEpsilonCalibratesTheNoiseAndNeverExceedsTheTarget() throws IOException {
    List<String> args = fileArgs();
    args.add(0, "train");
    Path report = tmp.resolve("report");
    args.addAll(
        List.of(
            "--epochs",
            "2",
            "--target-epsilon",
            "2",
            "--optimizer",
            "adam",
            "--report",
            report.toString(),
            "--json"));
    CommandRun run = run(args);
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.err()).contains("Calibrated the noise multiplier to the target");
    JsonNode json = MAPPER.readTree(run.out());
    assertThat(json.get("steps").asLong()).isEqualTo(20);
    assertThat(json.get("calibrated").asBoolean()).isTrue();
    double expected =
        NoiseCalibration.noiseMultiplierFor(2, 1e-4, 0.1, 20, RdpAccountant::new).noiseMultiplier();
    assertThat(json.get("noise_multiplier").asDouble()).isEqualTo(expected);
    assertThat(json.get("epsilon_rdp").asDouble()).isLessThanOrEqualTo(2).isGreaterThan(1.9);
    assertThat(json.get("epsilon_pld").asDouble()).isLessThan(json.get("epsilon_rdp").asDouble());
    assertThat(json.get("delta").asDouble()).isEqualTo(1e-4);
    assertThat(json.get("test_accuracy").asDouble()).isBetween(0.0, 1.0);
    assertThat(report.resolve("report.md")).exists();
    assertThat(Files.readString(report.resolve("report.md")))
        .contains("Calibrated the noise multiplier")
        .contains("epsilon with Poisson sampling");
  }

  @Test
  void microbatchesOfMoreThanOneExampleAreCalibratedAtTwiceTheNoise() throws IOException {
    List<String> args = fileArgs();
    args.add(0, "train");
    args.addAll(List.of("--target-epsilon", "2", "--microbatches", "10", "--json"));
    CommandRun run = run(args);
    assertThat(run.exitCode()).as(run.err()).isZero();
    JsonNode json = MAPPER.readTree(run.out());
    double half =
        NoiseCalibration.noiseMultiplierFor(2, 1e-4, 0.1, 10, RdpAccountant::new).noiseMultiplier();
    assertThat(json.get("noise_multiplier").asDouble()).isEqualTo(2 * half);
    assertThat(json.get("epsilon_rdp").asDouble()).isLessThanOrEqualTo(2);
    assertThat(run.err()).contains("accounted with sigma/2");
  }

  @Test
  void aNoiseMultiplierOverTheTargetIsRefusedBeforeTraining() throws IOException {
    List<String> args = fileArgs();
    args.add(0, "train");
    Path out = tmp.resolve("never.keras");
    args.addAll(
        List.of(
            "--epochs",
            "3",
            "--noise-multiplier",
            "0.6",
            "--target-epsilon",
            "1",
            "--out",
            out.toString()));
    CommandRun run = run(args);
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).contains("refused").contains("above the target 1.0");
    assertThat(run.out()).doesNotContain("Epoch 1/");
    assertThat(out).doesNotExist();
  }

  /** A CSV with a header and the label column second: a,label,b,c,d. */
  private Path labelledCsv(String name, int n, long seed) throws IOException {
    SplittableRandom r = new SplittableRandom(seed);
    StringBuilder csv = new StringBuilder("a,label,b,c,d\n");
    for (int i = 0; i < n; i++) {
      int label = r.nextInt(3);
      double[] x = new double[4];
      for (int j = 0; j < 4; j++) {
        x[j] = j == label ? 1 + r.nextDouble() : r.nextDouble();
      }
      csv.append(x[0]).append(',').append(label);
      for (int j = 1; j < 4; j++) {
        csv.append(',').append(x[j]);
      }
      csv.append('\n');
    }
    Path file = tmp.resolve(name + ".csv");
    Files.writeString(file, csv);
    return file;
  }

  @Test
  void trainsOnACsvWithALabelColumnAndReportsValidationAccuracy() throws IOException {
    Assumptions.assumeTrue(Files.exists(MODEL));
    Path train = labelledCsv("train", 400, 11);
    Path validation = labelledCsv("validation", 120, 12);
    CommandRun run =
        CommandRun.of(
            "train",
            "--model",
            MODEL.toString(),
            "--data",
            train.toString(),
            "--label",
            "label",
            "--validation",
            validation.toString(),
            "--batch-size",
            "40",
            "--epochs",
            "2",
            "--learning-rate",
            "0.5",
            "--target-epsilon",
            "3",
            "--json");
    assertThat(run.exitCode()).as(run.err()).isZero();
    JsonNode json = MAPPER.readTree(run.out());
    assertThat(json.get("examples").asInt()).isEqualTo(400);
    // default delta: the power of ten at most 1/(10 · 400)
    assertThat(json.get("delta").asDouble()).isEqualTo(1e-4);
    assertThat(json.get("test_accuracy").asDouble()).isBetween(0.0, 1.0);
    assertThat(json.get("epsilon_rdp").asDouble()).isLessThanOrEqualTo(3);

    Files.writeString(
        tmp.resolve("bad.csv"),
        "a,label,b,c,d\n0.1,one,0.2,0.3,0.4\n",
        java.nio.charset.StandardCharsets.UTF_8);
    CommandRun bad =
        CommandRun.of(
            "train",
            "--model",
            MODEL.toString(),
            "--data",
            tmp.resolve("bad.csv").toString(),
            "--label",
            "label");
    assertThat(bad.exitCode()).isEqualTo(2);
    assertThat(bad.err()).contains("line 2, column 2 \"label\": not a class index");
    assertThat(bad.err()).as("a private cell's value is not echoed").doesNotContain("\"one\"");
    assertThat(
            CommandRun.of("train", "--model", MODEL.toString(), "--data", train.toString())
                .exitCode())
        .isEqualTo(2);
  }

  @Test
  void badUsageExitsTwo() throws IOException {
    assertThat(CommandRun.of("train", "--model", "tutorial-cnn").exitCode()).isEqualTo(2);
    CommandRun wrongData = CommandRun.of("train", "--model", "tutorial-cnn", "--data", "cifar");
    assertThat(wrongData.exitCode()).isEqualTo(2);
    assertThat(wrongData.err()).contains("--data must be mnist or fashion-mnist");
    List<String> args = fileArgs();
    args.add(0, "train");
    args.addAll(List.of("--target-epsilon", "-1"));
    assertThat(run(args).exitCode()).isEqualTo(2);
    assertThat(CommandRun.of("sweep", "--targets", "1", "--noise-multiplier", "2").exitCode())
        .isEqualTo(2);
  }

  @Test
  void theBuiltInTutorialCnnTrainsOnMnistAndSavesKeras() throws IOException {
    Assumptions.assumeTrue(Mnist.isCached(Mnist.defaultCacheDir()), "MNIST not cached");
    Path out = tmp.resolve("cnn.keras");
    CommandRun run =
        CommandRun.of(
            "train",
            "--model",
            "tutorial-cnn",
            "--data",
            "mnist",
            "--limit",
            "1000",
            "--epochs",
            "1",
            "--target-epsilon",
            "3",
            "--out",
            out.toString(),
            "--json");
    assertThat(run.exitCode()).as(run.err()).isZero();
    JsonNode json = MAPPER.readTree(run.out());
    assertThat(json.get("steps").asLong()).isEqualTo(4);
    // default delta: 1/(10 · 1000), not 1/1000
    assertThat(json.get("delta").asDouble()).isEqualTo(1e-4);
    assertThat(json.get("epsilon_rdp").asDouble()).isLessThanOrEqualTo(3);
    assertThat(json.get("test_accuracy").asDouble()).isBetween(0.0, 1.0);
    try (KerasModel saved = ModelIO.load(out)) {
      assertThat(saved.inputShape()).containsExactly(28, 28, 1);
      assertThat(saved.privacyRecord()).isPresent();
    }
  }

  @Test
  void sweepTrainsOncePerTargetAndPlotsAccuracyAgainstEpsilon() throws IOException {
    List<String> args = fileArgs();
    Path report = tmp.resolve("sweep");
    args.addAll(0, List.of("sweep", "--targets", "1,4", "--report", report.toString(), "--json"));
    CommandRun run = run(args);
    assertThat(run.exitCode()).as(run.err()).isZero();
    JsonNode json = MAPPER.readTree(run.out());
    assertThat(json.get("runs")).hasSize(2);
    JsonNode low = json.get("runs").get(0);
    JsonNode high = json.get("runs").get(1);
    assertThat(low.get("epsilon_rdp").asDouble()).isLessThanOrEqualTo(1);
    assertThat(high.get("epsilon_rdp").asDouble()).isLessThanOrEqualTo(4).isGreaterThan(1);
    assertThat(low.get("noise_multiplier").asDouble())
        .isGreaterThan(high.get("noise_multiplier").asDouble());
    assertThat(report.resolve("accuracy-vs-epsilon.png")).isNotEmptyFile();
    assertThat(Files.readString(report.resolve("report.md"))).contains("| target epsilon |");
  }
}
