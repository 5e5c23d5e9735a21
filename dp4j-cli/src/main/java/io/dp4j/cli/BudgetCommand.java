package io.dp4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dp4j.accounting.DpSgdBudget;
import io.dp4j.accounting.PrivacyStatement;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dp4j budget}: the ε a DP-SGD run spends, before it runs. */
@Command(
    name = "budget",
    mixinStandardHelpOptions = true,
    description = "Compute the privacy (epsilon) a DP-SGD run spends, with RDP and PLD accounting.")
final class BudgetCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--noise-multiplier", required = true, description = "Noise multiplier sigma.")
  double noiseMultiplier;

  @Mixin RunShapeOptions run;

  @Option(
      names = "--accountant",
      defaultValue = "all",
      description = "rdp, pld or all (default: ${DEFAULT-VALUE}).")
  AccountantChoice accountant;

  @Option(
      names = "--microbatch-size",
      defaultValue = "1",
      description =
          "Examples per microbatch; above 1 the sensitivity doubles (default: ${DEFAULT-VALUE}).")
  long microbatchSize;

  @Option(names = "--json", description = "Print one JSON object.")
  boolean json;

  @Override
  public Integer call() {
    if (microbatchSize < 1) {
      throw new IllegalArgumentException("--microbatch-size must be >= 1, got " + microbatchSize);
    }
    run.validate();
    long steps = run.steps();
    boolean grouped = microbatchSize > 1;
    DpSgdBudget budget =
        DpSgdBudget.compute(
            run.n,
            run.batchSize,
            noiseMultiplier,
            grouped,
            steps,
            run.delta,
            switch (accountant) {
              case rdp -> DpSgdBudget.Accountants.RDP;
              case pld -> DpSgdBudget.Accountants.PLD;
              case all -> DpSgdBudget.Accountants.BOTH;
            });
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(Json.write(toJson(budget)));
      return 0;
    }
    out.printf(
        Locale.ROOT,
        "n=%d  batch=%d  q=%.6g  sigma=%s  steps=%d  delta=%s%n%n",
        run.n,
        run.batchSize,
        budget.samplingRate(),
        noiseMultiplier,
        steps,
        run.delta);
    out.printf(Locale.ROOT, "%-11s %10s   %s%n", "accountant", "epsilon", "");
    if (!Double.isNaN(budget.epsilonRdp())) {
      out.printf(
          Locale.ROOT,
          "%-11s %10s   %s%n",
          "RDP",
          EpsilonFormat.text(budget.epsilonRdp(), 4),
          EpsilonFormat.bounded(budget.epsilonRdp())
              ? "optimal order " + budget.rdpOrder()
              : "the noise multiplier is too small for any bound");
    }
    if (!Double.isNaN(budget.epsilonPld())) {
      out.printf(
          Locale.ROOT,
          "%-11s %10s   %s%n",
          "PLD",
          EpsilonFormat.text(budget.epsilonPld(), 4),
          EpsilonFormat.bounded(budget.epsilonPld())
              ? "upper bound"
              : "no bound within the PLD grid's work limit");
    }
    out.println();
    if (!EpsilonFormat.bounded(budget.epsilonPld())
        && !Double.isNaN(budget.epsilonPld())
        && EpsilonFormat.bounded(rdpFallback(budget))) {
      out.printf(
          Locale.ROOT,
          "PLD has no bound here; the RDP bound holds: epsilon <= %.4f%n%n",
          rdpFallback(budget));
    }
    if (!EpsilonFormat.bounded(budget.epsilon()) && !EpsilonFormat.bounded(rdpFallback(budget))) {
      out.println(
          "No accountant bounds epsilon: this run has no usable DP guarantee. Raise"
              + " --noise-multiplier (dp4j calibrate finds the smallest one for a target).");
      out.flush();
      return 0;
    }
    if (steps == 0) {
      out.println("No steps spend no privacy: epsilon is 0.");
      out.flush();
      return 0;
    }
    out.print(
        PrivacyStatement.of(
            run.n, run.batchSize, run.epochs(), noiseMultiplier, run.delta, grouped, true));
    out.flush();
    return 0;
  }

  /** The RDP ε, computed here when only PLD was asked for and it has no bound. */
  private double rdpFallback(DpSgdBudget budget) {
    if (!Double.isNaN(budget.epsilonRdp())) {
      return budget.epsilonRdp();
    }
    return DpSgdBudget.compute(
            run.n,
            run.batchSize,
            noiseMultiplier,
            microbatchSize > 1,
            budget.steps(),
            run.delta,
            DpSgdBudget.Accountants.RDP)
        .epsilonRdp();
  }

  private ObjectNode toJson(DpSgdBudget budget) {
    ObjectNode node = Json.object();
    EpsilonFormat.putJson(node, "epsilon_rdp", budget.epsilonRdp());
    Json.putNumber(
        node,
        "rdp_order",
        EpsilonFormat.bounded(budget.epsilonRdp()) ? budget.rdpOrder() : Double.NaN);
    EpsilonFormat.putJson(node, "epsilon_pld", budget.epsilonPld());
    node.put("delta", run.delta);
    node.put("steps", budget.steps());
    node.put("sampling_rate", budget.samplingRate());
    node.put("noise_multiplier", noiseMultiplier);
    node.put("effective_noise_multiplier", budget.effectiveNoiseMultiplier());
    node.put("n", run.n);
    node.put("batch_size", run.batchSize);
    node.put("epochs", run.epochs());
    return node;
  }
}
