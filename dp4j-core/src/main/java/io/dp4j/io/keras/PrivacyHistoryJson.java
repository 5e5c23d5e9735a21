package io.dp4j.io.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dp4j.accounting.DpEvent;
import io.dp4j.accounting.PrivacyAccountants;
import io.dp4j.accounting.SelfComposedDpEvent;
import io.dp4j.privacy.PrivacyLog;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The fields a {@link PrivacyLog.Snapshot} is saved as, in a checkpoint's {@code
 * dp4j_checkpoint.json} and in a privacy record: {@code ledger} (the runs of identical steps as DP
 * events), {@code ledger_microbatch_sizes} (one per run), {@code noiseless_steps} and {@code
 * noiseless_sampling_rate} (when some steps ran without noise), {@code sampling_assumed} and {@code
 * predictable_randomness}.
 */
final class PrivacyHistoryJson {
  static final String LEDGER = "ledger";
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private PrivacyHistoryJson() {}

  /** Puts {@code history}'s fields into {@code node}. */
  static void write(PrivacyLog.Snapshot history, ObjectNode node) {
    node.put("sampling_assumed", history.samplingAssumed());
    node.put("predictable_randomness", history.predictable());
    if (history.noiselessSteps() > 0) {
      // steps without noise have no DP event; they keep epsilon infinite when restored
      node.put("noiseless_steps", history.noiselessSteps());
      node.put("noiseless_sampling_rate", history.noiselessSamplingRate());
    }
    ArrayNode events = node.putArray(LEDGER);
    for (SelfComposedDpEvent run : history.events()) {
      events.add(readTree(PrivacyAccountants.eventToJson(run)));
    }
    // per run its microbatch size: a restored log keeps sigma as configured and the 2C note
    ArrayNode sizes = node.putArray("ledger_microbatch_sizes");
    history.microbatchSizes().forEach(sizes::add);
  }

  /**
   * Reads the fields {@link #write} wrote, checking that they hold {@code steps} steps when that is
   * not negative.
   *
   * @param where what {@code node} is, for error messages
   * @throws KerasFormatException if a field is missing or damaged
   */
  static PrivacyLog.Snapshot read(JsonNode node, long steps, String where) {
    JsonNode events = node.get(LEDGER);
    if (events == null || !events.isArray()) {
      throw new KerasFormatException(where + " has no ledger array");
    }
    JsonNode sizes = node.get("ledger_microbatch_sizes"); // absent in older checkpoints
    if (sizes != null && (!sizes.isArray() || sizes.size() != events.size())) {
      throw new KerasFormatException(
          where + ": ledger_microbatch_sizes must list one size per ledger event");
    }
    List<SelfComposedDpEvent> runs = new ArrayList<>();
    List<Double> runSizes = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      JsonNode e = events.get(i);
      DpEvent event;
      try {
        event = PrivacyAccountants.eventFromJson(e.toString());
      } catch (IllegalArgumentException ex) {
        throw new KerasFormatException(where + ": unreadable ledger event " + e, ex);
      }
      if (!(event instanceof SelfComposedDpEvent run)) {
        throw new KerasFormatException(
            where + ": ledger event " + e + " is not a run of Poisson-sampled Gaussian steps");
      }
      runs.add(run);
      runSizes.add(sizes == null ? 1 : sizes.get(i).asDouble(1));
    }
    JsonNode noiseless = node.path("noiseless_steps");
    if (!noiseless.isMissingNode() && !(noiseless.canConvertToLong() && noiseless.asLong() >= 0)) {
      throw new KerasFormatException(where + ": noiseless_steps is not a step count: " + noiseless);
    }
    PrivacyLog.Snapshot history;
    try {
      history =
          new PrivacyLog.Snapshot(
              runs,
              runSizes,
              noiseless.asLong(0),
              noiseless.asLong(0) > 0
                  ? node.path("noiseless_sampling_rate").asDouble(1.0)
                  : Double.NaN,
              node.path("sampling_assumed").asBoolean(false),
              node.path("predictable_randomness").asBoolean(false));
    } catch (IllegalArgumentException e) {
      throw new KerasFormatException(where + ": " + e.getMessage(), e);
    }
    if (steps >= 0 && history.steps() != steps) {
      throw new KerasFormatException(
          where + ": the ledger holds " + history.steps() + " steps but it says " + steps);
    }
    return history;
  }

  private static JsonNode readTree(String json) {
    try {
      return MAPPER.readTree(json);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
