package io.dp4j.privacy.keras;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.dp4j.accounting.DpSgdBudget;
import io.dp4j.data.PoissonSampler;
import io.dp4j.data.table.ColumnSpec;
import io.dp4j.data.table.PrivateDataLoader;
import io.dp4j.data.table.TableSchema;
import io.dp4j.ledger.BudgetExceededException;
import io.dp4j.ledger.DatasetStatus;
import io.dp4j.ledger.PrivacyLedger;
import io.dp4j.ledger.RunRecord;
import io.dp4j.ledger.RunStatus;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.losses.Reduction;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.nn.optimizers.SGD;
import io.dp4j.nn.train.BatchEvent;
import io.dp4j.nn.train.History;
import io.dp4j.nn.train.Metric;
import io.dp4j.nn.train.TrainingListener;
import io.dp4j.privacy.DPKerasSGDOptimizer;
import io.dp4j.privacy.DPSequential;
import io.dp4j.privacy.ModelPrivacy;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

class PrivateKerasModelTest {
  private static final List<String> CLASSES = List.of("west", "east");
  private static final TableSchema FEATURES =
      TableSchema.of(ColumnSpec.numeric("x1", -4, 4), ColumnSpec.numeric("x2", -4, 4));
  private static final TableSchema LABEL = TableSchema.of(ColumnSpec.index("side", CLASSES));

  @TempDir Path dir;

  /** Two Gaussian blobs, labelled by side. */
  private static Table blobs(int n, long seed) {
    Random r = new Random(seed);
    double[] x1 = new double[n];
    double[] x2 = new double[n];
    String[] side = new String[n];
    for (int i = 0; i < n; i++) {
      int c = i % 2;
      x1[i] = r.nextGaussian() * 0.5 + (c == 0 ? -2 : 2);
      x2[i] = r.nextGaussian() * 0.5 + (c == 0 ? 1 : -1);
      side[i] = CLASSES.get(c);
    }
    return Table.create(
        "blobs",
        DoubleColumn.create("x1", x1),
        DoubleColumn.create("x2", x2),
        StringColumn.create("side", side));
  }

  private static Dense hidden() {
    return Dense.builder()
        .setUnits(8)
        .optActivation(ActivationFunction.RELU)
        .optInputShape(2)
        .build();
  }

  private static Dense output() {
    return Dense.builder().setUnits(2).optActivation(ActivationFunction.SOFTMAX).build();
  }

  static PrivateKerasModel privateModel(double sigma) {
    Sequential model = new Sequential(hidden(), output());
    model.setSeed(3);
    ModelPrivacy.of(model).noiseSource().useFixedNoiseSeedForTesting(77);
    PrivateKerasModel m = new PrivateKerasModel(model, 1.0, sigma);
    m.compile(new SGD(0.5f), new SparseCategoricalCrossentropy(), Metric.ACCURACY);
    return m;
  }

  static PrivateDataLoader loader(int n) {
    return new PrivateDataLoader(blobs(n, 1), FEATURES, LABEL, 20).withTestSeed(5);
  }

  @Test
  void trainsLikeDpSequentialWithTheSameSeedsAndSettings() {
    PrivateDataLoader loader = loader(200);
    PrivateKerasModel wrapped = privateModel(0.8);
    List<float[]> initial = wrapped.model().getWeights();
    History h = wrapped.fit(loader, 2, 1e-3);

    try (DPSequential reference = new DPSequential(1.0, 0.8, hidden(), output())) {
      reference.setSeed(3);
      reference.useFixedNoiseSeedForTesting(77);
      reference.compile(new SGD(0.5f), new SparseCategoricalCrossentropy(), Metric.ACCURACY);
      reference.setTargetDelta(1e-3);
      History expected =
          reference.fit(loader.dataset(), PoissonSampler.seeded(200, loader.samplingRate(), 5), 2);
      assertThat(reference.steps()).isEqualTo(20);
      assertThat(wrapped.model().steps()).isEqualTo(20);
      List<float[]> got = wrapped.model().getWeights();
      List<float[]> want = reference.getWeights();
      assertThat(got).hasSameSizeAs(want);
      for (int i = 0; i < want.size(); i++) {
        assertThat(got.get(i)).containsExactly(want.get(i));
        assertThat(got.get(i)).isNotEqualTo(initial.get(i));
      }
      assertThat(h.get("loss")).isEqualTo(expected.get("loss"));
      assertThat(h.get("epsilon")).isEqualTo(expected.get("epsilon"));
    } finally {
      wrapped.model().close();
    }
  }

