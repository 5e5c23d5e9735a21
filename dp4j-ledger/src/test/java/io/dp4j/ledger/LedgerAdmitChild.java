package io.dp4j.ledger;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A trainer stand-in for {@link PostgresLedgerProcessTest}, run in its own JVM: opens the ledger,
 * prints {@code ready}, then for every line {@code go DATASET} on its input asks to start a run of
 * 1000 steps of {@link LedgerContractTest#STEP_A} on it and prints {@code admitted ID} (and
 * finishes the run) or {@code refused}, until its input ends.
 *
 * <p>Arguments: the ledger's URL, the lease in milliseconds.
 */
public final class LedgerAdmitChild {
  private LedgerAdmitChild() {}

  public static void main(String[] args) throws Exception {
    try (PrivacyLedger ledger =
            PrivacyLedger.open(args[0], Duration.ofMillis(Long.parseLong(args[1])));
        BufferedReader in =
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      System.out.println("ready");
      String line;
      while ((line = in.readLine()) != null) {
        String dataset = line.substring("go ".length());
        try {
          RunCharge run =
              ledger.startRun(
                  dataset, "admit-child", "race", LedgerContractTest.STEP_A, 1000, "rdp");
          System.out.println("admitted " + run.id());
          run.finish(1000);
        } catch (BudgetExceededException e) {
          System.out.println("refused");
        }
      }
    }
  }
}
