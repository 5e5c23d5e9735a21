package io.dp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dp4j.io.keras.PrivacyRecord;
import io.dp4j.ledger.DatasetStatus;
import io.dp4j.ledger.PrivacyLedger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19, A and B.3/B.4 for the accounting commands, run as a user runs them (a process):
 * near-zero noise is never accounted as ε = 0, a figure no accountant can bound is "no bound", and
 * extreme settings end within 30 s with an answer or a message, never a stack trace.
 */
class NoBoundCommandsTest {
  private static final long TIMEOUT_SECONDS = 30;

  private static final String[] SHAPE = {
    "--n", "60000", "--batch-size", "250", "--epochs", "3", "--delta", "1e-5"
  };

  @TempDir Path tmp;

  private static String[] args(String command, String[] shape, String... more) {
    String[] all = new String[1 + shape.length + more.length];
    all[0] = command;
    System.arraycopy(shape, 0, all, 1, shape.length);
    System.arraycopy(more, 0, all, 1 + shape.length, more.length);
    return all;
  }

  /** Ended in time, with this exit code, and without a Java stack trace. */
  private static ProcessRun run(int expectedExit, String... args) throws Exception {
    return ProcessRun.expectEnded(TIMEOUT_SECONDS, expectedExit, args);
  }

  @Test
  void tinyNoiseIsNotFreeUnderRdp() throws Exception {
    // was: "RDP 0.0000 optimal order 2048.0"
    ProcessRun run =
        run(
            0,
            args("budget", SHAPE, "--noise-multiplier", "1e-6", "--accountant", "rdp", "--json"));
    JsonNode node = Json.MAPPER.readTree(run.out());
    assertThat(node.get("epsilon_rdp").asDouble()).isGreaterThan(1e12);
  }

  @Test
  void tinyNoiseWithBothAccountantsEndsWithPldUnbounded() throws Exception {
    // was: a hang (the PLD grid over [0, 1/(2 sigma^2)])
    ProcessRun text = run(0, args("budget", SHAPE, "--noise-multiplier", "1e-9"));
    assertThat(text.out())
        .contains("PLD         no bound (infinite)")
        .contains("the RDP bound holds");
    ProcessRun json = run(0, args("budget", SHAPE, "--noise-multiplier", "1e-9", "--json"));
    JsonNode node = Json.MAPPER.readTree(json.out());
    assertThat(node.get("epsilon_pld").asText()).isEqualTo(EpsilonFormat.JSON_NO_BOUND);
    assertThat(node.get("epsilon_rdp").isNumber()).isTrue();
  }

  @Test
  void pldOnlyFallsBackToTheRdpBound() throws Exception {
    ProcessRun run =
        run(0, args("budget", SHAPE, "--noise-multiplier", "1e-6", "--accountant", "pld"));
    assertThat(run.out()).contains("no bound").contains("the RDP bound holds: epsilon <=");
  }

  @Test
  void pldCalibrationToAHugeTargetAnswers() throws Exception {
    ProcessRun run =
        run(0, args("calibrate", SHAPE, "--target-epsilon", "1e6", "--accountant", "pld"));
    assertThat(run.out()).contains("noise multiplier").contains("<= 1000000.0").contains("note:");
  }

  @Test
  void zeroStepsSpendNothing() throws Exception {
    ProcessRun run =
        run(
            0,
            "budget",
            "--n",
            "60000",
            "--batch-size",
            "250",
            "--steps",
            "0",
            "--delta",
            "1e-5",
            "--noise-multiplier",
            "1.1");
    assertThat(run.out()).contains("epsilon is 0").doesNotContain("no bound");
  }

  @Test
  void smallestDeltaIsAnsweredByRdp() throws Exception {
    String[] shape = SHAPE.clone();
    shape[7] = "4.9e-324";
    ProcessRun run = run(0, args("budget", shape, "--noise-multiplier", "1.1"));
    assertThat(run.out()).contains("RDP ").contains("the RDP bound holds");
  }

