package io.dp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19, B.4 (no trainable parameters), B.5, C.6, C.7 and C.8, run as a user runs dp4j (a
 * process): bad input ends within 30 s with one line naming the problem and exit 2 (bad usage) or 1
 * (the run failed), never a stack trace and never a silent run.
 */
class BadInputCommandsTest {
  private static final long TIMEOUT_SECONDS = 30;
  private static final Path SOFTMAX3 =
      KerasCommandsTest.FIXTURES.resolve("k2.3.1_seq_dense_softmax_model.h5");
  private static final Path BREAST_CANCER = Path.of("../examples/breast-cancer");

  @TempDir Path tmp;
  private Path x;
  private Path y;

  /** Ended in time, with this exit code, and without a Java stack trace. */
  private static ProcessRun run(int expectedExit, String... args) throws Exception {
    return ProcessRun.expectEnded(TIMEOUT_SECONDS, expectedExit, args);
  }

  /** 40 examples of 4 features, labels 0..2 (one per line, no header). */
  @BeforeEach
  void data() throws Exception {
    SplittableRandom r = new SplittableRandom(3);
    StringBuilder xs = new StringBuilder();
    StringBuilder ys = new StringBuilder();
    for (int i = 0; i < 40; i++) {
      for (int j = 0; j < 4; j++) {
        xs.append(j == 0 ? "" : ",").append(r.nextDouble());
      }
      xs.append('\n');
      ys.append(r.nextInt(3)).append('\n');
    }
    x = Files.writeString(tmp.resolve("x.csv"), xs);
    y = Files.writeString(tmp.resolve("y.csv"), ys);
  }

  private String[] train(Path model, Path labels, String... more) {
    List<String> all =
        new ArrayList<>(
            List.of(
                "train",
                "--model",
                model.toString(),
                "--features",
                x.toString(),
                "--labels",
                labels.toString(),
                "--epochs",
                "1",
                "--batch-size",
                "10"));
    all.addAll(List.of(more));
    return all.toArray(String[]::new);
  }

  private static void assumeFixtures() {
    Assumptions.assumeTrue(Files.exists(SOFTMAX3), "no Keras fixtures at " + SOFTMAX3);
  }

  @Test
  void aModelWithNothingToTrainIsRefused() throws Exception {
    // was: a NullPointerException (exit 1)
    Path model =
        Files.writeString(
            tmp.resolve("flatten.json"),
            """
            {"class_name": "Sequential", "config": {"name": "s", "layers": [
              {"class_name": "InputLayer",
               "config": {"name": "in", "batch_input_shape": [null, 2, 2], "dtype": "float32"}},
              {"class_name": "Flatten", "config": {"name": "flat", "trainable": true,
               "dtype": "float32"}}]},
             "keras_version": "2.4.0", "backend": "tensorflow"}
            """);
    ProcessRun refused = run(2, train(model, y));
    assertThat(refused.err()).contains("no trainable parameters").contains("nothing to train");
  }

  @Test
  void aMissingFileIsBadUsageForEveryCommandThatReadsOne() throws Exception {
    // was: "dp4j: nosuch.keras" with exit 1
    assumeFixtures();
    Path missing = tmp.resolve("nosuch.keras");
    Path missingCsv = tmp.resolve("nosuch.csv");
    List<String[]> commands =
        List.of(
            train(missing, y),
            train(SOFTMAX3, missingCsv),
            new String[] {"predict", "--model", missing.toString(), "--input", x.toString()},
            new String[] {
              "predict", "--model", SOFTMAX3.toString(), "--input", missingCsv.toString()
            },
            new String[] {"inspect", missing.toString()},
            new String[] {"bench", "--model", missing.toString(), "--steps", "1"},
            new String[] {"private-train", "--csv", missingCsv.toString(), "--label", "y"},
            new String[] {
              "private-train",
              "--csv",
              BREAST_CANCER.resolve("breast_cancer.csv").toString(),
              "--schema",
              tmp.resolve("nosuch.json").toString()
            });
    for (String[] command : commands) {
      ProcessRun run = run(2, command);
      assertThat(run.err()).as(String.join(" ", command)).contains("file not found: " + tmp);
    }
  }

