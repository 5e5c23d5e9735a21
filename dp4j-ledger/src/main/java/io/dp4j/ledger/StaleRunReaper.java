package io.dp4j.ledger;

import java.sql.SQLException;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds runs left {@code running} by processes of this host that are gone, and ends them as
 * interrupted, charged the steps they recorded, so that their unspent plans stop being reserved.
 *
 * <p>Liveness is by process id and start time: a pid that is not alive, or alive with another start
 * time (reused), is dead. Where the start time is unknown, a live pid keeps its reservation (the
 * safe direction). Runs of other hosts are never touched; they are closed with {@link
 * PrivacyLedger#releaseRun}. This is the liveness of a file ledger, which only this host's
 * processes write; a shared ledger's runs hold leases instead ({@link ExpiredLeaseReaper}).
 */
final class StaleRunReaper implements RunReaper {
  private static final Logger LOG = LoggerFactory.getLogger(StaleRunReaper.class);

  private final ProcessIdentity self;
  private final String ledger;

  StaleRunReaper(ProcessIdentity self, String ledger) {
    this.self = Objects.requireNonNull(self, "self");
    this.ledger = ledger;
  }

  /** Ends the dead runs of this host in {@code tx}; returns how many. */
  @Override
  public int reap(LedgerStore.Transaction tx) throws SQLException {
    int reaped = 0;
    for (LedgerStore.RunningRun run : tx.runningRunsOf(self.host())) {
      if (!alive(run.pid(), run.pidStarted())) {
        tx.endRun(
            run.id(),
            RunStatus.INTERRUPTED,
            Instant.now(),
            "process " + run.pid() + " of " + self.host() + " is gone");
        reaped++;
        LOG.warn(
            "ledger {}: run {} of process {} was left running by a process that is gone;"
                + " marked interrupted, charged its recorded steps",
            ledger,
            run.id(),
            run.pid());
      }
    }
    return reaped;
  }

  private boolean alive(long runPid, Long runStarted) {
    if (runPid == self.pid() && Objects.equals(runStarted, self.startMillis())) {
      return true;
    }
    Optional<ProcessHandle> handle = ProcessHandle.of(runPid);
    if (handle.isEmpty() || !handle.get().isAlive()) {
      return false;
    }
    if (runStarted == null) {
      return true; // cannot tell a reused pid apart: keep the reservation (safe)
    }
    Optional<Long> started = ProcessIdentity.startMillis(handle.get());
    return started.isEmpty() || started.get().equals(runStarted);
  }
}
