package io.dp4j.ledger;

import io.dp4j.accounting.GaussianDpEvent;
import io.dp4j.accounting.PoissonSampledDpEvent;
import java.nio.file.Path;

/**
 * A trainer stand-in for {@link LedgerCrashTest}, run in its own JVM: opens the ledger, starts a
 * run and records steps as fast as it can, printing {@code committed N} after each {@code
 * recordSteps(N)} returned, until it is killed.
 *
 * <p>Arguments: the ledger file, the dataset's name.
 */
public final class LedgerCrashChild {
  private LedgerCrashChild() {}

  public static void main(String[] args) {
    PrivacyLedger ledger = PrivacyLedger.open(Path.of(args[0]));
    RunCharge run =
        ledger.startRun(
            args[1],
            "crash-child",
            "pid " + ProcessHandle.current().pid(),
            new PoissonSampledDpEvent(0.001, new GaussianDpEvent(2.0)),
            1_000_000_000L,
            "rdp");
    System.out.println("started " + run.id());
    for (long step = 1; ; step++) {
      run.recordSteps(step);
      System.out.println("committed " + step); // System.out flushes on println
    }
  }
}
