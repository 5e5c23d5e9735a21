package io.dp4j.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.dp4j.accounting.DpEvent;
import io.dp4j.accounting.GaussianDpEvent;
import io.dp4j.accounting.PoissonSampledDpEvent;
import io.dp4j.accounting.RdpAccountant;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two ledgers (two database connections, as two processes have) race to start runs. */
class LedgerConcurrencyTest {
  private static final DpEvent STEP = new PoissonSampledDpEvent(0.01, new GaussianDpEvent(1.1));

  @TempDir Path dir;

  @Test
  void twoRunsThatFitOnlyOneAtATimeAreNotBothAdmitted() throws Exception {
    Path db = dir.resolve("ledger.db");
    double one = new RdpAccountant().compose(STEP, 1000).epsilon(1e-5);
    double two = new RdpAccountant().compose(STEP, 2000).epsilon(1e-5);
    double budget = (one + two) / 2;
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (PrivacyLedger a = PrivacyLedger.open(db);
        PrivacyLedger b = PrivacyLedger.open(db)) {
      for (int round = 0; round < 5; round++) {
        String name = "d" + round;
        a.createDataset(name, budget, 1e-5);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<RunCharge>> starts = new ArrayList<>();
        for (PrivacyLedger ledger : List.of(a, b)) {
          starts.add(
              pool.submit(
                  () -> {
                    go.await();
                    return ledger.startRun(name, "t", "race", STEP, 1000, "rdp");
                  }));
        }
        go.countDown();
        int admitted = 0;
        int refused = 0;
        for (Future<RunCharge> start : starts) {
          try {
            start.get().finish(1000);
            admitted++;
          } catch (java.util.concurrent.ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(BudgetExceededException.class);
            refused++;
          }
        }
        assertThat(admitted).isEqualTo(1);
        assertThat(refused).isEqualTo(1);
        assertThat(b.dataset(name).runs()).hasSize(1);
        assertThat(b.dataset(name).epsilonSpent()).isEqualTo(one);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