  @Test
  void aLabelOutsideTheModelsClassesIsRefusedNamingTheLineNotTheValue() throws Exception {
    // was: trained to exit 0
    assumeFixtures();
    List<String> lines = new ArrayList<>(Files.readAllLines(y));
    lines.set(4, "7");
    Path bad = Files.write(tmp.resolve("bad-labels.csv"), lines);
    Path out = tmp.resolve("out.keras");
    ProcessRun refused = run(2, train(SOFTMAX3, bad, "--out", out.toString()));
    assertThat(refused.err()).contains(bad + " line 5").contains("[0, 3)");
    assertThat(refused.err().replace(tmp.toString(), "")).doesNotContainPattern("\\b7\\b");
    assertThat(out).doesNotExist();

    // a --data CSV: a header, then one row per example
    StringBuilder csv = new StringBuilder("a,b,c,d,label\n");
    List<String> xs = Files.readAllLines(x);
    for (int i = 0; i < xs.size(); i++) {
      csv.append(xs.get(i)).append(',').append(i == 2 ? "7" : "1").append('\n');
    }
    Path data = Files.writeString(tmp.resolve("data.csv"), csv);
    ProcessRun refusedCsv =
        run(
            2,
            "train",
            "--model",
            SOFTMAX3.toString(),
            "--data",
            data.toString(),
            "--label",
            "label",
            "--epochs",
            "1",
            "--batch-size",
            "10");
    assertThat(refusedCsv.err()).contains(data + " line 4").contains("[0, 3)");
  }

  @Test
  void nonFiniteAndNonPositiveSettingsAreRefusedAtParseTime() throws Exception {
    // was: --scale NaN trained a NaN model and exited 0; --hidden 0 was accepted
    assumeFixtures();
    String breastCsv = BREAST_CANCER.resolve("breast_cancer.csv").toString();
    String schema = BREAST_CANCER.resolve("schema.json").toString();
    record Case(String option, String[] command) {}
    List<Case> cases =
        List.of(
            new Case("--scale", train(SOFTMAX3, y, "--scale", "NaN")),
            new Case("--learning-rate", train(SOFTMAX3, y, "--learning-rate", "Infinity")),
            new Case("--l2-norm-clip", train(SOFTMAX3, y, "--l2-norm-clip", "0")),
            new Case("--epochs", train(SOFTMAX3, y, "--epochs", "-1")),
            new Case(
                "--scale",
                new String[] {
                  "predict",
                  "--model",
                  SOFTMAX3.toString(),
                  "--input",
                  x.toString(),
                  "--scale",
                  "-2"
                }),
            new Case(
                "--noise-multiplier",
                new String[] {
                  "budget",
                  "--n",
                  "100",
                  "--batch-size",
                  "10",
                  "--epochs",
                  "1",
                  "--noise-multiplier",
                  "NaN"
                }),
            new Case(
                "--target-epsilon",
                new String[] {
                  "calibrate",
                  "--n",
                  "100",
                  "--batch-size",
                  "10",
                  "--epochs",
                  "1",
                  "--target-epsilon",
                  "-1"
                }),
            new Case(
                "--hidden",
                new String[] {
                  "private-train",
                  "--csv",
                  breastCsv,
                  "--schema",
                  schema,
                  "--hidden",
                  "0",
                  "--dry-run"
                }),
            new Case(
                "--holdout",
                new String[] {
                  "private-train",
                  "--csv",
                  breastCsv,
                  "--schema",
                  schema,
                  "--holdout",
                  "1",
                  "--dry-run"
                }));
    for (Case c : cases) {
      ProcessRun run = run(2, c.command());
      assertThat(run.err())
          .as(String.join(" ", c.command()))
          .contains("Invalid value for option '" + c.option() + "'")
          .containsPattern(
              "give a (finite number > 0|whole number in \\[1, |number in \\[0, 1\\))");
    }
    // the options whose range includes 0 or negatives still take them
    ProcessRun dryRun =
        run(
            0,
            "private-train",
            "--csv",
            breastCsv,
            "--schema",
            schema,
            "--holdout",
            "0",
            "--seed",
            "-5",
            "--split-seed",
            "-1",
            "--dry-run");
    assertThat(dryRun.out()).isNotEmpty();
  }

  @Test
  void weightsThatBecomeNonFiniteStopTheRunAndNothingIsSaved() throws Exception {
    // was: saved with exit 0. (Since clipping units with a non-finite loss contribute zero, the
    // issue's --learning-rate 1e30 alone keeps the weights finite, about 1e30; with C = 1e10 the
    // first update, about lr * C / b = 1e39, is beyond float32.)
    assumeFixtures();
    Path out = tmp.resolve("out.keras");
    ProcessRun stopped =
        run(
            1,
            train(
                SOFTMAX3,
                y,
                "--learning-rate",
                "1e30",
                "--l2-norm-clip",
                "1e10",
                "--out",
                out.toString()));
    assertThat(stopped.err())
        .contains("a weight became NaN or infinite at step 1 (epoch 1, step 1 of the epoch)")
        .contains("training stopped")
        .contains(out + " was not written");
    assertThat(out).doesNotExist();
  }
}
