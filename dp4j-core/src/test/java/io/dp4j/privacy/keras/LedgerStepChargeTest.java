package io.dp4j.privacy.keras;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dp4j.accounting.DpEvent;
import io.dp4j.data.BatchSampler;
import io.dp4j.data.Dataset;
import io.dp4j.data.ShuffledSampler;
import io.dp4j.ledger.PrivacyLedger;
import io.dp4j.ledger.RunCharge;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.losses.Reduction;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.nn.train.Trainer;
import io.dp4j.privacy.DPKerasSGDOptimizer;
import io.dp4j.privacy.ModelPrivacy;
import io.dp4j.testing.TestData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ledger's before-step hook: step s is charged before step s computes anything. */
class LedgerStepChargeTest {
  @TempDir Path dir;

  // issue 17: new ChargingSampler(sampler, null) handed out batches and charged nothing
  @Test
  void aChargeWithoutARunCannotBeMade() {
    assertThatThrownBy(() -> new LedgerStepCharge(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("run");
  }

  @Test
  void stepSRunsOnlyAfterSStepsAreDurablyRecorded() {
    Dataset data = TestData.blobs(100, 1);
    BatchSampler sampler = ShuffledSampler.seeded(100, 10, true, 1);
    try (PrivacyLedger ledger = PrivacyLedger.open(dir.resolve("ledger.db"));
        Sequential model = model()) {
      ledger.createDataset("d", 100.0, 1e-5);
      DpEvent step = ModelPrivacy.of(model).plannedStepEvent(sampler);
      try (RunCharge run = ledger.startRun("d", "t", "test", step, 20)) {
        List<long[]> seen = new ArrayList<>();
        new Trainer(model)
            .beforeEachStep(new LedgerStepCharge(run))
            .beforeEachStep(
                s ->
                    // after the charge, before the step: read back from the database
                    seen.add(
                        new long[] {
                          s.stepOfFit(),
                          ledger.dataset("d").runs().get(0).steps(),
                          model.steps(),
                          ModelPrivacy.of(model).privacyLog().steps()
                        }))
            .fit(data, sampler, 2, null);
        assertThat(seen).hasSize(20);
        for (long[] s : seen) {
          assertThat(s[1]).as("charged before step %d", s[0]).isEqualTo(s[0] + 1);
          assertThat(s[2]).as("steps the model took before step %d", s[0]).isEqualTo(s[0]);
          assertThat(s[3]).as("steps the privacy log holds before step %d", s[0]).isEqualTo(s[0]);
        }
        assertThat(run.stepsCharged()).isEqualTo(20);
      }
    }
  }

  @Test
  void aRefusedChargeStopsTrainingBeforeTheStepRuns() {
    Dataset data = TestData.blobs(100, 1);
    BatchSampler sampler = ShuffledSampler.seeded(100, 10, true, 1);
    try (PrivacyLedger ledger = PrivacyLedger.open(dir.resolve("ledger.db"));
        Sequential model = model()) {
      ledger.createDataset("d", 100.0, 1e-5);
      DpEvent step = ModelPrivacy.of(model).plannedStepEvent(sampler);
      // admitted for 3 steps: recording the 4th throws, so step 3 (the 4th) must not run
      try (RunCharge run = ledger.startRun("d", "t", "test", step, 3)) {
        List<float[]> afterThree = new ArrayList<>();
        Trainer trainer =
            new Trainer(model)
                .beforeEachStep(new LedgerStepCharge(run))
                .afterEachStep(
                    s -> {
                      if (s.stepOfFit() == 2) {
                        afterThree.addAll(model.getWeights());
                      }
                    });
        assertThatThrownBy(() -> trainer.fit(data, sampler, 1, null))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("admitted for 3 steps");
        assertThat(model.steps()).isEqualTo(3);
        assertThat(ModelPrivacy.of(model).privacyLog().steps()).isEqualTo(3);
        assertThat(run.stepsCharged()).isEqualTo(3);
        List<float[]> now = model.getWeights();
        for (int i = 0; i < now.size(); i++) {
          assertThat(now.get(i)).containsExactly(afterThree.get(i));
        }
      }
    }
  }

  private static Sequential model() {
    Sequential model = new Sequential(new Dense(2));
    model.setInputShape(2).setSeed(1);
    model.compile(
        new DPKerasSGDOptimizer(1.0, 1.0, 0, 0.1f),
        new SparseCategoricalCrossentropy(true, Reduction.NONE));
    return model;
  }
}
