package io.dp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

class AccountingCommandsTest {
  private static final String[] TUTORIAL = {
    "--n",
    "60000",
    "--batch-size",
    "250",
    "--noise-multiplier",
    "1.3",
    "--epochs",
    "3",
    "--delta",
    "1e-5"
  };

  private static JsonNode json(CommandRun run) throws Exception {
    assertThat(run.exitCode()).as(run.err()).isZero();
    return Json.MAPPER.readTree(run.out());
  }

  private static String[] concat(String first, String[] middle, String... last) {
    String[] all = new String[1 + middle.length + last.length];
    all[0] = first;
    System.arraycopy(middle, 0, all, 1, middle.length);
    System.arraycopy(last, 0, all, 1 + middle.length, last.length);
    return all;
  }

  @Test
  void helpListsTheEpochsOrStepsGroupOnce() {
    // picocli 4.7.6 listed the options of an argument group inside a mixin twice
    for (String command : new String[] {"budget", "calibrate"}) {
      String help = CommandRun.of(command, "--help").out();
      for (String option : new String[] {"Epochs of training (may be", "Training steps."}) {
        assertThat(help.split(java.util.regex.Pattern.quote(option), -1))
            .as(command + " " + option.trim())
            .hasSize(2);
      }
    }
  }

  @Test
  void budgetJsonHasTheStableFields() throws Exception {
    JsonNode node = json(CommandRun.of(concat("budget", TUTORIAL, "--json")));
    assertThat(node.get("steps").asLong()).isEqualTo(720);
    assertThat(node.get("sampling_rate").asDouble()).isCloseTo(250.0 / 60000, within(1e-12));
    assertThat(node.get("noise_multiplier").asDouble()).isEqualTo(1.3);
    assertThat(node.get("delta").asDouble()).isEqualTo(1e-5);
    double rdp = node.get("epsilon_rdp").asDouble();
    double pld = node.get("epsilon_pld").asDouble();
    assertThat(node.get("rdp_order").asDouble()).isGreaterThan(1);
    // PLD is the tighter accountant; both must be in the range the literature reports.
    assertThat(pld).isLessThanOrEqualTo(rdp * 1.001).isGreaterThan(0.3);
    assertThat(rdp).isBetween(0.5, 1.0);
  }

  @Test
  void budgetWithStepsEqualsBudgetWithEpochs() throws Exception {
    JsonNode byEpochs =
        json(CommandRun.of(concat("budget", TUTORIAL, "--json", "--accountant", "rdp")));
    String[] bySteps = TUTORIAL.clone();
    bySteps[6] = "--steps";
    bySteps[7] = "720";
    JsonNode node = json(CommandRun.of(concat("budget", bySteps, "--json", "--accountant", "rdp")));
    assertThat(node.get("epsilon_rdp").asDouble())
        .isEqualTo(byEpochs.get("epsilon_rdp").asDouble());
    assertThat(node.get("epsilon_pld").isNull()).isTrue();
  }

  @Test
  void budgetHumanOutputHasTableAndStatement() {
    CommandRun run = CommandRun.of(concat("budget", TUTORIAL));
    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).contains("RDP", "PLD", "optimal order", "once per epoch", "Poisson");
  }

  @Test
  void calibrateRoundTripsThroughBudget() throws Exception {
    JsonNode cal =
        json(
            CommandRun.of(
                "calibrate",
                "--target-epsilon",
                "3",
                "--n",
                "60000",
                "--batch-size",
                "250",
                "--epochs",
                "15",
                "--delta",
                "1e-5",
                "--json"));
    double sigma = cal.get("noise_multiplier").asDouble();
    assertThat(cal.get("epsilon").asDouble()).isLessThanOrEqualTo(3.0).isGreaterThan(2.9);
    JsonNode budget =
        json(
            CommandRun.of(
                "budget",
                "--n",
                "60000",
                "--batch-size",
                "250",
                "--noise-multiplier",
                Double.toString(sigma),
                "--epochs",
                "15",
                "--delta",
                "1e-5",
                "--accountant",
                "rdp",
                "--json"));
    assertThat(budget.get("epsilon_rdp").asDouble()).isLessThanOrEqualTo(3.0);
  }

  @Test
  void badArgumentsExitTwoWithOneLineAndNoStackTrace() {
    String[] bad = TUTORIAL.clone();
    bad[9] = "2";
    CommandRun run = CommandRun.of(concat("budget", bad));
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("delta").doesNotContain("Exception").doesNotContain("\tat ");
    assertThat(run.err().strip().lines()).hasSize(1);

    CommandRun both = CommandRun.of(concat("budget", TUTORIAL, "--steps", "10"));
    assertThat(both.exitCode()).isEqualTo(2);

    CommandRun missing = CommandRun.of("calibrate", "--n", "10");
    assertThat(missing.exitCode()).isEqualTo(2);
  }
}
