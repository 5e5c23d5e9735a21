package io.dp4j.spark;

import static org.assertj.core.api.Assertions.assertThat;

import io.dp4j.io.keras.TrainingCheckpoint;
import io.dp4j.ledger.DatasetStatus;
import io.dp4j.ledger.PrivacyLedger;
import io.dp4j.ledger.RunRecord;
import io.dp4j.ledger.RunStatus;
import io.dp4j.nn.Sequential;
import io.dp4j.privacy.ModelPrivacy;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Spark driver killed mid-training ({@link Process#destroyForcibly}, SIGKILL: no shutdown hook,
 * no ledger close) and resumed from its checkpoint in a new process ({@link DriverProcess}).
 */
class DriverCrashTest {
  private static final int STEPS = 20;
  private static final int EVERY = 3;
  private static final int KILL_AFTER = 8;
  private static final double DELTA = 1e-5;

  @TempDir Path dir;

  @Test
  void aKilledDriverLosesOnlyTheStepsSinceItsCheckpointAndTheLedgerHoldsEveryStepThatRan()
      throws Exception {
    try (PrivacyLedger ledger = PrivacyLedger.open(dir.resolve("ledger.db"))) {
      ledger.createDataset("d", 100.0, DELTA);
    }

    Process first = driver("start");
    long started = -1;
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(first.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        if (line.startsWith("started ")) {
          started = Long.parseLong(line.substring(8)) + 1;
          if (started == KILL_AFTER) {
            first.destroyForcibly();
            break;
          }
        }
      }
    }
    assertThat(first.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(started).as("steps started before the kill").isEqualTo(KILL_AFTER);

    // the ledger holds the charge of every step that started (the charge precedes the step); at
    // most one more, if the kill came between the next step's charge and its first line
    long charged;
    try (PrivacyLedger ledger = PrivacyLedger.openForReading(dir.resolve("ledger.db"))) {
      List<RunRecord> runs = ledger.dataset("d").runs();
      assertThat(runs).hasSize(1);
      charged = runs.get(0).steps();
    }
    assertThat(charged).isBetween(started, started + 1);

    // the checkpoint is at most EVERY steps behind: the steps after it are the ones lost
    long saved = TrainingCheckpoint.settings(dir.resolve("checkpoint.keras")).steps();
    assertThat(saved % EVERY).isZero();
    assertThat(started - saved).isBetween(0L, (long) EVERY);
    assertThat(saved).isGreaterThan(0);

    Process second = driver("resume");
    String output = new String(second.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(second.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(second.exitValue()).as("resumed driver's exit; its output:%n%s", output).isZero();
    assertThat(output.lines().filter(l -> l.startsWith("started ")).findFirst())
        .as("the resumed run's first step")
        .hasValue("started " + saved);
    assertThat(output).contains("done " + STEPS);

    try (Sequential resumed = DriverProcess.resumed(dir.resolve("checkpoint.keras"));
        Sequential uninterrupted = DriverProcess.FACTORY.create();
        PrivacyLedger ledger = PrivacyLedger.openForReading(dir.resolve("ledger.db"))) {
      SparkSession spark =
          SparkSession.builder()
              .master("local[2]")
              .appName("dp4j-driver-crash-reference")
              .config("spark.ui.enabled", "false")
              .getOrCreate();
      try {
        new DpSparkTrainer(DriverProcess.FACTORY, new RowColumns(List.of("features"), "label"))
            .useFixedSamplingSeedForTesting(DriverProcess.SAMPLING_SEED)
            .fit(uninterrupted, DriverProcess.table(spark), 0.1, STEPS);
      } finally {
        spark.stop();
      }

      // the resumed run drew the uninterrupted run's samples and test noise (both derive from the
      // step number, restored from the checkpoint), so its weights are the same; the partitions'
      // float64 sums of float32 values are exact in any order, so equal to the last bit
      assertThat(resumed.steps()).isEqualTo(STEPS);
      List<float[]> a = uninterrupted.getWeights();
      List<float[]> b = resumed.getWeights();
      for (int p = 0; p < a.size(); p++) {
        assertThat(b.get(p)).as("parameter %d", p).containsExactly(a.get(p));
      }

      // its ε accounts for all STEPS steps, as the uninterrupted run's
      double epsilon = ModelPrivacy.of(resumed).privacySpent(DELTA).epsilon();
      assertThat(ModelPrivacy.of(resumed).privacyLog().steps()).isEqualTo(STEPS);
      assertThat(epsilon).isEqualTo(ModelPrivacy.of(uninterrupted).privacySpent(DELTA).epsilon());

      // the ledger: the killed run, reclaimed when the second started, keeps its charge; the
      // resumed run charged the rest; together at least every step the weights went through
      DatasetStatus d = ledger.dataset("d");
      assertThat(d.runs()).hasSize(2);
      RunRecord killed = d.runs().get(0);
      RunRecord rest = d.runs().get(1);
      assertThat(killed.status()).isEqualTo(RunStatus.INTERRUPTED);
      assertThat(killed.steps()).isEqualTo(charged);
      assertThat(rest.status()).isEqualTo(RunStatus.FINISHED);
      assertThat(rest.steps()).isEqualTo(STEPS - saved);
      assertThat(killed.steps() + rest.steps()).isGreaterThanOrEqualTo(STEPS);
      assertThat(d.epsilonSpent()).isGreaterThanOrEqualTo(epsilon);
    }
  }

  /** {@link DriverProcess} in a new JVM with this one's class path and Spark flags. */
  private Process driver(String mode) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // a driver that starts in a third less time: the client compiler only, and the serial collector
    command.addAll(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--add-opens") || arg.startsWith("-Djdk.") || arg.startsWith("-Dio.")) {
        command.add(arg);
      }
    }
    command.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            DriverProcess.class.getName(),
            mode,
            dir.toString(),
            Integer.toString(STEPS),
            Integer.toString(EVERY)));
    return new ProcessBuilder(command).redirectError(dir.resolve(mode + ".err").toFile()).start();
  }
}
