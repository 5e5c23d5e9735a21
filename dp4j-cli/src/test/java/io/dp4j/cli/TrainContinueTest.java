package io.dp4j.cli;

import static io.dp4j.cli.SmallTrainRun.MODEL;
import static io.dp4j.cli.SmallTrainRun.SIGMA;
import static io.dp4j.cli.SmallTrainRun.STEPS_PER_EPOCH;
import static io.dp4j.cli.SmallTrainRun.rdpEpsilon;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.dp4j.io.keras.KerasModel;
import io.dp4j.io.keras.ModelIO;
import io.dp4j.io.keras.PrivacyRecord;
import io.dp4j.ledger.DatasetStatus;
import io.dp4j.ledger.PrivacyLedger;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --model FILE} of a model dp4j trained before (a {@code .keras} with its privacy
 * record, or a checkpoint): its history is composed with the new steps, or kept apart with {@code
 * --disjoint-data}.
 */
class TrainContinueTest {
  @TempDir Path tmp;
  private SmallTrainRun run;

  @BeforeEach
  void data() throws IOException {
    run = new SmallTrainRun(tmp);
  }

  /** One epoch at sigma {@link SmallTrainRun#SIGMA}, with {@code more}. */
  private CommandRun train(String... more) {
    List<String> args =
        new ArrayList<>(List.of("--noise-multiplier", Double.toString(SIGMA), "--epochs", "1"));
    args.addAll(List.of(more));
    return run.train(args.toArray(String[]::new));
  }

  private Path first(String name) {
    Path a = tmp.resolve(name);
    CommandRun one = train("--model", MODEL.toString(), "--out", a.toString());
    assertThat(one.exitCode()).as(one.err()).isZero();
    return a;
  }

  private static PrivacyRecord record(Path file) throws IOException {
    try (KerasModel model = ModelIO.load(file)) {
      return model.privacyRecord().orElseThrow();
    }
  }

  @Test
  void trainingASavedModelFurtherComposesItsStepsAndSaysSo() throws IOException {
    Path a = first("a.keras");
    Path b = tmp.resolve("b.keras");
    CommandRun two = train("--model", a.toString(), "--out", b.toString(), "--json");
    assertThat(two.exitCode()).as(two.err()).isZero();
    assertThat(two.err())
        .contains(a + " carries a privacy history of 10 DP steps")
        .contains("composed with them, as training on the same data")
        .contains("--disjoint-data");
    JsonNode json = TrainModelCommandTest.MAPPER.readTree(two.out());
    assertThat(json.get("steps").asLong()).isEqualTo(2 * STEPS_PER_EPOCH);
    assertThat(json.get("continued_from_steps").asLong()).isEqualTo(STEPS_PER_EPOCH);
    assertThat(json.get("epsilon_rdp").asDouble())
        .isCloseTo(rdpEpsilon(2 * STEPS_PER_EPOCH), within(1e-9));
    PrivacyRecord saved = record(b);
    assertThat(saved.steps()).isEqualTo(2 * STEPS_PER_EPOCH);
    assertThat(saved.continuedFromSteps()).isEqualTo(STEPS_PER_EPOCH);
    assertThat(saved.epsilon()).isCloseTo(rdpEpsilon(2 * STEPS_PER_EPOCH), within(1e-9));

    CommandRun inspect = KerasCommandsTest.run(new InspectCommand(), b.toString());
    assertThat(inspect.out())
        .contains("20 steps")
        .contains("10 of the 20 steps ran before the model was loaded and trained further");
  }

