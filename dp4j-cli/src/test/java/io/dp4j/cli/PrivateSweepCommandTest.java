package io.dp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.dp4j.accounting.ComposedDpEvent;
import io.dp4j.accounting.GaussianDpEvent;
import io.dp4j.accounting.PoissonSampledDpEvent;
import io.dp4j.accounting.RdpAccountant;
import io.dp4j.accounting.RepeatAndSelectDpEvent;
import io.dp4j.accounting.SelfComposedDpEvent;
import io.dp4j.accounting.TruncatedNegativeBinomialTrials;
import io.dp4j.io.keras.KerasModel;
import io.dp4j.io.keras.ModelIO;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.nn.optimizers.SGD;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sweep --private}: a random number of trials, the best released, one ε for the search. */
class PrivateSweepCommandTest {
  @TempDir Path tmp;
  private Path model;
  private SyntheticCsv train;
  private SyntheticCsv test;

  @BeforeEach
  void data() throws Exception {
    model = tmp.resolve("linear.keras");
    try (Sequential s = new Sequential(new Dense(3)).setSeed(4)) {
      s.setInputShape(new long[] {4});
      s.compile(new SGD(0.1f), new SparseCategoricalCrossentropy(true));
      ModelIO.save(KerasModel.of(s, 4), model);
    }
    train = SyntheticCsv.write(tmp, "train", 300, 31);
    test = SyntheticCsv.write(tmp, "test", 60, 32);
  }

  private CommandRun sweep(String... options) {
    List<String> args = new ArrayList<>(List.of("sweep", "--private"));
    args.addAll(List.of(options));
    args.addAll(train.withTest(test));
    args.addAll(
        List.of(
            "--model",
            model.toString(),
            "--from-logits",
            "--epochs",
            "2",
            "--batch-size",
            "40",
            "--delta",
            "1e-4"));
    return CommandRun.of(args.toArray(String[]::new));
  }

  /**
   * One target ε, two learning rates: every configuration has the σ of the best trial, so the
   * search's ε can be recomputed through the accountant's event API, a path the command does not
   * take (it bounds arrays of RDP values): 2 epochs of 240/40 = 6 Poisson steps at q = 40/240 (60
   * of the 300 examples held out), composed with the validation score's Gaussian of σ 10, as one
   * trial of a RepeatAndSelectDpEvent.
   */
  @Test
  void jsonReportsTheWholeSearchEpsilon() throws Exception {
    CommandRun run =
        sweep(
            "--json",
            "--targets",
            "3",
            "--learning-rates",
            "0.05,0.5",
            "--mean-trials",
            "2",
            "--eta",
            "0.5",
            "--validation-fraction",
            "0.2");
    assertThat(run.exitCode()).as(run.err()).isZero();
    JsonNode json = Json.MAPPER.readTree(run.out());
    long k = json.get("trials").asLong();
    assertThat(k).isGreaterThanOrEqualTo(1);
    assertThat(json.get("distribution").get("name").asText()).isEqualTo("negative-binomial");
    assertThat(json.get("distribution").get("eta").asDouble()).isEqualTo(0.5);
    assertThat(json.get("distribution").get("mean").asDouble()).isCloseTo(2, within(1e-9));
    assertThat(json.get("validation").get("examples").asInt()).isEqualTo(60);
    JsonNode best = json.get("best");
    assertThat(best.get("target_epsilon").asDouble()).isEqualTo(3);
    assertThat((float) best.get("learning_rate").asDouble()).isIn(0.05f, 0.5f);
    assertThat(best.get("test_accuracy").asDouble()).isBetween(0.0, 1.0);
    assertThat(best.get("validation_accuracy").asDouble()).isBetween(0.0, 1.0);

    double sigma = best.get("noise_multiplier").asDouble();
    ComposedDpEvent trial =
        new ComposedDpEvent(
            List.of(
                new SelfComposedDpEvent(
                    new PoissonSampledDpEvent(40.0 / 240, new GaussianDpEvent(sigma)), 12),
                new GaussianDpEvent(10)));
    double perTrial = new RdpAccountant().compose(trial).epsilon(1e-4);
    TruncatedNegativeBinomialTrials law =
        new TruncatedNegativeBinomialTrials(0.5, json.get("distribution").get("gamma").asDouble());
    double whole =
        new RdpAccountant().compose(new RepeatAndSelectDpEvent(trial, law)).epsilon(1e-4);
    // the same sums in another order: float64 round-off, far below 1e−9
    assertThat(json.get("epsilon_per_trial").asDouble()).isCloseTo(perTrial, within(1e-9));
    assertThat(json.get("epsilon").asDouble()).isCloseTo(whole, within(1e-9));
    // tuning costs more than one trial, far less than composing every trial of a long search
    assertThat(whole).isGreaterThan(perTrial);
    assertThat(run.err()).contains("drawn with SecureRandom: K = " + k);
  }

  /** Poisson K may be 0; the human output names the draw and the whole-search ε either way. */
  @Test
  void poissonHumanOutput() {
    CommandRun run =
        sweep("--targets", "2,4", "--trials-distribution", "poisson", "--mean-trials", "2");
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out())
        .containsPattern("K ~ Poisson \\(mean 2\\.0+\\), drawn with SecureRandom: K = \\d+ trial")
        .contains("Keep K to yourself")
        .contains("The whole search spent epsilon")
        .containsPattern("Best configuration: target epsilon [24]\\.0|No trial ran \\(K = 0\\)");
    // no trial's own result is printed: only the best is released
    assertThat(run.out()).doesNotContain("training loss").doesNotContain("Calibrated");
  }

  @Test
  void badInputIsUsage() {
    CommandRun eta = sweep("--targets", "2", "--mean-trials", "3", "--eta", "-1");
    assertThat(eta.exitCode()).isEqualTo(2);
    assertThat(eta.err()).contains("eta must be finite and > -1, got -1.0");
    CommandRun mean = sweep("--targets", "2");
    assertThat(mean.exitCode()).isEqualTo(2);
    assertThat(mean.err()).contains("--private needs --mean-trials");
    CommandRun poissonEta =
        sweep(
            "--targets",
            "2",
            "--mean-trials",
            "3",
            "--trials-distribution",
            "poisson",
            "--eta",
            "1");
    assertThat(poissonEta.exitCode()).isEqualTo(2);
    assertThat(poissonEta.err())
        .contains("--eta goes with --trials-distribution negative-binomial");
    CommandRun law =
        sweep("--targets", "2", "--mean-trials", "3", "--trials-distribution", "uniform");
    assertThat(law.exitCode()).isEqualTo(2);
    assertThat(law.err()).contains("--trials-distribution must be poisson or negative-binomial");
    // eta -0.9 and a mean of 100 need gamma ~ 1e-21: K could not be drawn
    CommandRun tail = sweep("--targets", "2", "--mean-trials", "100", "--eta", "-0.9");
    assertThat(tail.exitCode()).isEqualTo(2);
    assertThat(tail.err()).contains("too heavy a tail to draw K from");
  }
}
