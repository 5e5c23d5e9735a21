package io.dp4j.audit;

/**
 * The outcome of a one-run canary audit ({@link CanaryAudit}).
 *
 * @param epsilonLowerBound the ε lower bound at {@code confidence} ({@link OneRunBound})
 * @param epsilonClaimed the ε the accountants report for the run at {@code delta} (the smaller of
 *     RDP's and PLD's)
 * @param delta the δ of both
 * @param confidence the confidence of the lower bound
 * @param canaries m, the canaries (each included with probability 1/2)
 * @param guesses r, the canaries guessed (the top and bottom scores)
 * @param correct v, the right guesses
 * @param mode {@code white-box} or {@code input-space}
 * @param score how the canaries were scored
 */
public record CanaryAuditResult(
    double epsilonLowerBound,
    double epsilonClaimed,
    double delta,
    double confidence,
    int canaries,
    int guesses,
    int correct,
    String mode,
    String score) {

  /** Whether the audit refutes the claim: the lower bound exceeds the claimed ε. */
  public boolean refutesClaim() {
    return epsilonLowerBound > epsilonClaimed;
  }
}
