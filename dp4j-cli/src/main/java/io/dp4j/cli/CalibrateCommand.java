package io.dp4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dp4j.accounting.AccountantKind;
import io.dp4j.accounting.NoiseCalibration;
import io.dp4j.accounting.PrivacyAccountant;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dp4j calibrate}: the smallest noise multiplier that meets a target ε. */
@Command(
    name = "calibrate",
    mixinStandardHelpOptions = true,
    description = "Find the smallest noise multiplier whose epsilon meets a target.")
final class CalibrateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--target-epsilon", required = true, description = "Target epsilon, > 0.")
  double targetEpsilon;

  @Mixin RunShapeOptions run;

  @Option(
      names = "--accountant",
      defaultValue = "rdp",
      description = "rdp or pld (default: ${DEFAULT-VALUE}); pld is tighter, so needs less noise.")
  AccountantChoice accountant;

  @Option(names = "--json", description = "Print one JSON object.")
  boolean json;

  @Override
  public Integer call() {
    run.validate();
    AccountantKind kind = accountant.kind();
    Supplier<PrivacyAccountant> factory = kind.factory();
    long steps = run.steps();
    double q = run.samplingRate();
    NoiseCalibration.Calibration result =
        NoiseCalibration.noiseMultiplierFor(targetEpsilon, run.delta, q, steps, factory);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      ObjectNode node = Json.object();
      node.put("noise_multiplier", result.noiseMultiplier());
      EpsilonFormat.putJson(node, "epsilon", result.epsilon());
      node.put("target_epsilon", targetEpsilon);
      node.put("accountant", kind.serializedName());
      node.put("delta", run.delta);
      node.put("steps", steps);
      node.put("sampling_rate", q);
      out.println(Json.write(node));
    } else {
      out.printf(
          Locale.ROOT,
          "noise multiplier %.4f gives epsilon %.4f <= %s (%s, delta=%s, q=%.6g, %d steps)%n",
          result.noiseMultiplier(),
          result.epsilon(),
          targetEpsilon,
          kind.label(),
          run.delta,
          q,
          steps);
      if (result.epsilon() < (1 - NoiseCalibration.EPSILON_TOLERANCE) * targetEpsilon) {
        // The search stopped where the accountant stops bounding ε, not at the target.
        out.printf(
            Locale.ROOT,
            "note: %s has no bound for smaller noise multipliers (beyond its grid's work limit),"
                + " so this one is larger than the target needs; --accountant rdp may find a"
                + " smaller one%n",
            kind.label());
      }
    }
    return 0;
  }
}
