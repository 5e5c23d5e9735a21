package io.dp4j.ledger;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renews the leases of a shared ledger's open runs on a daemon thread, so that a run between two
 * recorded steps (a long step, an evaluation) is not taken for dead. A beat that fails (server
 * unreachable) is logged and tried again at the next period; if the lease runs out meanwhile, the
 * run is reclaimed and its next recorded step fails.
 */
final class Heartbeat implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Heartbeat.class);

  private final ScheduledExecutorService timer;

  /** Runs {@code beat} every {@code period}, from one period from now. */
  Heartbeat(Duration period, Runnable beat) {
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "dp4j-ledger-heartbeat");
              t.setDaemon(true);
              return t;
            });
    long millis = Math.max(1, period.toMillis());
    timer.scheduleWithFixedDelay(
        () -> {
          try {
            beat.run();
          } catch (RuntimeException e) {
            LOG.warn("privacy ledger heartbeat failed; tried again in {} ms", millis, e);
          }
        },
        millis,
        millis,
        TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
