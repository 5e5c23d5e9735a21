package io.dp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dp4j.accounting.GaussianDpEvent;
import io.dp4j.accounting.PoissonSampledDpEvent;
import io.dp4j.accounting.RdpAccountant;
import io.dp4j.ledger.DatasetStatus;
import io.dp4j.ledger.LedgerJson;
import io.dp4j.ledger.PrivacyLedger;
import io.dp4j.ledger.RunCharge;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class LedgerCommandTest {
  @TempDir Path dir;

  private record Result(int exit, String out, String err) {}

  /** Runs {@code ledger ARGS} with dp4j's handling of user errors (exit 2, one line). */
  private Result run(String... args) {
    CommandLine cli = new CommandLine(new LedgerCommand());
    cli.setParameterExceptionHandler(
        (ex, a) -> {
          ex.getCommandLine().getErr().println("dp4j: " + ex.getMessage());
          return 2;
        });
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
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    return new Result(exit, out.toString(), err.toString());
  }

  private String db() {
    return dir.resolve("ledger.db").toString();
  }

  @Test
  void createPrintsJsonForScripts() throws Exception {
    Result created =
        run("create", "scripted", "--epsilon", "2", "--delta", "1e-5", "--db", db(), "--json");
    assertThat(created.exit()).as(created.err()).isZero();
    var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(created.out());
    assertThat(node.toString()).contains("scripted");
  }

  @Test
  void createShowAndListRoundTripThroughJson() throws Exception {
    Result created = run("create", "mnist", "--epsilon", "3", "--delta", "1e-5", "--db", db());
    assertThat(created.exit()).as(created.err()).isZero();
    assertThat(created.out()).contains("created dataset 'mnist'");
    assertThat(run("create", "adult", "--epsilon", "1.5", "--delta", "1e-6", "--db", db()).exit())
        .isZero();

    var step = new PoissonSampledDpEvent(0.004, new GaussianDpEvent(1.1));
    try (PrivacyLedger ledger = PrivacyLedger.open(dir.resolve("ledger.db"))) {
      try (RunCharge run = ledger.startRun("mnist", "alice", "tutorial cnn", step, 900, "rdp")) {
        run.finish(900);
      }
      try (RunCharge run = ledger.startRun("mnist", "bob", "cnn v2", step, 500, "rdp")) {
        run.recordSteps(120); // then interrupted
      }
    }

    Result shown = run("show", "mnist", "--json", "--db", db());
    assertThat(shown.exit()).as(shown.err()).isZero();
    JsonNode json = new ObjectMapper().readTree(shown.out());
    assertThat(json.get("epsilon_budget").asDouble()).isEqualTo(3.0);
    assertThat(json.get("delta").asDouble()).isEqualTo(1e-5);
    double composed = new RdpAccountant().compose(step, 1020).epsilon(1e-5);
    assertThat(json.get("epsilon_spent").asDouble()).isEqualTo(composed);
    assertThat(json.get("epsilon_remaining").asDouble()).isEqualTo(3.0 - composed);
    JsonNode runs = json.get("runs");
    assertThat(runs).hasSize(2);
    JsonNode first = runs.get(0);
    assertThat(first.get("who").asText()).isEqualTo("alice");
    assertThat(first.get("what").asText()).isEqualTo("tutorial cnn");
    assertThat(first.get("when").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
    assertThat(first.get("q").asDouble()).isEqualTo(0.004);
    assertThat(first.get("sigma").asDouble()).isEqualTo(1.1);
    assertThat(first.get("steps").asLong()).isEqualTo(900);
    assertThat(first.get("accountant").asText()).isEqualTo("rdp");
    assertThat(first.get("status").asText()).isEqualTo("finished");
    assertThat(runs.get(1).get("status").asText()).isEqualTo("interrupted");
    assertThat(runs.get(1).get("steps").asLong()).isEqualTo(120);

    DatasetStatus parsed = LedgerJson.datasetFromJson(shown.out());
    try (PrivacyLedger ledger = PrivacyLedger.open(dir.resolve("ledger.db"))) {
      assertThat(parsed).isEqualTo(ledger.dataset("mnist"));
      Result listed = run("list", "--json", "--db", db());
      assertThat(listed.exit()).as(listed.err()).isZero();
      List<DatasetStatus> all = LedgerJson.datasetsFromJson(listed.out());
      assertThat(all).isEqualTo(ledger.datasets());
      assertThat(all).extracting(DatasetStatus::name).containsExactly("adult", "mnist");
    }

    Result text = run("show", "mnist", "--db", db());
    assertThat(text.exit()).isZero();
    assertThat(text.out()).contains("dataset mnist").contains("alice").contains("900/900");
    Result table = run("list", "--db", db());
    assertThat(table.out()).contains("adult").contains("mnist");
  }

  @Test
  void badInputExitsTwoWithOneLineNamingTheParameter() {
    Result negative = run("create", "d", "--epsilon", "-1", "--delta", "1e-5", "--db", db());
    assertThat(negative.exit()).isEqualTo(2);
    assertThat(negative.err()).contains("epsilon").contains("-1.0").doesNotContain("\tat ");
    assertThat(negative.err().strip().lines()).hasSize(1);

    for (String delta : new String[] {"0", "1", "2"}) {
      Result bad = run("create", "d", "--epsilon", "1", "--delta", delta, "--db", db());
      assertThat(bad.exit()).isEqualTo(2);
      assertThat(bad.err()).contains("delta must be in (0, 1)");
    }

    Result unknown = run("show", "nope", "--db", db());
    assertThat(unknown.exit()).isEqualTo(2);
    assertThat(unknown.err()).contains("no dataset 'nope'");

    assertThat(run("create", "d", "--epsilon", "1", "--delta", "1e-5", "--db", db()).exit())
        .isZero();
    Result again = run("create", "d", "--epsilon", "1", "--delta", "1e-5", "--db", db());
    assertThat(again.exit()).isEqualTo(2);
    assertThat(again.err()).contains("already exists");

    Result missing = run("create", "e", "--delta", "1e-5", "--db", db());
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.err()).contains("--epsilon");

    Result empty = run("list", "--json", "--db", dir.resolve("other.db").toString());
    assertThat(empty.exit()).isZero();
    assertThat(LedgerJson.datasetsFromJson(empty.out())).isEmpty();
  }

  @Test
  void releaseEndsARunWhoseHostIsGoneChargedWhatItRecorded() {
    var step = new PoissonSampledDpEvent(0.01, new GaussianDpEvent(1.1));
    long id;
    try (PrivacyLedger ledger = PrivacyLedger.open(dir.resolve("ledger.db"))) {
      ledger.createDataset("census", 3.0, 1e-5);
      RunCharge run = ledger.startRun("census", "gpu7", "cnn", step, 1000, "rdp");
      run.recordSteps(120);
      id = run.id();

      Result released =
          run("release", Long.toString(id), "--reason", "host gpu7 decommissioned", "--db", db());

      assertThat(released.exit()).as(released.err()).isZero();
      double epsilon = new RdpAccountant().compose(step, 120).epsilon(1e-5);
      assertThat(released.out())
          .isEqualTo(
              String.format(
                  java.util.Locale.ROOT,
                  "released run %d: interrupted, charged 120 of 1000 planned steps (epsilon %.4g"
                      + " alone)%n",
                  id,
                  epsilon));
      assertThat(ledger.dataset("census").epsilonCommitted()).isEqualTo(epsilon);
      assertThat(run.status().label()).isEqualTo("running"); // this object has not been told
    }
    Result again = run("release", Long.toString(id), "--reason", "twice", "--db", db());
    assertThat(again.exit()).isEqualTo(1);
    assertThat(again.err()).contains("run " + id + " is not running");
    Result noReason = run("release", Long.toString(id), "--db", db());
    assertThat(noReason.exit()).isEqualTo(2);
    assertThat(noReason.err()).contains("--reason");
    Result unknown = run("release", "999", "--reason", "x", "--db", db());
    assertThat(unknown.exit()).isEqualTo(2);
    assertThat(unknown.err()).contains("no run 999");
  }
}
