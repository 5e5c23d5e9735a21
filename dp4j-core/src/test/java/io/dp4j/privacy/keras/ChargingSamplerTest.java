package io.dp4j.privacy.keras;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dp4j.accounting.GaussianDpEvent;
import io.dp4j.accounting.PoissonSampledDpEvent;
import io.dp4j.data.BatchSampler;
import io.dp4j.data.ShuffledSampler;
import io.dp4j.ledger.PrivacyLedger;
import io.dp4j.ledger.RunCharge;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChargingSamplerTest {
  @TempDir Path dir;

  // issue 17: new ChargingSampler(sampler, null) handed out batches and charged nothing
  @Test
  void aChargingSamplerWithoutARunCannotBeMade() {
    BatchSampler plain = ShuffledSampler.seeded(100, 10, false, 1);
    assertThatThrownBy(() -> new ChargingSampler(plain, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("run");
  }

  @Test
  void theBatchOfStepSIsHandedOutOnlyAfterSStepsAreRecorded() {
    try (PrivacyLedger ledger = PrivacyLedger.open(dir.resolve("ledger.db"))) {
      ledger.createDataset("d", 100.0, 1e-5);
      try (RunCharge run =
          ledger.startRun(
              "d", "t", "test", new PoissonSampledDpEvent(0.1, new GaussianDpEvent(1.0)), 20)) {
        ChargingSampler sampler =
            new ChargingSampler(ShuffledSampler.seeded(100, 10, false, 1), run);
        List<int[]> first = sampler.nextEpoch();
        assertThat(run.stepsCharged()).isZero(); // taking the list charges nothing yet
        first.get(0);
        assertThat(run.stepsCharged()).isEqualTo(1);
        first.get(0); // the same batch again is not a new step
        assertThat(run.stepsCharged()).isEqualTo(1);
        first.get(4);
        assertThat(run.stepsCharged()).isEqualTo(5); // fetching ahead over-charges: the safe side
        List<int[]> second = sampler.nextEpoch();
        second.get(0);
        assertThat(run.stepsCharged()).isEqualTo(11); // steps count on across epochs
        assertThat(ledger.dataset("d").runs().get(0).steps()).isEqualTo(11);
      }
    }
  }
}
