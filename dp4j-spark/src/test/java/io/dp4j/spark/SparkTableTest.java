package io.dp4j.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dp4j.ledger.BudgetExceededException;
import io.dp4j.ledger.PrivacyLedger;
import io.dp4j.ledger.RunRecord;
import io.dp4j.ledger.RunStatus;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.losses.Reduction;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.privacy.DPKerasSGDOptimizer;
import io.dp4j.privacy.ModelPrivacy;
import io.dp4j.privacy.PlanEngine;
import io.dp4j.privacy.TrainingPlan;
import io.dp4j.privacy.TrainingResult;
import io.dp4j.privacy.cluster.ClusterEngine;
import io.dp4j.privacy.cluster.ClusterTable;
import io.dp4j.privacy.cluster.ModelFactory;
import io.dp4j.privacy.keras.LedgerCharge;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CSV opened by the Spark {@link ClusterEngine} (found by {@link java.util.ServiceLoader}, as the
 * command finds it) and a {@link TrainingPlan} run on it charged to a ledger, in {@code local[2]}.
 */
class SparkTableTest {
  private static final int N = 100;

  @TempDir Path tmp;

  /** A 4-8-3 relu MLP under DP-SGD with C = 1, σ = 1.1. */
  record Mlp(long seed) implements ModelFactory {
    @Override
    public Sequential create() {
      Sequential model =
          new Sequential(
              Dense.builder()
                  .setUnits(8)
                  .optInputShape(4)
                  .optActivation(ActivationFunction.RELU)
                  .build(),
              Dense.builder().setUnits(3).build());
      model.setSeed(seed);
      model.compile(
          new DPKerasSGDOptimizer(1.0, 1.1, 0, 0.1f),
          new SparseCategoricalCrossentropy(true, Reduction.NONE));
      return model;
    }
  }

  /** {@code n} rows of 4 features and a class label in 0..2, with a header. */
  static Path csv(Path dir, int n, String label) throws IOException {
    SplittableRandom r = new SplittableRandom(5);
    StringBuilder s = new StringBuilder("f0,f1,f2,f3," + label + "\n");
    for (int i = 0; i < n; i++) {
      int y = r.nextInt(3);
      for (int j = 0; j < 4; j++) {
        s.append(j == y ? 1 + r.nextDouble() : r.nextDouble()).append(',');
      }
      s.append(y).append('\n');
    }
    Path file = dir.resolve("train.csv");
    Files.writeString(file, s);
    return file;
  }

  private static ClusterTable open(Path csv) throws IOException {
    ClusterEngine engine = ClusterEngine.forMaster("local[2]").orElseThrow();
    assertThat(engine.name()).isEqualTo("spark");
    return engine.open("local[2]", csv, "label");
  }

  @Test
  void aCsvIsReadWithItsOtherColumnsAsFeaturesOverTheCores() throws IOException {
    try (ClusterTable table = open(csv(tmp, N, "label"))) {
      assertThat(table.rows()).isEqualTo(N);
      assertThat(table.width()).isEqualTo(4);
      // a small file is split over local[2]'s two cores (in file splits of about half its bytes:
      // two, or three with a remainder)
      assertThat(table.partitions()).isBetween(2, 3);
      assertThat(table.labels()).isEqualTo(new ClusterTable.Labels(0, 2, 0));
    }
  }

  @Test
  void aTableWithoutTheLabelColumnIsRefusedNamingIt() throws IOException {
    Path file = csv(tmp, 10, "y");
    assertThatThrownBy(() -> open(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no column 'label'")
        .hasMessageContaining("[f0, f1, f2, f3, y]");
  }

  /** Two epochs of 5 steps on the table's N rows (expected batch 20), σ 1.1, δ 1e-3. */
  private static TrainingPlan twoEpochsOfFiveSteps() {
    return TrainingPlan.builder()
        .setExamples(N)
        .setExpectedBatchSize(20)
        .optEpochs(2)
        .optNoiseMultiplier(1.1)
        .optDelta(1e-3)
        .build();
  }

  /**
   * Two epochs of 5 steps charged to a ledger: before each step runs on the driver, the ledger
   * durably holds it (read back from the database), counted over both epochs; the run ends finished
   * with its 10 steps, as many as the model's privacy log, and the same ε.
   */
  @Test
  void aLedgerChargedRunChargesEachStepOnceBeforeItRuns() throws IOException {
    Mlp recipe = new Mlp(3);
    TrainingPlan plan = twoEpochsOfFiveSteps();
    try (ClusterTable table = open(csv(tmp, N, "label"));
        PrivacyLedger ledger = PrivacyLedger.open(tmp.resolve("ledger.db"));
        Sequential model = recipe.create()) {
      ledger.createDataset("d", 100.0, 1e-3);
      List<Integer> epochsDone = new ArrayList<>();
      PlanEngine spark = table.engine(recipe, epochsDone::add);
      List<long[]> seen = new ArrayList<>();
      PlanEngine observed =
          (m, sampler, epochs, charge) ->
              spark.fit(
                  m,
                  sampler,
                  epochs,
                  step -> {
                    charge.onStep(step);
                    seen.add(
                        new long[] {
                          step.stepOfFit(),
                          ledger.dataset("d").runs().get(0).steps(),
                          model.steps(),
                          ModelPrivacy.of(model).privacyLog().steps()
                        });
                  });
      TrainingResult result =
          plan.run(model, plan.sampler(), new LedgerCharge(ledger, "d", "test", "spark"), observed);

      assertThat(epochsDone).containsExactly(1, 2);
      assertThat(seen).hasSize(10);
      for (int s = 0; s < 10; s++) {
        // step s: charged s+1 steps, while the model and its log have taken s
        assertThat(seen.get(s)).containsExactly(s, s + 1, s, s);
      }
      RunRecord run = ledger.dataset("d").runs().get(0);
      assertThat(run.status()).isEqualTo(RunStatus.FINISHED);
      assertThat(run.steps()).isEqualTo(10).isEqualTo(model.steps());
      assertThat(result.rdp().steps()).isEqualTo(10);
      assertThat(result.ledgerRun()).hasValue(run.id());
      assertThat(run.epsilon()).isEqualTo(result.rdp().epsilon());
    }
  }

  @Test
  void aRunOverTheBudgetIsRefusedBeforeAnyStep() throws IOException {
    Mlp recipe = new Mlp(3);
    TrainingPlan plan = twoEpochsOfFiveSteps();
    try (ClusterTable table = open(csv(tmp, N, "label"));
        PrivacyLedger ledger = PrivacyLedger.open(tmp.resolve("ledger.db"));
        Sequential model = recipe.create()) {
      ledger.createDataset("d", 0.01, 1e-3);
      PlanEngine spark = table.engine(recipe, epoch -> {});
      assertThatThrownBy(
              () ->
                  plan.run(
                      model, plan.sampler(), new LedgerCharge(ledger, "d", "test", "spark"), spark))
          .isInstanceOf(BudgetExceededException.class);
      assertThat(model.steps()).isZero();
      assertThat(ledger.dataset("d").runs()).isEmpty();
    }
  }
}
