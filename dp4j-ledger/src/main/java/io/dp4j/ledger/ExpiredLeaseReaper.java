package io.dp4j.ledger;

import java.sql.SQLException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends the runs of a shared ledger whose lease expired: no heartbeat or recorded step renewed it in
 * time, so the host that ran it is taken to be gone (or cut off; its next {@link
 * RunCharge#recordSteps} then fails, so it stops before releasing another step). The expiry is read
 * from the server's clock, so hosts' clocks need not agree.
 */
final class ExpiredLeaseReaper implements RunReaper {
  static final String REASON = "lease expired: no heartbeat from its host";

  private static final Logger LOG = LoggerFactory.getLogger(ExpiredLeaseReaper.class);

  private final String ledger;

  ExpiredLeaseReaper(String ledger) {
    this.ledger = ledger;
  }

  @Override
  public int reap(LedgerStore.Transaction tx) throws SQLException {
    List<Long> ended = tx.endExpiredRuns(REASON);
    for (long id : ended) {
      LOG.warn(
          "ledger {}: run {} stopped renewing its lease; marked interrupted, charged its recorded"
              + " steps",
          ledger,
          id);
    }
    return ended.size();
  }
}