  @Test
  void disjointDataKeepsTheHistoryAsASeparateEntryAndInspectShowsIt() throws IOException {
    Path a = first("a.keras");
    Path b = tmp.resolve("b.keras");
    CommandRun two =
        train("--model", a.toString(), "--out", b.toString(), "--disjoint-data", "--json");
    assertThat(two.exitCode()).as(two.err()).isZero();
    assertThat(two.err()).contains("kept as a separate entry of the saved record");
    JsonNode json = TrainModelCommandTest.MAPPER.readTree(two.out());
    assertThat(json.get("steps").asLong()).isEqualTo(STEPS_PER_EPOCH);
    assertThat(json.get("disjoint_data").asBoolean()).isTrue();
    PrivacyRecord saved = record(b);
    assertThat(saved.steps()).isEqualTo(STEPS_PER_EPOCH);
    assertThat(saved.epsilon()).isCloseTo(rdpEpsilon(STEPS_PER_EPOCH), within(1e-9));
    assertThat(saved.disjointDataEntries()).hasSize(1);
    assertThat(saved.disjointDataEntries().get(0).steps()).isEqualTo(STEPS_PER_EPOCH);
    assertThat(saved.disjointDataEntries().get(0).epsilon())
        .isCloseTo(rdpEpsilon(STEPS_PER_EPOCH), within(1e-9));

    CommandRun inspect = KerasCommandsTest.run(new InspectCommand(), b.toString());
    assertThat(inspect.out())
        .contains("Earlier training on data declared disjoint")
        .contains("10 steps");
    JsonNode inspected =
        TrainModelCommandTest.MAPPER.readTree(
            KerasCommandsTest.run(new InspectCommand(), b.toString(), "--json").out());
    assertThat(inspected.get("privacy").get("disjoint_data_entries")).hasSize(1);
  }

  @Test
  void disjointDataIsRefusedForAModelWithoutHistory() {
    CommandRun none = train("--model", MODEL.toString(), "--disjoint-data");
    assertThat(none.exitCode()).isEqualTo(2);
    assertThat(none.err()).contains("--disjoint-data").contains("carries no privacy history");
  }

  @Test
  void aCheckpointGivenAsModelKeepsItsLedger() throws IOException {
    Path ckpt = tmp.resolve("ckpt.keras");
    CommandRun one = train("--model", MODEL.toString(), "--checkpoint", ckpt.toString());
    assertThat(one.exitCode()).as(one.err()).isZero();
    Path b = tmp.resolve("b.keras");
    CommandRun two = train("--model", ckpt.toString(), "--out", b.toString());
    assertThat(two.exitCode()).as(two.err()).isZero();
    PrivacyRecord saved = record(b);
    assertThat(saved.steps()).isEqualTo(2 * STEPS_PER_EPOCH);
    assertThat(saved.epsilon()).isCloseTo(rdpEpsilon(2 * STEPS_PER_EPOCH), within(1e-9));
  }

  @Test
  void aLedgerIsChargedTheNewStepsOnce() throws IOException {
    Path db = tmp.resolve("ledger.db");
    assertThat(
            CommandRun.of(
                    "ledger",
                    "create",
                    "d",
                    "--epsilon",
                    "100",
                    "--delta",
                    "1e-4",
                    "--db",
                    db.toString())
                .exitCode())
        .isZero();
    Path a = tmp.resolve("a.keras");
    CommandRun one =
        train(
            "--model",
            MODEL.toString(),
            "--out",
            a.toString(),
            "--ledger",
            "d",
            "--db",
            db.toString());
    assertThat(one.exitCode()).as(one.err()).isZero();
    CommandRun two =
        train("--model", a.toString(), "--ledger", "d", "--db", db.toString(), "--json");
    assertThat(two.exitCode()).as(two.err()).isZero();
    assertThat(two.err()).contains("'d' is charged this run's steps only");
    JsonNode json = TrainModelCommandTest.MAPPER.readTree(two.out());
    try (PrivacyLedger ledger = PrivacyLedger.open(db)) {
      DatasetStatus status = ledger.dataset("d");
      assertThat(status.runs()).hasSize(2);
      assertThat(status.runs().get(1).steps()).isEqualTo(STEPS_PER_EPOCH);
      // the ledger's two runs are the model's 20 steps: neither double- nor under-charged
      assertThat(status.epsilonSpent())
          .isCloseTo(json.get("epsilon_rdp").asDouble(), within(1e-6))
          .isCloseTo(rdpEpsilon(2 * STEPS_PER_EPOCH), within(1e-6));
    }
  }
}
