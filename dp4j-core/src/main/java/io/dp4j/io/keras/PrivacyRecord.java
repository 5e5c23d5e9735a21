package io.dp4j.io.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dp4j.nn.Sequential;
import io.dp4j.privacy.DpSettings;
import io.dp4j.privacy.PrivacySpent;

/**
 * What a DP-trained model spent and how, stored in the {@code metadata.json} of an exported {@code
 * .keras} file under {@code "dp4j_privacy"}.
 *
 * @param epsilon ε spent at {@code delta}
 * @param delta δ
 * @param noiseMultiplier σ
 * @param l2NormClip C
 * @param samplingRate q of the latest steps
 * @param steps DP steps composed
 * @param accountant the accountant that computed ε ("rdp", "pld")
 * @param sampling "poisson", or "shuffled" when fixed-size shuffled batches were used and the
 *     Poisson figure is an assumption
 * @param numMicrobatches microbatches per batch, 0 for per-example clipping
 * @param secureNoise whether the noise was drawn in Java on a CSPRNG ({@link
 *     Sequential#useSecureNoise()}) rather than in-graph from a {@code SecureRandom} seed; false
 *     when read from a record written before the field existed
 * @param predictableRandomness whether some step's batches or noise came from a predictable
 *     generator (a fixed test seed or a non-{@code SecureRandom} sampler): the figures then hold
 *     for the mechanism, but this run has no DP guarantee; false when read from a record written
 *     before the field existed
 */
public record PrivacyRecord(
    double epsilon,
    double delta,
    double noiseMultiplier,
    double l2NormClip,
    double samplingRate,
    long steps,
    String accountant,
    String sampling,
    int numMicrobatches,
    boolean secureNoise,
    boolean predictableRandomness) {

  /** The metadata key the record is stored under. */
  public static final String METADATA_KEY = "dp4j_privacy";

  public PrivacyRecord {
    if (!(delta > 0 && delta < 1)) {
      throw new IllegalArgumentException("delta must be in (0, 1), got " + delta);
    }
    if (steps < 0) {
      throw new IllegalArgumentException("steps must be >= 0, got " + steps);
    }
    if (accountant == null || sampling == null) {
      throw new IllegalArgumentException("accountant and sampling are required");
    }
  }

  /**
   * The record of a model compiled for DP training, at {@code delta}, from its ledger and the
   * accountant it was configured with.
   *
   * @throws IllegalStateException if the model is not compiled for DP training, or some of its
   *     steps ran without noise (no DP guarantee, ε infinite)
   */
  public static PrivacyRecord of(Sequential model, double delta) {
    DpSettings dp =
        model
            .dpSettings()
            .orElseThrow(
                () -> new IllegalStateException("the model is not compiled for DP training"));
    PrivacySpent spent = model.privacySpent(delta);
    if (Double.isInfinite(spent.epsilon())) {
      throw new IllegalStateException(
          model.privacyLog().noiselessSteps()
              + " of the model's "
              + spent.steps()
              + " steps ran with noiseMultiplier 0: it has no DP guarantee (epsilon is infinite),"
              + " so there is no privacy record to write");
    }
    return new PrivacyRecord(
        spent.epsilon(),
        delta,
        dp.noiseMultiplier(),
        dp.l2NormClip(),
        Double.isNaN(spent.samplingRate()) ? 0 : spent.samplingRate(),
        spent.steps(),
        spent.method(),
        spent.samplingAssumed() ? "shuffled" : "poisson",
        dp.numMicrobatches(),
        model.secureNoise(),
        model.privacyLog().predictable());
  }

  /** The record as a JSON object. */
  public ObjectNode toJson() {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.put("epsilon", epsilon);
    node.put("delta", delta);
    node.put("noise_multiplier", noiseMultiplier);
    node.put("l2_norm_clip", l2NormClip);
    node.put("sampling_rate", samplingRate);
    node.put("steps", steps);
    node.put("accountant", accountant);
    node.put("sampling", sampling);
    node.put("num_microbatches", numMicrobatches);
    node.put("secure_noise", secureNoise);
    node.put("predictable_randomness", predictableRandomness);
    return node;
  }

  /**
   * Reads a record written by {@link #toJson()}.
   *
   * @throws KerasFormatException if a field is missing or has the wrong type
   */
  public static PrivacyRecord fromJson(JsonNode node) {
    if (node == null || !node.isObject()) {
      throw new KerasFormatException("the privacy record must be a JSON object");
    }
    try {
      return new PrivacyRecord(
          number(node, "epsilon"),
          number(node, "delta"),
          number(node, "noise_multiplier"),
          number(node, "l2_norm_clip"),
          number(node, "sampling_rate"),
          (long) number(node, "steps"),
          text(node, "accountant"),
          text(node, "sampling"),
          (int) number(node, "num_microbatches"),
          optionalBoolean(node, "secure_noise"),
          optionalBoolean(node, "predictable_randomness"));
    } catch (IllegalArgumentException e) {
      if (e instanceof KerasFormatException k) {
        throw k;
      }
      throw new KerasFormatException("invalid privacy record: " + e.getMessage(), e);
    }
  }

  private static double number(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || !value.isNumber()) {
      throw new KerasFormatException("privacy record field '" + field + "' must be a number");
    }
    return value.asDouble();
  }

  private static boolean optionalBoolean(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null) {
      return false;
    }
    if (!value.isBoolean()) {
      throw new KerasFormatException("privacy record field '" + field + "' must be a boolean");
    }
    return value.asBoolean();
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual()) {
      throw new KerasFormatException("privacy record field '" + field + "' must be a string");
    }
    return value.asText();
  }
}
