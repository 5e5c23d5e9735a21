package io.dp4j.ledger;

import java.sql.SQLException;

/**
 * Finds runs left {@code running} by trainers that are gone and ends them as interrupted, charged
 * the steps they recorded, so that their unspent plans stop being reserved. Where liveness is
 * decided depends on the store: by process on this host ({@link StaleRunReaper}), by lease on a
 * shared server ({@link ExpiredLeaseReaper}).
 */
interface RunReaper {
  /** Ends the dead runs in {@code tx}; returns how many. */
  int reap(LedgerStore.Transaction tx) throws SQLException;
}
