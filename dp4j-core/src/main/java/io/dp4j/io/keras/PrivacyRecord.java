package io.dp4j.io.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dp4j.accounting.AccountantKind;
import io.dp4j.accounting.PrivacyAccountant;
import io.dp4j.accounting.RunShape;
import io.dp4j.accounting.SelfComposedDpEvent;
import io.dp4j.nn.Sequential;
import io.dp4j.privacy.DpSettings;
import io.dp4j.privacy.ModelPrivacy;
import io.dp4j.privacy.PrivacyLog;
import io.dp4j.privacy.PrivacySpent;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

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
 * @param accountant the accountant that computed ε: an {@link AccountantKind#serializedName()}
 *     ("rdp", "pld"), or the {@link PrivacyAccountant#method()} of a caller-supplied accountant
 * @param sampling "poisson", or "shuffled" when fixed-size shuffled batches were used and the
 *     Poisson figure is an assumption
 * @param numMicrobatches microbatches per batch, 0 for per-example clipping
 * @param secureNoise whether the noise was drawn in Java on a CSPRNG ({@link
 *     io.dp4j.privacy.NoiseSource#useSecureNoise()}) rather than in-graph from a {@code
 *     SecureRandom} seed; false when read from a record written before the field existed
 * @param predictableRandomness whether some step's batches or noise came from a predictable
 *     generator (a fixed test seed or a non-{@code SecureRandom} sampler): the figures then hold
 *     for the mechanism, but this run has no DP guarantee; false when read from a record written
 *     before the field existed
 * @param history the steps composed into {@code epsilon} ({@code ledger} and the fields beside it
 *     in JSON): a model loaded from the file continues from them. A record written before the field
 *     existed was of one run of identical steps, rebuilt from the fields above
 * @param continuedFromSteps of {@code steps}, those the model had taken before it was loaded and
 *     trained further, composed with the later ones as the same data's (0: one training)
 * @param disjointDataEntries earlier training set aside when the model was trained further on data
 *     declared to share no individual with it ({@link PrivacyLog#continueOnDisjointData()}): each
 *     with its own ε, not composed into {@code epsilon}, which covers the latest data only
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
    boolean predictableRandomness,
    PrivacyLog.Snapshot history,
    long continuedFromSteps,
    List<DisjointDataEntry> disjointDataEntries) {

  /** The metadata key the record is stored under. */
  public static final String METADATA_KEY = "dp4j_privacy";

  private static final String DISJOINT_DATA_ENTRIES = "disjoint_data_entries";

  /**
   * A record of one training: {@code steps} steps of {@code PoissonSampled(samplingRate,
   * Gaussian(noiseMultiplier))}, or of Gaussian(σ/2) if microbatches may have held more than one
   * example (see {@link #history()}).
   */
  public PrivacyRecord(
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
    this(
        epsilon,
        delta,
        noiseMultiplier,
        l2NormClip,
        samplingRate,
        steps,
        accountant,
        sampling,
        numMicrobatches,
        secureNoise,
        predictableRandomness,
        oneRun(
            epsilon,
            delta,
            noiseMultiplier,
            samplingRate,
            steps,
            accountant,
            sampling,
            numMicrobatches,
            predictableRandomness),
        0,
        List.of());
  }

  /**
   * One entry set aside for disjoint data, accounted at the record's δ.
   *
   * @param epsilon ε of its steps alone, infinite if some ran without noise
   * @param accountant the accountant of {@code epsilon} ("rdp", "pld"; "none" when infinite)
   * @param steps its steps
   * @param noiseMultiplier σ of its latest steps
   * @param samplingRate q of its latest steps
   * @param history its steps
   */
  public record DisjointDataEntry(
      double epsilon,
      String accountant,
      long steps,
      double noiseMultiplier,
      double samplingRate,
      PrivacyLog.Snapshot history) {
    static DisjointDataEntry of(
        PrivacyLog.Snapshot history, double delta, Supplier<PrivacyAccountant> accountants) {
      PrivacySpent spent = history.privacySpent(delta, accountants);
      return new DisjointDataEntry(
          spent.epsilon(),
          spent.method(),
          spent.steps(),
          spent.noiseMultiplier(),
          spent.samplingRate(),
          history);
    }

    /** Whether some steps had shuffled batches (the Poisson figure is then an assumption). */
    public boolean samplingAssumed() {
      return history.samplingAssumed();
    }

    /** Whether some step's batches or noise came from a predictable generator. */
    public boolean predictableRandomness() {
      return history.predictable();
    }
  }

  public PrivacyRecord {
    if (!(delta > 0 && delta < 1)) {
      throw new IllegalArgumentException("delta must be in (0, 1), got " + delta);
    }
    if (steps < 0) {
      throw new IllegalArgumentException("steps must be >= 0, got " + steps);
    }
    if (accountant == null || sampling == null || history == null) {
      throw new IllegalArgumentException("accountant, sampling and history are required");
    }
    if (history.steps() != steps) {
      throw new IllegalArgumentException(
          "the history holds " + history.steps() + " steps but the record says " + steps);
    }
    if (continuedFromSteps < 0 || continuedFromSteps > steps) {
      throw new IllegalArgumentException(
          "continuedFromSteps must be in [0, steps = " + steps + "], got " + continuedFromSteps);
    }
    disjointDataEntries = List.copyOf(disjointDataEntries);
  }

  /**
   * The history of a record that does not list its steps (written before the field existed, or
   * built from figures): {@code steps} identical steps. With microbatches, a step is Gaussian(σ/2)
   * unless Gaussian(σ) gives the recorded ε (the microbatches then held one example each): the
   * conservative choice when the record cannot tell.
   */
  private static PrivacyLog.Snapshot oneRun(
      double epsilon,
      double delta,
      double noiseMultiplier,
      double samplingRate,
      long steps,
      String accountant,
      String sampling,
      int numMicrobatches,
      boolean predictable) {
    boolean assumed = "shuffled".equals(sampling);
    if (steps <= 0) {
      return new PrivacyLog.Snapshot(List.of(), List.of(), 0, Double.NaN, assumed, predictable);
    }
    if (noiseMultiplier == 0) {
      return new PrivacyLog.Snapshot(
          List.of(), List.of(), steps, samplingRate, assumed, predictable);
    }
    if (!(noiseMultiplier > 0 && samplingRate > 0 && samplingRate <= 1)) {
      throw new IllegalArgumentException(
          "a record of "
              + steps
              + " steps needs noise_multiplier >= 0 and sampling_rate in (0, 1], got "
              + noiseMultiplier
              + " and "
              + samplingRate);
    }
    double microbatchSize = 1;
    if (numMicrobatches > 0
        && !reproduces(epsilon, delta, samplingRate, noiseMultiplier, steps, accountant)) {
      microbatchSize = 2; // any size above 1: what matters is that the run holds σ/2
    }
    SelfComposedDpEvent run =
        new RunShape(samplingRate, noiseMultiplier, steps, microbatchSize).event();
    return new PrivacyLog.Snapshot(
        List.of(run), List.of(microbatchSize), 0, Double.NaN, assumed, predictable);
  }

  /**
   * Whether {@code sigma} per example reproduces the recorded ε. Only RDP is re-run here: a PLD run
   * costs up to its work limit (a crafted record with δ 1e-15 made one read allocate 300 MB), so a
   * record whose ε came from PLD is not checked and keeps the conservative σ/2, which can only
   * over-state its ε.
   */
  private static boolean reproduces(
      double epsilon, double delta, double q, double sigma, long steps, String accountant) {
    if (AccountantKind.PLD.serializedName().equals(accountant)) {
      return false;
    }
    PrivacyAccountant a = AccountantKind.RDP.factory().get();
    a.compose(RunShape.step(q, sigma, 1).stepEvent(), steps); // per example: σ as given
    return Math.abs(a.epsilon(delta) - epsilon) <= 1e-6 * Math.max(1, epsilon);
  }

  /**
   * The accountant a record names: PLD for {@link AccountantKind#PLD}'s name, else RDP (also for a
   * caller-supplied accountant's own name, which a record cannot rebuild).
   */
  static Supplier<PrivacyAccountant> accountant(String name) {
    return AccountantKind.PLD.serializedName().equals(name)
        ? AccountantKind.PLD.factory()
        : AccountantKind.RDP.factory();
  }

  /**
   * The record of a model compiled for DP training, at {@code delta}, from its ledger and the
   * accountant it was configured with.
   *
   * @throws IllegalStateException if the model is not compiled for DP training, or some of its
   *     steps ran without noise (no DP guarantee, ε infinite)
   */
  public static PrivacyRecord of(Sequential model, double delta) {
    ModelPrivacy privacy = ModelPrivacy.of(model);
    DpSettings dp =
        privacy
            .dpSettings()
            .orElseThrow(
                () -> new IllegalStateException("the model is not compiled for DP training"));
    PrivacySpent spent = privacy.privacySpent(delta);
    if (Double.isInfinite(spent.epsilon())) {
      throw new IllegalStateException(
          privacy.privacyLog().noiselessSteps()
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
        privacy.secureNoise(),
        privacy.privacyLog().predictable(),
        privacy.privacyLog().snapshot(),
        privacy.privacyLog().restoredSteps(),
        privacy.privacyLog().disjointDataEntries().stream()
            .map(e -> DisjointDataEntry.of(e, delta, accountant(spent.method())))
            .toList());
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
    PrivacyHistoryJson.write(history, node);
    if (continuedFromSteps > 0) {
      node.put("continued_from_steps", continuedFromSteps);
    }
    if (!disjointDataEntries.isEmpty()) {
      ArrayNode entries = node.putArray(DISJOINT_DATA_ENTRIES);
      for (DisjointDataEntry e : disjointDataEntries) {
        ObjectNode entry = entries.addObject();
        entry.put("epsilon", e.epsilon());
        entry.put("accountant", e.accountant());
        entry.put("steps", e.steps());
        entry.put("noise_multiplier", e.noiseMultiplier());
        entry.put("sampling_rate", e.samplingRate());
        PrivacyHistoryJson.write(e.history(), entry);
      }
    }
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
      double epsilon = number(node, "epsilon");
      double delta = number(node, "delta");
      double sigma = number(node, "noise_multiplier");
      double q = number(node, "sampling_rate");
      long steps = (long) number(node, "steps");
      String accountant = text(node, "accountant");
      String sampling = text(node, "sampling");
      int microbatches = (int) number(node, "num_microbatches");
      boolean predictable = optionalBoolean(node, "predictable_randomness");
      PrivacyLog.Snapshot history =
          node.has(PrivacyHistoryJson.LEDGER)
              ? PrivacyHistoryJson.read(node, steps, "privacy record")
              : oneRun(
                  epsilon, delta, sigma, q, steps, accountant, sampling, microbatches, predictable);
      List<DisjointDataEntry> entries = new ArrayList<>();
      for (JsonNode e : node.path(DISJOINT_DATA_ENTRIES)) {
        long entrySteps = (long) number(e, "steps");
        entries.add(
            new DisjointDataEntry(
                number(e, "epsilon"),
                text(e, "accountant"),
                entrySteps,
                number(e, "noise_multiplier"),
                number(e, "sampling_rate"),
                PrivacyHistoryJson.read(e, entrySteps, "privacy record's disjoint-data entry")));
      }
      return new PrivacyRecord(
          epsilon,
          delta,
          sigma,
          number(node, "l2_norm_clip"),
          q,
          steps,
          accountant,
          sampling,
          microbatches,
          optionalBoolean(node, "secure_noise"),
          predictable,
          history,
          node.path("continued_from_steps").asLong(0),
          entries);
    } catch (IllegalArgumentException e) {
      if (e instanceof KerasFormatException k) {
        throw k;
      }
      throw new KerasFormatException("invalid privacy record: " + e.getMessage(), e);
    }
  }

  private static double number(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value != null && value.isTextual() && value.asText().equals("Infinity")) {
      return Double.POSITIVE_INFINITY; // how JSON writes the epsilon of steps without noise
    }
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
