package io.dp4j.cli;

import static io.dp4j.cli.SmallTrainRun.MODEL;
import static io.dp4j.cli.SmallTrainRun.SIGMA;
import static io.dp4j.cli.SmallTrainRun.STEPS_PER_EPOCH;
import static io.dp4j.cli.SmallTrainRun.rdpEpsilon;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.dp4j.io.keras.KerasModel;
import io.dp4j.io.keras.TrainingCheckpoint;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.losses.Reduction;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.nn.optimizers.Adam;
import io.dp4j.privacy.DPKerasAdamOptimizer;
import io.dp4j.privacy.ModelPrivacy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train --checkpoint FILE} and {@code train --resume FILE}. */
class TrainResumeTest {
  private static final Path OTHER_MODEL =
      KerasCommandsTest.FIXTURES.resolve("k3.1.1_seq_diabetes_dense.keras");

  @TempDir Path tmp;
  private SmallTrainRun run;

  @BeforeEach
  void data() throws IOException {
    run = new SmallTrainRun(tmp);
  }

  @Test
  void resumedRunContinuesTheStepsOptimizerStateAndPrivacyAccounting() throws IOException {
    Path first = tmp.resolve("first.keras");
    CommandRun one =
        run.train(
            "--model",
            MODEL.toString(),
            "--optimizer",
            "adam",
            "--learning-rate",
            "0.05",
            "--noise-multiplier",
            Double.toString(SIGMA),
            "--epochs",
            "1",
            "--checkpoint",
            first.toString(),
            "--json");
    assertThat(one.exitCode()).as(one.err()).isZero();
    JsonNode oneJson = TrainModelCommandTest.MAPPER.readTree(one.out());
    assertThat(oneJson.get("steps").asLong()).isEqualTo(STEPS_PER_EPOCH);
    assertThat(TrainingCheckpoint.settings(first).steps()).isEqualTo(STEPS_PER_EPOCH);

    Path second = tmp.resolve("second.keras");
    // no --model, --optimizer, --noise-multiplier: all come from the checkpoint
    CommandRun resumed =
        run.train(
            "--resume",
            first.toString(),
            "--epochs",
            "1",
            "--checkpoint",
            second.toString(),
            "--json");
    assertThat(resumed.exitCode()).as(resumed.err()).isZero();
    JsonNode json = TrainModelCommandTest.MAPPER.readTree(resumed.out());
    assertThat(json.get("steps").asLong()).isEqualTo(2 * STEPS_PER_EPOCH);
    assertThat(json.get("steps_before_resume").asLong()).isEqualTo(STEPS_PER_EPOCH);
    assertThat(json.get("noise_multiplier").asDouble()).isEqualTo(SIGMA);
    assertThat(resumed.err())
        .contains("Resuming " + first + ": 10 steps taken before the checkpoint")
        .contains("Epoch 1/1 - 10 steps (20 in all)");

    // an uninterrupted run of 2 epochs: same steps, q and sigma, so the same epsilon
    CommandRun whole =
        run.train(
            "--model",
            MODEL.toString(),
            "--optimizer",
            "adam",
            "--noise-multiplier",
            Double.toString(SIGMA),
            "--epochs",
            "2",
            "--json");
    assertThat(whole.exitCode()).as(whole.err()).isZero();
    JsonNode wholeJson = TrainModelCommandTest.MAPPER.readTree(whole.out());
    assertThat(wholeJson.get("steps").asLong()).isEqualTo(2 * STEPS_PER_EPOCH);
    assertThat(json.get("epsilon_rdp").asDouble())
        .isCloseTo(wholeJson.get("epsilon_rdp").asDouble(), within(1e-9))
        .isCloseTo(rdpEpsilon(2 * STEPS_PER_EPOCH), within(1e-9))
        .isGreaterThan(oneJson.get("epsilon_rdp").asDouble());
    assertThat(json.get("epsilon_pld").asDouble())
        .isCloseTo(wholeJson.get("epsilon_pld").asDouble(), within(1e-6));

    // the second checkpoint: 20 steps in the ledger and the step counter, and Adam's beta powers
    // (its iteration count) continued from the first run's 10 steps, not restarted
    try (KerasModel model = TrainingCheckpoint.load(second)) {
      assertThat(model.sequential().steps()).isEqualTo(2 * STEPS_PER_EPOCH);
      assertThat(ModelPrivacy.of(model.sequential()).privacyLog().steps())
          .isEqualTo(2 * STEPS_PER_EPOCH);
    }
    assertThat((double) beta1Power(second))
        .isCloseTo(beta1Power(first) * Math.pow(0.9, STEPS_PER_EPOCH), within(1e-6));
  }

  /** Adam's beta1^t (t counted as TensorFlow does) saved in a checkpoint. */
  private static float beta1Power(Path checkpoint) throws IOException {
    try (KerasModel model = TrainingCheckpoint.load(checkpoint)) {
      Sequential s = model.sequential();
      s.compile(
          new DPKerasAdamOptimizer(1.0, SIGMA, 0, new Adam(0.05f)),
          new SparseCategoricalCrossentropy(false, Reduction.NONE));
      TrainingCheckpoint.restoreOptimizerState(s, checkpoint);
      float[] power = s.optimizerState().get("beta1_power");
      assertThat(power).as("beta1_power in %s", checkpoint).isNotNull().hasSize(1);
      return power[0];
    }
  }

  @Test
  void resumeRefusesOptionsThatContradictTheCheckpoint() {
    Path ckpt = tmp.resolve("ckpt.keras");
    CommandRun one =
        run.train(
            "--model",
            MODEL.toString(),
            "--noise-multiplier",
            Double.toString(SIGMA),
            "--epochs",
            "1",
            "--checkpoint",
            ckpt.toString());
    assertThat(one.exitCode()).as(one.err()).isZero();
    assertThat(one.out()).contains("Checkpoint " + ckpt);

    CommandRun sigma =
        run.train("--resume", ckpt.toString(), "--noise-multiplier", "2.0", "--epochs", "1");
    assertThat(sigma.exitCode()).isEqualTo(2);
    assertThat(sigma.err().strip())
        .doesNotContain("\n")
        .contains("--noise-multiplier 2.0 contradicts the checkpoint")
        .contains("(1.3)");

    CommandRun optimizer = run.train("--resume", ckpt.toString(), "--optimizer", "adam");
    assertThat(optimizer.exitCode()).isEqualTo(2);
    assertThat(optimizer.err()).contains("--optimizer adam contradicts").contains("(sgd)");

    Assumptions.assumeTrue(Files.exists(OTHER_MODEL));
    CommandRun model = run.train("--resume", ckpt.toString(), "--model", OTHER_MODEL.toString());
    assertThat(model.exitCode()).isEqualTo(2);
    assertThat(model.err().strip())
        .doesNotContain("\n")
        .contains("--model " + OTHER_MODEL + " is not the model of the checkpoint");
    assertThat(model.out()).doesNotContain("Epoch 1/");

    // the same model and settings, given again, agree with the checkpoint
    CommandRun same =
        run.train(
            "--resume",
            ckpt.toString(),
            "--model",
            MODEL.toString(),
            "--noise-multiplier",
            Double.toString(SIGMA),
            "--optimizer",
            "sgd",
            "--epochs",
            "1");
    assertThat(same.exitCode()).as(same.err()).isZero();
    assertThat(same.out()).contains("Epoch 1/1 - 10 steps (20 in all)");
  }
}