  @Test
  void historyCarriesEpsilonPerEpochAsBudgetedBeforeTraining() {
    PrivateDataLoader loader = loader(200);
    PrivateKerasModel model = privateModel(1.1);
    try {
      History h = model.fit(loader, 3, 1e-3);
      assertThat(h.get("epsilon")).hasSize(3);
      for (int epochs = 1; epochs <= 3; epochs++) {
        DpSgdBudget before = PrivateKerasModel.getPrivacyBudget(200, 20, epochs, 1.1, 1e-3);
        assertThat(before.steps()).isEqualTo(10L * epochs);
        assertThat(h.get("epsilon").get(epochs - 1)).isCloseTo(before.epsilonRdp(), within(1e-9));
        assertThat(before.epsilonPld()).isLessThanOrEqualTo(before.epsilonRdp() * 1.001);
      }
      assertThat(h.get("epsilon").get(0)).isLessThan(h.get("epsilon").get(2));
      assertThat(model.evaluate(loader).get("accuracy")).isGreaterThan(0.9);
    } finally {
      model.model().close();
    }
  }

  @Test
  void ledgerRefusesAnOverspendBeforeTheFirstStep() {
    PrivateDataLoader loader = loader(200);
    PrivateKerasModel model = privateModel(0.6);
    try (PrivacyLedger ledger = PrivacyLedger.open(dir.resolve("ledger.db"))) {
      ledger.createDataset("blobs", 1.0, 1e-3);
      List<float[]> before = model.model().getWeights();
      double planned = PrivateKerasModel.getPrivacyBudget(200, 20, 5, 0.6, 1e-3).epsilonRdp();
      assertThat(planned).isGreaterThan(1.0);
      assertThatThrownBy(
              () -> model.fit(loader, 5, 1e-3, new LedgerCharge(ledger, "blobs", "ann", "mlp")))
          .isInstanceOf(BudgetExceededException.class)
          .hasMessageContaining("blobs");
      assertThat(model.model().steps()).isZero();
      List<float[]> after = model.model().getWeights();
      for (int i = 0; i < before.size(); i++) {
        assertThat(after.get(i)).containsExactly(before.get(i));
      }
      DatasetStatus status = ledger.dataset("blobs");
      assertThat(status.runs()).isEmpty();
      assertThat(status.epsilonSpent()).isZero();
    } finally {
      model.model().close();
    }
  }

  @Test
  void aFinishedRunIsChargedItsStepsAndTwoRunsCompose() {
    PrivateDataLoader loader = loader(200);
    PrivateKerasModel model = privateModel(1.1);
    try (PrivacyLedger ledger = PrivacyLedger.open(dir.resolve("ledger.db"))) {
      ledger.createDataset("blobs", 10.0, 1e-3);
      LedgerCharge charge = new LedgerCharge(ledger, "blobs", "ann", "mlp");
      History h = model.fit(loader, 2, 1e-3, charge);
      DatasetStatus one = ledger.dataset("blobs");
      RunRecord run = one.runs().get(0);
      assertThat(run.status()).isEqualTo(RunStatus.FINISHED);
      assertThat(run.steps()).isEqualTo(20);
      assertThat(run.samplingProbability()).isEqualTo(0.1);
      assertThat(run.noiseMultiplier()).isEqualTo(1.1);
      assertThat(one.epsilonSpent()).isCloseTo(h.get("epsilon").get(1), within(1e-6));

      History h2 = model.fit(loader, 2, 1e-3, charge);
      DatasetStatus two = ledger.dataset("blobs");
      assertThat(two.runs()).hasSize(2);
      // composed, not added: the model's accountant saw the same 40 steps
      assertThat(two.epsilonSpent()).isCloseTo(h2.get("epsilon").get(1), within(1e-6));
      assertThat(two.epsilonSpent()).isLessThan(2 * one.epsilonSpent());
    } finally {
      model.model().close();
    }
  }