  @Test
  void largestNIsAnswered() throws Exception {
    String[] shape = SHAPE.clone();
    shape[1] = Long.toString(Long.MAX_VALUE);
    ProcessRun run = run(0, args("budget", shape, "--noise-multiplier", "1.1", "--json"));
    JsonNode node = Json.MAPPER.readTree(run.out());
    assertThat(node.get("epsilon_rdp").asDouble()).isNotNaN().isGreaterThanOrEqualTo(0);
  }

  @Test
  void ledgerRefusesANearlyNoiselessRunAndStaysUnchanged() throws Exception {
    // was: admitted with "epsilon 0.0 alone", 6 nearly noiseless steps, "0.0000 of 1.000" spent
    Path keras = KerasCommandsTest.FIXTURES.resolve("k2.3.1_seq_dense_softmax_model.h5");
    Assumptions.assumeTrue(Files.exists(keras));
    SplittableRandom r = new SplittableRandom(7);
    StringBuilder x = new StringBuilder();
    StringBuilder y = new StringBuilder();
    for (int i = 0; i < 200; i++) {
      for (int j = 0; j < 4; j++) {
        x.append(j == 0 ? "" : ",").append(r.nextDouble());
      }
      x.append('\n');
      y.append(r.nextInt(3)).append('\n');
    }
    Files.writeString(tmp.resolve("x.csv"), x);
    Files.writeString(tmp.resolve("y.csv"), y);
    String db = tmp.resolve("ledger.db").toString();
    run(0, "ledger", "create", "x", "--epsilon", "1", "--delta", "1e-5", "--db", db);
    ProcessRun refused =
        run(
            1,
            "train",
            "--model",
            keras.toString(),
            "--features",
            tmp.resolve("x.csv").toString(),
            "--labels",
            tmp.resolve("y.csv").toString(),
            "--epochs",
            "1",
            "--batch-size",
            "40",
            "--noise-multiplier",
            "1e-6",
            "--delta",
            "1e-5",
            "--ledger",
            "x",
            "--db",
            db);
    assertThat(refused.err()).contains("refused by the ledger").contains("dataset 'x'");
    try (PrivacyLedger ledger = PrivacyLedger.open(Path.of(db))) {
      DatasetStatus status = ledger.dataset("x");
      assertThat(status.runs()).isEmpty();
      assertThat(status.epsilonSpent()).isZero();
      assertThat(status.epsilonRemaining()).isEqualTo(1.0);
    }
  }

  @Test
  void inspectSaysNoBoundForAnUnboundedRecord() {
    // was: "epsilon Infinity"
    PrivacyRecord record =
        new PrivacyRecord(
            Double.POSITIVE_INFINITY,
            1e-5,
            1e-6,
            1.0,
            0.004,
            720,
            "pld",
            "poisson",
            0,
            false,
            false);
    assertThat(InspectCommand.privacyText(record))
        .contains("epsilon no bound (infinite) at delta")
        .doesNotContain("Infinity");
  }

  @Test
  void jsonWritesNoBoundAsTheStringInfinityAndNotComputedAsNull() {
    ObjectNode node = Json.object();
    EpsilonFormat.putJson(node, "unbounded", Double.POSITIVE_INFINITY);
    EpsilonFormat.putJson(node, "skipped", Double.NaN);
    EpsilonFormat.putJson(node, "spent", 1.5);
    assertThat(Json.write(node))
        .contains("\"unbounded\" : \"Infinity\"")
        .contains("\"skipped\" : null")
        .contains("\"spent\" : 1.5");
    assertThat(EpsilonFormat.text(Double.POSITIVE_INFINITY, 3)).isEqualTo("no bound (infinite)");
    assertThat(EpsilonFormat.text(Double.NaN, 3)).isEqualTo("n/a");
    assertThat(EpsilonFormat.text(0.5, 3)).isEqualTo("0.500");
  }
}
