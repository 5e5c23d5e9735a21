package io.dp4j.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dp4j.io.keras.KerasModel;
import io.dp4j.io.keras.ModelIO;
import io.dp4j.io.keras.PrivacyRecord;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code dp4j inspect FILE}: what Keras' {@code model.summary()} shows, plus the privacy record.
 */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description =
        "Show a model file's layers, output shapes and parameter counts (as Keras' summary), and"
            + " the privacy record of a DP-trained model. Reads Keras .h5, .keras and JSON files.")
final class InspectCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "A .keras, .h5 or .json model.")
  Path file;

  @Option(names = "--json", description = "Print JSON (stable field names) instead of text.")
  boolean json;

  @Override
  public Integer call() throws IOException {
    ModelIO.Format format = ModelIO.detect(file);
    PrintWriter out = spec.commandLine().getOut();
    try (KerasModel model = ModelIO.load(file)) {
      if (json) {
        out.println(Json.write(toJson(model, format)));
      } else {
        out.println(model.summary());
        if (format == ModelIO.Format.JSON) {
          out.println("(architecture only: the weights are freshly initialized)");
        }
        model.privacyRecord().ifPresent(r -> out.println(privacyText(r)));
      }
    }
    out.flush();
    return 0;
  }

  static ObjectNode toJson(KerasModel model, ModelIO.Format format) {
    ObjectNode node = Json.object();
    node.put("format", format.name().toLowerCase(Locale.ROOT));
    node.put("name", model.name());
    node.set("input_shape", shape(model.inputShape()));
    ArrayNode layers = node.putArray("layers");
    long total = 0;
    for (KerasModel.LayerSummary s : model.layerSummaries()) {
      ObjectNode layer = layers.addObject();
      layer.put("name", s.name());
      layer.put("type", s.type());
      layer.set("output_shape", shape(s.outputShape()));
      layer.put("params", s.params());
      total += s.params();
    }
    node.put("total_params", total);
    node.put("weights", format == ModelIO.Format.JSON ? "initialized" : "loaded");
    if (model.privacyRecord().isPresent()) {
      node.set("privacy", model.privacyRecord().get().toJson());
    } else {
      node.putNull("privacy");
    }
    return node;
  }

  static ArrayNode shape(long[] shape) {
    ArrayNode a = Json.MAPPER.createArrayNode();
    a.addNull();
    for (long d : shape) {
      a.add(d);
    }
    return a;
  }

  /** Four significant digits, no trailing zeros: 1.25, 0.01, 1E-5. */
  static String number(double v) {
    if (!Double.isFinite(v)) {
      return String.valueOf(v);
    }
    java.math.BigDecimal d =
        new java.math.BigDecimal(v).round(new java.math.MathContext(4)).stripTrailingZeros();
    return Math.abs(v) < 1e-3 && v != 0 ? d.toString() : d.toPlainString();
  }

  static String privacyText(PrivacyRecord r) {
    StringBuilder text = new StringBuilder(summaryText(r));
    if (r.continuedFromSteps() > 0) {
      text.append(
          String.format(
              Locale.ROOT,
              "%n  %d of the %d steps ran before the model was loaded and trained further: all are"
                  + " composed, as training on the same data",
              r.continuedFromSteps(),
              r.steps()));
    }
    for (PrivacyRecord.DisjointDataEntry e : r.disjointDataEntries()) {
      text.append(
          String.format(
              Locale.ROOT,
              "%n  Earlier training on data declared disjoint (a separate entry, not composed into"
                  + " the epsilon above): epsilon %s at delta %s (%s), %d steps, noise multiplier"
                  + " %s, sampling rate %s%s",
              EpsilonFormat.bounded(e.epsilon()) ? number(e.epsilon()) : EpsilonFormat.NO_BOUND,
              number(r.delta()),
              e.accountant(),
              e.steps(),
              number(e.noiseMultiplier()),
              number(e.samplingRate()),
              e.predictableRandomness()
                  ? System.lineSeparator()
                      + "    WARNING: batches or noise came from a fixed test seed or another"
                      + " predictable generator: that training has no DP guarantee"
                  : ""));
    }
    return text.toString();
  }

  private static String summaryText(PrivacyRecord r) {
    return String.format(
        Locale.ROOT,
        "Differential privacy: epsilon %s at delta %s (%s accountant)%n"
            + "  noise multiplier %s, clipping norm %s, sampling rate %s (%s), %d steps%s",
        EpsilonFormat.bounded(r.epsilon()) ? number(r.epsilon()) : EpsilonFormat.NO_BOUND,
        number(r.delta()),
        r.accountant(),
        number(r.noiseMultiplier()),
        number(r.l2NormClip()),
        number(r.samplingRate()),
        r.sampling().equals("poisson")
            ? "Poisson sampling"
            : "shuffled batches; the figure assumes Poisson sampling",
        r.steps(),
        (r.numMicrobatches() > 0 ? ", " + r.numMicrobatches() + " microbatches" : "")
            + (r.secureNoise() ? ", secure noise (CSPRNG)" : "")
            + (r.predictableRandomness()
                ? System.lineSeparator()
                    + "  WARNING: batches or noise came from a fixed test seed or another predictable"
                    + " generator: this run has no DP guarantee"
                : ""));
  }
}
