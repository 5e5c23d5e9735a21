package io.dp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dp4j.io.keras.KerasModel;
import io.dp4j.io.keras.ModelIO;
import io.dp4j.io.keras.PrivacyRecord;
import io.dp4j.io.keras.TrainingCheckpoint;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.nn.optimizers.SGD;
import io.dp4j.privacy.ModelPrivacy;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code dp4j train --master local[2]}, in this module's test JVM, which has Spark on its class
 * path (the command's own module never does): the same report as the single-JVM run, plus the
 * engine and its partitions, and the same ε for the same settings.
 */
class TrainOnSparkCommandTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @TempDir Path tmp;

  /** One in-process run: exit code, standard output and standard error. */
  private record Run(int exitCode, String out, String err) {}

  private static Run run(List<String> args) {
    CommandLine cli = Dp4jCommand.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute(args.toArray(String[]::new));
    return new Run(code, out.toString(), err.toString());
  }

  /** A 4-8-3 relu MLP's Keras JSON. */
  private Path model() throws IOException {
    try (Sequential s =
        new Sequential(
            Dense.builder()
                .setUnits(8)
                .optInputShape(4)
                .optActivation(ActivationFunction.RELU)
                .build(),
            Dense.builder().setUnits(3).optActivation(ActivationFunction.SOFTMAX).build())) {
      s.compile(new SGD(0.1f), new SparseCategoricalCrossentropy());
      Path file = tmp.resolve("mlp.json");
      Files.writeString(file, ModelIO.toJson(KerasModel.of(s, 4)));
      return file;
    }
  }

  /** {@code n} rows of 4 features and a class label in 0..2, with a header. */
  private Path csv(String name, int n, long seed) throws IOException {
    SplittableRandom r = new SplittableRandom(seed);
    StringBuilder s = new StringBuilder("f0,f1,f2,f3,label\n");
    for (int i = 0; i < n; i++) {
      int y = r.nextInt(3);
      for (int j = 0; j < 4; j++) {
        s.append(j == y ? 1 + r.nextDouble() : r.nextDouble()).append(',');
      }
      s.append(y).append('\n');
    }
    Path file = tmp.resolve(name);
    Files.writeString(file, s);
    return file;
  }

  private List<String> train(Path model, Path data, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "train",
                "--model",
                model.toString(),
                "--data",
                data.toString(),
                "--label",
                "label",
                "--epochs",
                "1",
                "--batch-size",
                "40",
                "--noise-multiplier",
                "1.2",
                "--l2-norm-clip",
                "1.0",
                "--json"));
    args.addAll(List.of(more));
    return args;
  }

  @Test
  void reportsTheSingleMachineKeysPlusEngineAndPartitionsWithTheSameEpsilon() throws IOException {
    Path model = model();
    Path data = csv("train.csv", 200, 1);
    Path validation = csv("validation.csv", 60, 2);
    Path out = tmp.resolve("spark.keras");
    Path checkpoint = tmp.resolve("spark-checkpoint.keras");
    Run local = run(train(model, data, "--validation", validation.toString()));
    Run spark =
        run(
            train(
                model,
                data,
                "--validation",
                validation.toString(),
                "--master",
                "local[2]",
                "--out",
                out.toString(),
                "--checkpoint",
                checkpoint.toString()));
    assertThat(local.exitCode()).as(local.err()).isZero();
    assertThat(spark.exitCode()).as(spark.err()).isZero();
    JsonNode l = MAPPER.readTree(local.out());
    JsonNode s = MAPPER.readTree(spark.out());

    Set<String> localKeys = new HashSet<>();
    l.fieldNames().forEachRemaining(localKeys::add);
    Set<String> sparkKeys = new HashSet<>();
    s.fieldNames().forEachRemaining(sparkKeys::add);
    localKeys.add("out");
    localKeys.add("checkpoint");
    localKeys.add("engine");
    localKeys.add("partitions");
    assertThat(sparkKeys).isEqualTo(localKeys);
    assertThat(s.get("engine").asText()).isEqualTo("spark");
    // the small file split over local[2]'s two cores
    assertThat(s.get("partitions").asInt()).isBetween(2, 3);

    // 200 rows, batch 40: q = 0.2, 5 steps; the same ε as one JVM's
    assertThat(s.get("steps").asLong()).isEqualTo(5).isEqualTo(l.get("steps").asLong());
    assertThat(s.get("sampling_rate").asDouble()).isEqualTo(0.2);
    assertThat(s.get("epsilon_rdp").asDouble()).isEqualTo(l.get("epsilon_rdp").asDouble());
    assertThat(s.get("epsilon_pld").asDouble()).isEqualTo(l.get("epsilon_pld").asDouble());
    assertThat(s.get("delta").asDouble()).isEqualTo(l.get("delta").asDouble());
    // the held-out figures are computed on the driver from the Spark-trained weights
    assertThat(s.get("test_accuracy").asDouble()).isBetween(0.0, 1.0);
    // Spark sums clipped gradients only: no training loss
    assertThat(s.get("loss").isNull()).isTrue();
    assertThat(l.get("loss").isNumber()).isTrue();

    try (KerasModel saved = ModelIO.load(out)) {
      PrivacyRecord record = saved.privacyRecord().orElseThrow();
      assertThat(record.steps()).isEqualTo(5);
      assertThat(record.samplingRate()).isEqualTo(0.2);
    }
    // the checkpoint written on the driver after the epoch holds its steps in the privacy log
    try (KerasModel saved = TrainingCheckpoint.load(checkpoint)) {
      assertThat(ModelPrivacy.of(saved.sequential()).privacyLog().steps()).isEqualTo(5);
    }
  }

  @Test
  void optionsOfTheSingleMachineStepOnlyAreRefusedAsBadUsage() throws IOException {
    Path model = model();
    Path data = csv("train.csv", 50, 1);
    Run augmented = run(train(model, data, "--master", "local[2]", "--augment-multiplicity", "2"));
    assertThat(augmented.exitCode()).isEqualTo(2);
    assertThat(augmented.err())
        .contains("--augment/--augment-multiplicity is not supported with --master");
    Run builtIn =
        run(
            List.of(
                "train", "--model", model.toString(), "--data", "mnist", "--master", "local[2]"));
    assertThat(builtIn.exitCode()).isEqualTo(2);
    assertThat(builtIn.err()).contains("--master trains on --data FILE.csv|FILE.parquet");
    // with the Spark engine on the class path, a master it does not serve is a bad value, not a
    // missing build
    Run bogus = run(train(model, data, "--master", "bogus"));
    assertThat(bogus.exitCode()).isEqualTo(2);
    assertThat(bogus.err()).contains("--master bogus", "local[N]").doesNotContain("mvn");
  }
}