  @Test
  void anInterruptedRunIsChargedTheStepsItTook() {
    PrivateDataLoader loader = loader(200);
    PrivateKerasModel model = privateModel(1.1);
    long[] chargedAtStep = new long[1];
    try (PrivacyLedger ledger = PrivacyLedger.open(dir.resolve("ledger.db"))) {
      ledger.createDataset("blobs", 10.0, 1e-3);
      model
          .model()
          .addTrainingListener(
              new TrainingListener() {
                @Override
                public void onTrainingBatch(BatchEvent e) {
                  chargedAtStep[0] = ledger.dataset("blobs").runs().get(0).steps();
                  if (e.epoch() == 1 && e.step() == 3) {
                    throw new IllegalStateException("stop mid-epoch");
                  }
                }
              });
      assertThatThrownBy(
              () -> model.fit(loader, 3, 1e-3, new LedgerCharge(ledger, "blobs", "ann", "mlp")))
          .hasMessage("stop mid-epoch");
      assertThat(model.model().steps()).isEqualTo(14);
      assertThat(chargedAtStep[0]).as("charged before the step's update").isEqualTo(14);
      RunRecord run = ledger.dataset("blobs").runs().get(0);
      assertThat(run.status()).isEqualTo(RunStatus.INTERRUPTED);
      assertThat(run.plannedSteps()).isEqualTo(30);
      assertThat(run.steps()).isEqualTo(14);
      assertThat(ledger.dataset("blobs").epsilonSpent())
          .isCloseTo(model.privacySpent(1e-3).epsilon(), within(1e-6));
    } finally {
      model.model().close();
    }
  }

  @Test
  void predictAddsNamedResultColumns() {
    PrivateDataLoader loader = loader(200);
    PrivateKerasModel model = privateModel(0.5);
    try {
      model.fit(loader, 3, 1e-3);
      Table test = blobs(40, 9);
      Table predicted = model.predict(test, "predicted_side");
      assertThat(predicted.columnNames())
          .containsExactly(
              "x1", "x2", "side", "predicted_side", "predicted_side_west", "predicted_side_east");
      assertThat(predicted.rowCount()).isEqualTo(40);
      int correct = 0;
      for (int i = 0; i < 40; i++) {
        String p = predicted.stringColumn("predicted_side").get(i);
        assertThat(p).isIn(CLASSES);
        double west = predicted.doubleColumn("predicted_side_west").get(i);
        double east = predicted.doubleColumn("predicted_side_east").get(i);
        assertThat(west + east).isCloseTo(1.0, within(1e-5));
        assertThat(p).isEqualTo(west > east ? "west" : "east");
        if (p.equals(test.stringColumn("side").get(i))) {
          correct++;
        }
      }
      assertThat(correct).isGreaterThanOrEqualTo(36);

      Table perOutput = model.predict(test.selectColumns("x1", "x2"), "p_west", "p_east");
      assertThat(perOutput.columnNames()).containsExactly("x1", "x2", "p_west", "p_east");
      assertThatThrownBy(() -> model.predict(test, "side"))
          .hasMessageContaining("\"side\" is already a column");
      assertThatThrownBy(() -> model.predict(test, "a", "b", "c"))
          .hasMessageContaining("2 outputs");
    } finally {
      model.model().close();
    }
  }

  @Test
  void refusesWhatIsAlreadyPrivateOrNotPrivate() {
    try (DPSequential dp = new DPSequential(1.0, 1.0, hidden(), output());
        Sequential plain = new Sequential(hidden(), output())) {
      assertThatThrownBy(() -> new PrivateKerasModel(dp, 1.0, 1.0))
          .hasMessageContaining("DPSequential");
      assertThatThrownBy(() -> new PrivateKerasModel(plain, 1.0, 0.0))
          .hasMessageContaining("noiseMultiplier");
      PrivateKerasModel m = new PrivateKerasModel(plain, 1.0, 1.0);
      assertThatThrownBy(() -> m.fit(loader(200), 1, 1e-3)).hasMessageContaining("compile");
      assertThatThrownBy(
              () ->
                  m.compile(
                      new DPKerasSGDOptimizer(1.0, 1.0, 0, 0.1f),
                      new SparseCategoricalCrossentropy(false, Reduction.NONE)))
          .hasMessageContaining("ordinary optimizer");
    }
  }
}
