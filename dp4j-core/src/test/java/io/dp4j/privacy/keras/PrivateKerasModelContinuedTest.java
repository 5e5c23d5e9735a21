package io.dp4j.privacy.keras;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.dp4j.accounting.GaussianDpEvent;
import io.dp4j.accounting.PoissonSampledDpEvent;
import io.dp4j.accounting.RdpAccountant;
import io.dp4j.data.table.PrivateDataLoader;
import io.dp4j.io.keras.KerasModel;
import io.dp4j.io.keras.ModelIO;
import io.dp4j.io.keras.PrivacyRecord;
import io.dp4j.ledger.DatasetStatus;
import io.dp4j.ledger.PrivacyLedger;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.nn.optimizers.SGD;
import io.dp4j.nn.train.History;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A {@link PrivateKerasModel} around an imported DP-trained model keeps the model's history. */
class PrivateKerasModelContinuedTest {
  private static final double DELTA = 1e-3;
  private static final double SIGMA = 1.1;

  @TempDir Path dir;

  /** ε of {@code steps} steps at the loader's q = 20/200 = 0.1. */
  private static double rdpEpsilon(long steps) {
    RdpAccountant rdp = new RdpAccountant();
    rdp.compose(new PoissonSampledDpEvent(0.1, new GaussianDpEvent(SIGMA)), steps);
    return rdp.epsilon(DELTA);
  }

  /** 20 steps of private training, charged to {@code ledger}'s "blobs" if not null, saved. */
  private Path trainedFile(PrivacyLedger ledger) throws IOException {
    PrivateKerasModel first = PrivateKerasModelTest.privateModel(SIGMA);
    try {
      LedgerCharge charge = ledger == null ? null : new LedgerCharge(ledger, "blobs", "ann", "a");
      first.fit(PrivateKerasModelTest.loader(200), 2, DELTA, charge);
      Path file = dir.resolve("a.keras");
      KerasModel keras =
          KerasModel.of(first.model(), 2).withPrivacyRecord(PrivacyRecord.of(first.model(), DELTA));
      ModelIO.save(keras, file);
      return file;
    } finally {
      first.close();
    }
  }

  private static PrivateKerasModel wrap(KerasModel imported) {
    PrivateKerasModel model = new PrivateKerasModel(imported.sequential(), 1.0, SIGMA);
    model.compile(new SGD(0.5f), new SparseCategoricalCrossentropy());
    return model;
  }

  @Test
  void wrappingAnImportedDpModelComposesItsRecordedSteps() throws IOException {
    Path file = trainedFile(null);
    try (KerasModel imported = ModelIO.load(file)) {
      PrivateKerasModel model = wrap(imported);
      History h = model.fit(PrivateKerasModelTest.loader(200), 2, DELTA);
      assertThat(h.get("epsilon").get(1)).isCloseTo(rdpEpsilon(40), within(1e-9));
      assertThat(model.privacySpent(DELTA).steps()).isEqualTo(40);
    }
  }

  @Test
  void onDisjointDataTheImportedHistoryIsASeparateEntry() throws IOException {
    Path file = trainedFile(null);
    try (KerasModel imported = ModelIO.load(file)) {
      PrivateKerasModel model = wrap(imported);
      model.continueOnDisjointData();
      History h = model.fit(PrivateKerasModelTest.loader(200), 2, DELTA);
      assertThat(h.get("epsilon").get(1)).isCloseTo(rdpEpsilon(20), within(1e-9));
      PrivacyRecord record = PrivacyRecord.of(model.model(), DELTA);
      assertThat(record.disjointDataEntries()).hasSize(1);
      assertThat(record.disjointDataEntries().get(0).epsilon())
          .isCloseTo(rdpEpsilon(20), within(1e-9));
    }
  }

  @Test
  void aLedgerIsChargedTheNewStepsOnlyAndMatchesTheModelsEpsilon() throws IOException {
    try (PrivacyLedger ledger = PrivacyLedger.open(dir.resolve("ledger.db"))) {
      ledger.createDataset("blobs", 10.0, DELTA);
      Path file = trainedFile(ledger);
      try (KerasModel imported = ModelIO.load(file)) {
        PrivateKerasModel model = wrap(imported);
        PrivateDataLoader loader = PrivateKerasModelTest.loader(200);
        History h =
            model.fit(loader, 2, DELTA, new LedgerCharge(ledger, "blobs", "ann", "further"));
        DatasetStatus status = ledger.dataset("blobs");
        assertThat(status.runs()).hasSize(2);
        assertThat(status.runs().get(1).steps()).as("the new steps only").isEqualTo(20);
        // the ledger's two runs and the model's history are the same 40 steps
        assertThat(status.epsilonSpent()).isCloseTo(h.get("epsilon").get(1), within(1e-6));
      }
    }
  }
}
