package io.dp4j.ledger;

import java.util.Locale;

/**
 * A run was refused before it started because its planned privacy spend, composed with everything
 * already charged or reserved on the dataset, would exceed the dataset's ε budget. Nothing was
 * recorded.
 */
public final class BudgetExceededException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  private final String dataset;
  private final double epsilonBudget;
  private final double delta;
  private final double epsilonSpent;
  private final double epsilonCommitted;
  private final double epsilonPlannedRun;
  private final double epsilonAfterRun;

  BudgetExceededException(
      String dataset,
      double epsilonBudget,
      double delta,
      double epsilonSpent,
      double epsilonCommitted,
      long plannedSteps,
      double epsilonPlannedRun,
      double epsilonAfterRun) {
    super(
        String.format(
            Locale.ROOT,
            "dataset '%s': refusing a run of %d steps (ε %s alone): composed with the runs"
                + " already charged it would bring ε to %s at δ=%.3g, over the budget %.4g"
                + " (spent so far %.4g%s; remaining %.4g)",
            dataset,
            plannedSteps,
            epsilonText(epsilonPlannedRun),
            epsilonText(epsilonAfterRun),
            delta,
            epsilonBudget,
            epsilonSpent,
            epsilonCommitted > epsilonSpent
                ? String.format(
                    Locale.ROOT, ", %.4g with the plans of running runs", epsilonCommitted)
                : "",
            epsilonBudget - epsilonCommitted));
    this.dataset = dataset;
    this.epsilonBudget = epsilonBudget;
    this.delta = delta;
    this.epsilonSpent = epsilonSpent;
    this.epsilonCommitted = epsilonCommitted;
    this.epsilonPlannedRun = epsilonPlannedRun;
    this.epsilonAfterRun = epsilonAfterRun;
  }

  /** ε to 4 significant digits, or "no bound (infinite)": the accountants cannot bound it. */
  private static String epsilonText(double epsilon) {
    return epsilon < Double.POSITIVE_INFINITY
        ? String.format(Locale.ROOT, "%.4g", epsilon)
        : "no bound (infinite)";
  }

  /** The dataset's name. */
  public String dataset() {
    return dataset;
  }

  /** The dataset's total ε allowance. */
  public double epsilonBudget() {
    return epsilonBudget;
  }

  /** The dataset's δ, at which every ε here is stated. */
  public double delta() {
    return delta;
  }

  /** ε of the steps already charged (all runs, composed). */
  public double epsilonSpent() {
    return epsilonSpent;
  }

  /** ε of the steps charged plus the remaining plans of runs still running (composed). */
  public double epsilonCommitted() {
    return epsilonCommitted;
  }

  /** ε of the refused run on its own. */
  public double epsilonPlannedRun() {
    return epsilonPlannedRun;
  }

  /** ε the dataset would have reached with the refused run composed in. */
  public double epsilonAfterRun() {
    return epsilonAfterRun;
  }
}
