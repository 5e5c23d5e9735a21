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
 * dp4j_checkpoint.json} and in a privacy record: the runs of identical steps as DP events ({@code
 * privacy_log} in a checkpoint, {@code ledger} in a privacy record and in checkpoints written
 * before the rename), one microbatch size per run (the same name with {@code _microbatch_sizes}),
 * {@code noiseless_steps} and {@code noiseless_sampling_rate} (when some steps ran without noise),
 * {@code sampling_assumed} and {@code predictable_randomness}.
 */
final class PrivacyHistoryJson {
  /**
   * The events' key in a privacy record, and in checkpoints written before {@link #PRIVACY_LOG}.
   */
  static final String LEDGER = "ledger";

  /** The events' key in a checkpoint. */
  static final String PRIVACY_LOG = "privacy_log";

  private static final String SIZES = "_microbatch_sizes";
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private PrivacyHistoryJson() {}

  /** Puts {@code history}'s fields into {@code node}, its events under {@link #LEDGER}. */
  static void write(PrivacyLog.Snapshot history, ObjectNode node) {
    write(history, node, LEDGER);
  }

  /** Puts {@code history}'s fields into {@code node}, its events under {@code eventsKey}. */
  static void write(PrivacyLog.Snapshot history, ObjectNode node, String eventsKey) {
    node.put("sampling_assumed", history.samplingAssumed());
    node.put("predictable_randomness", history.predictable());
    if (history.noiselessSteps() > 0) {
      // steps without noise have no DP event; they keep epsilon infinite when restored
      node.put("noiseless_steps", history.noiselessSteps());
      node.put("noiseless_sampling_rate", history.noiselessSamplingRate());
    }
    ArrayNode events = node.putArray(eventsKey);
    for (SelfComposedDpEvent run : history.events()) {
      events.add(readTree(PrivacyAccountants.eventToJson(run)));
    }
    // per run its microbatch size: a restored log keeps sigma as configured and the 2C note
    ArrayNode sizes = node.putArray(eventsKey + SIZES);
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
    String key = node.has(PRIVACY_LOG) ? PRIVACY_LOG : LEDGER;
    JsonNode events = node.get(key);
    if (events == null || !events.isArray()) {
      throw new KerasFormatException(where + " has no " + key + " array");
    }
    JsonNode sizes = node.get(key + SIZES); // absent in older checkpoints
    if (sizes != null && (!sizes.isArray() || sizes.size() != events.size())) {
      throw new KerasFormatException(
          where + ": " + key + SIZES + " must list one size per " + key + " event");
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
