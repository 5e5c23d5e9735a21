package io.dp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dp4j.accounting.AccountantKind;
import io.dp4j.accounting.GaussianDpEvent;
import io.dp4j.accounting.PoissonSampledDpEvent;
import io.dp4j.accounting.PrivacyAccountant;
import io.dp4j.data.Mnist;
import io.dp4j.ledger.DatasetStatus;
import io.dp4j.ledger.PrivacyLedger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --recipe}: the recipe's settings run and are reported, options beside it override
 * them, its front-end features are cached, and {@code --validation-split} holds out the end of the
 * training set. Kept to seconds with --limit (features of a few hundred images) and two epochs.
 */
class TrainRecipeTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @TempDir Path tmp;

  /** MNIST's files (fetched when not cached) linked into a folder of the test's own. */
  private Path mnistDir() throws Exception {
    Path from = Mnist.load().directory();
    Path dir = Files.createDirectories(tmp.resolve("mnist"));
    try (Stream<Path> files = Files.list(from)) {
      for (Path file : files.toList()) {
        Files.createSymbolicLink(dir.resolve(file.getFileName()), file);
      }
    }
    return dir;
  }

  /** A quick recipe run: 400 images, a quarter held out, 2 epochs at batch 100. */
  private static CommandRun recipeRun(Path dir, String... more) {
    List<String> quick = new ArrayList<>(List.of("--epochs", "2", "--batch-size", "100", "--json"));
    quick.addAll(List.of(more));
    return recipeOn(dir, 400, quick.toArray(String[]::new));
  }

  /** {@code train --recipe mnist} on the first {@code limit} images, a quarter held out. */
  private static CommandRun recipeOn(Path dir, int limit, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "train",
                "--recipe",
                "mnist",
                "--data-dir",
                dir.toString(),
                "--limit",
                Integer.toString(limit),
                "--validation-split",
                "0.25"));
    args.addAll(List.of(more));
    return CommandRun.of(args.toArray(String[]::new));
  }

  @Test
  void recipeRunsItsSettingsWithOverridesAndCachesItsFeatures() throws Exception {
    Path dir = mnistDir();
    CommandRun run = recipeRun(dir);
    assertThat(run.exitCode()).as(run.err()).isZero();
    JsonNode json = MAPPER.readTree(run.out());
    assertThat(json.get("recipe").asText()).isEqualTo("mnist");
    assertThat(json.get("model").asText()).isEqualTo(Recipe.MNIST.modelName());
    // the recipe's own settings
    assertThat(json.get("learning_rate").asDouble()).isEqualTo(Recipe.MNIST.learningRate);
    assertThat(json.get("momentum").asDouble()).isEqualTo(Recipe.MNIST.momentum);
    assertThat(json.get("l2_norm_clip").asDouble()).isEqualTo(Recipe.MNIST.l2NormClip);
    assertThat(json.get("parameter_averaging").get("ema").asDouble()).isEqualTo(Recipe.MNIST.ema);
    assertThat(json.get("target_epsilon").asDouble()).isEqualTo(Recipe.DEFAULT_TARGET_EPSILON);
    assertThat(json.get("epsilon_pld").asDouble()).isLessThanOrEqualTo(3);
    assertThat(json.get("privacy").get("accountant").asText()).isEqualTo("pld");
    assertThat(json.get("delta").asDouble()).isEqualTo(1e-5);
    // the options given beside it
    assertThat(json.get("epochs").asInt()).isEqualTo(2);
    assertThat(json.get("sampling_rate").asDouble()).isEqualTo(100.0 / 300);
    // the last quarter of the first 400 training images held out; no test-set figures
    assertThat(json.get("examples").asInt()).isEqualTo(300);
    assertThat(json.get("validation_examples").asInt()).isEqualTo(100);
    assertThat(json.get("validation_accuracy").asDouble()).isBetween(0.0, 1.0);
    assertThat(json.has("test_accuracy")).isFalse();
    // the channel moments' release is one more DP event: ε is the accountants' composition of
    // the Gaussian mechanism (q = 1) with the DP-SGD steps, computed here on their own
    JsonNode release = json.get("channel_whitening");
    assertThat(release.get("noise_multiplier").asDouble()).isEqualTo(8);
    assertThat(release.get("clip_norm").asDouble()).isEqualTo(Recipe.WHITENING_CLIP_NORM);
    double sigma = json.get("noise_multiplier").asDouble();
    long dpSteps = json.get("steps").asLong() - 1;
    for (AccountantKind kind : new AccountantKind[] {AccountantKind.RDP, AccountantKind.PLD}) {
      PrivacyAccountant a = kind.newAccountant();
      a.compose(new PoissonSampledDpEvent(1.0, new GaussianDpEvent(8)));
      a.compose(new PoissonSampledDpEvent(100.0 / 300, new GaussianDpEvent(sigma)), dpSteps);
      String key = kind == AccountantKind.RDP ? "epsilon_rdp" : "epsilon_pld";
      assertThat(json.get(key).asDouble()).as(key).isEqualTo(a.epsilon(1e-5));
    }
    // σ was calibrated with the release composed: without it, the same σ spends less
    PrivacyAccountant alone = AccountantKind.PLD.newAccountant();
    alone.compose(new PoissonSampledDpEvent(100.0 / 300, new GaussianDpEvent(sigma)), dpSteps);
    assertThat(alone.epsilon(1e-5)).isLessThan(json.get("epsilon_pld").asDouble());
    assertThat(run.err())
        .contains("Channel whitening: the 300 training features' 81 x 81 channel moments released")
        .contains("composed after the model's 1 earlier step(s)")
        .contains("Recipe mnist: " + Recipe.MNIST.modelName())
        .contains("--batch-size 100")
        .contains("--momentum " + Recipe.MNIST.momentum)
        .contains("features of 400 examples computed")
        .contains("the test set is not used");

    CommandRun again = recipeRun(dir);
    assertThat(again.exitCode()).as(again.err()).isZero();
    assertThat(again.err())
        .contains("features of 400 examples read from " + dir.resolve("features"));
  }

  @Test
  void theLedgerIsChargedForTheReleaseAndTheSteps() throws Exception {
    Path dir = mnistDir();
    String db = tmp.resolve("ledger.db").toString();
    CommandRun create =
        CommandRun.of("ledger", "create", "m", "--epsilon", "20", "--delta", "1e-5", "--db", db);
    assertThat(create.exitCode()).as(create.err()).isZero();
    CommandRun run = recipeRun(dir, "--ledger", "m", "--db", db);
    assertThat(run.exitCode()).as(run.err()).isZero();
    JsonNode json = MAPPER.readTree(run.out());
    try (PrivacyLedger ledger = PrivacyLedger.open(Path.of(db))) {
      DatasetStatus status = ledger.dataset("m");
      // the release first, as its own run of one step, then the DP-SGD run
      assertThat(status.runs()).hasSize(2);
      assertThat(status.runs().get(0).steps()).isEqualTo(1);
      assertThat(status.runs().get(1).steps()).isEqualTo(json.get("steps").asLong() - 1);
      // the ledger's ε (RDP, its accountant) composes both: the run's own RDP figure
      assertThat(status.epsilonSpent()).isCloseTo(json.get("epsilon_rdp").asDouble(), within(1e-9));
    }
    // a budget below the release alone: refused before any statistic is released
    CommandRun tight =
        CommandRun.of("ledger", "create", "t", "--epsilon", "0.01", "--delta", "1e-5", "--db", db);
    assertThat(tight.exitCode()).as(tight.err()).isZero();
    CommandRun refused = recipeRun(dir, "--ledger", "t", "--db", db);
    assertThat(refused.exitCode()).isEqualTo(1);
    assertThat(refused.err()).doesNotContain("Channel whitening:");
  }

  @Test
  void aLimitBelowTheRecipesBatchIsRefusedBeforeAnyFeatureIsComputed() throws Exception {
    Path dir = mnistDir();
    // --limit 10 with a quarter held out leaves 7 training examples, against the recipe's 8192
    CommandRun run = recipeOn(dir, 10);
    assertThat(run.exitCode()).as(run.err()).isEqualTo(2);
    assertThat(run.err())
        .contains("--batch-size must be in [1, 7] (the training examples), got 8192")
        .doesNotContain("features of");
  }

  @Test
  void recipeRefusesAModelOfItsOwnAndAnUnknownName() {
    CommandRun withModel = CommandRun.of("train", "--recipe", "mnist", "--model", "tutorial-cnn");
    assertThat(withModel.exitCode()).isEqualTo(2);
    assertThat(withModel.err()).contains("--recipe brings its own model and data");
    CommandRun unknown = CommandRun.of("train", "--recipe", "cifar10");
    assertThat(unknown.exitCode()).isEqualTo(2);
    assertThat(unknown.err()).contains("--recipe must be mnist or fashion-mnist, got \"cifar10\"");
    CommandRun out = CommandRun.of("train", "--recipe", "mnist", "--out", "m.keras");
    assertThat(out.exitCode()).isEqualTo(2);
    assertThat(out.err()).contains("drop --out and --checkpoint");
    CommandRun ridge =
        CommandRun.of("train", "--model", "tutorial-cnn", "--whitening-ridge", "0.2");
    assertThat(ridge.exitCode()).isEqualTo(2);
    assertThat(ridge.err()).contains("set the channel whitening of --recipe runs");
    CommandRun zero =
        CommandRun.of("train", "--recipe", "mnist", "--whitening-noise-multiplier", "0");
    assertThat(zero.exitCode()).isEqualTo(2);
    assertThat(zero.err()).contains("--whitening-noise-multiplier");
    CommandRun split = CommandRun.of("train", "--recipe", "mnist", "--validation-split", "1");
    assertThat(split.exitCode()).isEqualTo(2);
    assertThat(split.err()).contains("--validation-split must be in (0, 1)");
  }
}
