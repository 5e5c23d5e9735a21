package io.dp4j.ledger;

import io.dp4j.accounting.GaussianDpEvent;
import io.dp4j.accounting.PoissonSampledDpEvent;
import java.time.Duration;

/**
 * A trainer stand-in for {@link LedgerCrashTest} and {@link PostgresLedgerProcessTest}, run in its
 * own JVM: opens the ledger, starts a run and records steps as fast as it can, printing {@code
 * committed N} after each {@code recordSteps(N)} returned, until it is killed.
 *
 * <p>Arguments: the ledger (file or URL), the dataset's name, and for a server the lease in
 * milliseconds.
 */
public final class LedgerCrashChild {
  /** The step of every crash child's run. */
  static final PoissonSampledDpEvent STEP =
      new PoissonSampledDpEvent(0.001, new GaussianDpEvent(2.0));

  /** The steps every crash child's run plans. */
  static final long PLANNED = 1_000_000_000L;

  private LedgerCrashChild() {}

  public static void main(String[] args) {
    Duration lease =
        args.length > 2 ? Duration.ofMillis(Long.parseLong(args[2])) : PrivacyLedger.DEFAULT_LEASE;
    PrivacyLedger ledger = PrivacyLedger.open(args[0], lease);
    RunCharge run =
        ledger.startRun(
            args[1], "crash-child", "pid " + ProcessHandle.current().pid(), STEP, PLANNED, "rdp");
    System.out.println("started " + run.id());
    for (long step = 1; ; step++) {
      run.recordSteps(step);
      System.out.println("committed " + step); // System.out flushes on println
    }
  }
}
