package io.dp4j.ledger;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Instant;
import java.util.Optional;

/**
 * The process a run belongs to: its host, pid and start time, recorded with the run so that a run
 * left {@code running} by a dead process can be told from a live one (a reused pid has another
 * start time).
 *
 * @param startMillis the process's start in epoch milliseconds, or null where the OS does not say
 */
record ProcessIdentity(String host, long pid, Long startMillis) {

  static ProcessIdentity current() {
    ProcessHandle self = ProcessHandle.current();
    return new ProcessIdentity(hostName(), self.pid(), startMillis(self).orElse(null));
  }

  static Optional<Long> startMillis(ProcessHandle handle) {
    return handle.info().startInstant().map(Instant::toEpochMilli);
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      String env = System.getenv("HOSTNAME");
      return env != null ? env : "unknown";
    }
  }
}
