package io.dp4j.io.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dp4j.accounting.RdpAccountant;
import io.dp4j.accounting.SelfComposedDpEvent;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.losses.Loss;
import io.dp4j.nn.optimizers.Optimizer;
import io.dp4j.nn.train.Metric;
import io.dp4j.privacy.ModelPrivacy;
import io.dp4j.privacy.PrivacyLog;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * A training checkpoint: the model as a {@code .keras} archive (config, weights, metadata) plus
 * {@code dp4j_checkpoint.json} holding the privacy log (a {@link PrivacyLog.Snapshot} of every DP
 * event run, restored on load so that training resumed from the checkpoint continues the same log),
 * the DP settings, the composed RDP accountant, the model's step counter and the optimizer's state.
 * The file is still a valid {@code .keras} for Keras, which ignores the extra entry, and for {@link
 * ModelIO#load}, which restores the privacy log from it (a checkpoint trained further as a model
 * keeps its history).
 *
 * <p>Format of {@code dp4j_checkpoint.json} (format_version 2; version 1, without the last three
 * fields, still loads but cannot restore an optimizer):
 *
 * <ul>
 *   <li>{@code steps}, {@code sampling_assumed}, {@code privacy_log} (named {@code ledger} in
 *       checkpoints written before the rename, still read), {@code accountant}, {@code dp}: the
 *       privacy log (DP steps only) and settings, as in version 1;
 *   <li>{@code disjoint_data_entries}: the histories set aside by {@link
 *       PrivacyLog#continueOnDisjointData()}, each with {@code steps}, {@code privacy_log} and the
 *       fields beside it (absent in older checkpoints);
 *   <li>{@code model_steps}: the model's step counter ({@link Sequential#steps()}), restored by
 *       {@link #load} — the fixed test noise seed of step s derives from s;
 *   <li>{@code optimizer}: {@code class} (the class of the optimizer compiled, e.g. {@code
 *       io.dp4j.privacy.DPKerasAdamOptimizer}) and {@code learning_rate} (informative);
 *   <li>{@code optimizer_state}: {@code encoding} ({@code "base64 float32 little-endian"}) and
 *       {@code variables}, one object per optimizer variable of {@link
 *       Sequential#optimizerState()}: {@code name} (e.g. {@code weight_0-m}, {@code beta1_power}),
 *       {@code length}, {@code crc32} (of the decoded bytes) and {@code data}.
 * </ul>
 *
 * <p>To resume: {@link #resume} (load, compile with the same kind of optimizer, restore its state),
 * or {@link #load}, {@code compile} and {@link #restoreOptimizerState}. With the same batches and a
 * fixed test noise seed (set again on the resumed model: it is a test-only setting and is not
 * saved), the resumed run computes the same weights as an uninterrupted one, and its privacy log
 * and ε are the same.
 *
 * <p>Not saved, deliberately: the random state of the samplers and of the DP noise. They draw from
 * {@code SecureRandom}; saving its state (were it possible) would let anyone holding the checkpoint
 * predict the batches and noise of the resumed steps, which voids the DP guarantee, as the
 * guarantee assumes the sampling and the noise are secret and fresh. A resumed run therefore draws
 * different batches and noise than the uninterrupted run would have, with the same privacy cost.
 */
public final class TrainingCheckpoint {
  /** The archive entry holding the training state. */
  public static final String ENTRY = "dp4j_checkpoint.json";

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String ENCODING = "base64 float32 little-endian";
  private static final String DISJOINT_DATA_ENTRIES = "disjoint_data_entries";

  private TrainingCheckpoint() {}

  /** Writes {@code model} (compiled, possibly trained) and its privacy log to {@code file}. */
  public static void save(KerasModel model, Path file) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Path archive = Files.createTempFile(dir, ".checkpoint", ".keras");
    Path out = Files.createTempFile(dir, ".checkpoint", ".keras");
    try {
      ModelIO.save(model.withPrivacyRecord(currentRecord(model.sequential())), archive);
      byte[] state = MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(state(model));
      try (ZipInputStream in = new ZipInputStream(Files.newInputStream(archive));
          OutputStream os = Files.newOutputStream(out);
          ZipOutputStream zip = new ZipOutputStream(os)) {
        for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
          zip.putNextEntry(new ZipEntry(e.getName()));
          in.transferTo(zip);
          zip.closeEntry();
        }
        zip.putNextEntry(new ZipEntry(ENTRY));
        zip.write(state);
        zip.closeEntry();
      }
      Files.move(out, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(archive);
      Files.deleteIfExists(out);
    }
  }

  /**
   * The privacy record of the model as it is now, for the archive's metadata (what {@code inspect}
   * shows): at the model's target δ; none without one, or without a finite ε. A record read with
   * the model would be stale: the privacy log beside it has the steps taken since.
   */
  private static PrivacyRecord currentRecord(Sequential model) {
    ModelPrivacy privacy = ModelPrivacy.of(model);
    if (privacy.dpSettings().isEmpty()
        || privacy.targetDelta().isEmpty()
        || privacy.privacyLog().noiselessSteps() > 0) {
      return null;
    }
    return PrivacyRecord.of(model, privacy.targetDelta().getAsDouble());
  }

  private static ObjectNode state(KerasModel model) {
    PrivacyLog privacyLog = ModelPrivacy.of(model.sequential()).privacyLog();
    ObjectNode node = MAPPER.createObjectNode();
    Sequential seq = model.sequential();
    node.put("format_version", 2);
    node.put("steps", privacyLog.steps());
    node.put("model_steps", seq.steps());
    PrivacyHistoryJson.write(privacyLog.snapshot(), node, PrivacyHistoryJson.PRIVACY_LOG);
    RdpAccountant rdp = new RdpAccountant();
    for (SelfComposedDpEvent run : privacyLog.events()) {
      rdp.compose(run.event(), run.count());
    }
    ArrayNode entries = node.putArray(DISJOINT_DATA_ENTRIES);
    for (PrivacyLog.Snapshot entry : privacyLog.disjointDataEntries()) {
      ObjectNode e = entries.addObject();
      e.put("steps", entry.steps());
      PrivacyHistoryJson.write(entry, e, PrivacyHistoryJson.PRIVACY_LOG);
    }
    node.set("accountant", readTree(rdp.toJson()));
    ModelPrivacy.of(seq)
        .dpSettings()
        .ifPresent(
            dp -> {
              ObjectNode d = node.putObject("dp");
              d.put("l2_norm_clip", dp.l2NormClip());
              d.put("noise_multiplier", dp.noiseMultiplier());
              d.put("num_microbatches", dp.numMicrobatches());
              d.put("normalization", dp.normalization().name());
            });
    ObjectNode opt = node.putObject("optimizer");
    opt.put("class", seq.optimizer().getClass().getName());
    opt.put("learning_rate", seq.optimizer().learningRate());
    ObjectNode state = node.putObject("optimizer_state");
    state.put("encoding", ENCODING);
    ArrayNode variables = state.putArray("variables");
    for (Map.Entry<String, float[]> e : seq.optimizerState().entrySet()) {
      byte[] bytes = toBytes(e.getValue());
      ObjectNode v = variables.addObject();
      v.put("name", e.getKey());
      v.put("length", e.getValue().length);
      v.put("crc32", crc32(bytes));
      v.put("data", Base64.getEncoder().encodeToString(bytes));
    }
    return node;
  }

  /**
   * What a checkpoint records about the run that wrote it, read without loading the model: for a
   * command that resumes the run to default its settings to these and refuse contradicting ones.
   *
   * @param steps DP steps in the privacy log
   * @param modelSteps the model's step counter ({@link Sequential#steps()})
   * @param l2NormClip C, if the model was trained with DP-SGD
   * @param noiseMultiplier σ as given to the DP optimizer, if the model was trained with DP-SGD
   * @param numMicrobatches M (0: per example), if the model was trained with DP-SGD
   * @param optimizerClass the class of the optimizer compiled (format_version 2)
   * @param learningRate its learning rate (format_version 2), a float32 written in its shortest
   *     decimal form: exact once narrowed back to {@code float}
   */
  public record Settings(
      long steps,
      long modelSteps,
      OptionalDouble l2NormClip,
      OptionalDouble noiseMultiplier,
      OptionalInt numMicrobatches,
      Optional<String> optimizerClass,
      OptionalDouble learningRate) {}

  /**
   * Reads the settings recorded in checkpoint {@code file}.
   *
   * @throws KerasFormatException if the file is not a dp4j checkpoint or its entry is damaged
   */
  public static Settings settings(Path file) throws IOException {
    JsonNode node = readState(file);
    long steps = node.path("steps").asLong(-1);
    if (steps < 0) {
      throw new KerasFormatException(ENTRY + ": steps is not a step count: " + node.get("steps"));
    }
    JsonNode dp = node.get("dp");
    JsonNode opt = node.get("optimizer");
    return new Settings(
        steps,
        node.has("model_steps") ? node.get("model_steps").asLong() : steps,
        dp == null ? OptionalDouble.empty() : OptionalDouble.of(dp.path("l2_norm_clip").asDouble()),
        dp == null
            ? OptionalDouble.empty()
            : OptionalDouble.of(dp.path("noise_multiplier").asDouble()),
        dp == null ? OptionalInt.empty() : OptionalInt.of(dp.path("num_microbatches").asInt()),
        opt == null ? Optional.empty() : Optional.of(opt.path("class").asText()),
        opt == null
            ? OptionalDouble.empty()
            : OptionalDouble.of(opt.path("learning_rate").asDouble()));
  }

  /**
   * Loads a checkpoint: the model with its weights, and its privacy log restored. Compile the model
   * with the same DP optimizer (weights are kept) and call {@code fit} to resume.
   *
   * @throws KerasFormatException if the file is not a dp4j checkpoint or is damaged
   */
  public static KerasModel load(Path file) throws IOException {
    JsonNode node = readState(file);
    KerasModel model = ModelIO.load(file); // restores the privacy log from the checkpoint's
    try {
      JsonNode steps = node.get("model_steps");
      long modelSteps = ModelPrivacy.of(model.sequential()).privacyLog().steps();
      if (steps != null) {
        if (!steps.canConvertToLong() || steps.asLong() < 0) {
          throw new KerasFormatException(ENTRY + ": model_steps is not a step count: " + steps);
        }
        modelSteps = steps.asLong();
      }
      model.sequential().setSteps(modelSteps);
      return model;
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /**
   * Loads a checkpoint, compiles its model with {@code optimizer} and {@code loss} (weights are
   * kept) and restores the optimizer's state: call {@code fit} to continue training as if it had
   * not been interrupted.
   *
   * @throws KerasFormatException if the file is not a dp4j checkpoint or is damaged
   * @throws IllegalArgumentException if {@code optimizer} is not of the kind the checkpoint was
   *     trained with
   */
  public static KerasModel resume(Path file, Optimizer optimizer, Loss loss, Metric... metrics)
      throws IOException {
    KerasModel model = load(file);
    try {
      model.sequential().compile(optimizer, loss, metrics);
      restoreOptimizerState(model.sequential(), readState(file));
      return model;
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /**
   * Restores the optimizer state saved in checkpoint {@code file} into {@code model}, which must be
   * compiled with the same kind of optimizer as the checkpointed model (hyperparameters such as the
   * learning rate may differ).
   *
   * @throws KerasFormatException if the file is not a dp4j checkpoint, has no optimizer state or
   *     its optimizer state is damaged
   * @throws IllegalArgumentException if the model's optimizer is of another kind
   */
  public static void restoreOptimizerState(Sequential model, Path file) throws IOException {
    restoreOptimizerState(model, readState(file));
  }

  private static void restoreOptimizerState(Sequential model, JsonNode node) {
    JsonNode opt = node.get("optimizer");
    JsonNode state = node.get("optimizer_state");
    if (opt == null || state == null) {
      throw new KerasFormatException(
          ENTRY
              + " holds no optimizer state (format_version "
              + node.path("format_version")
              + "): the checkpoint can be loaded and trained further, but not with its optimizer's"
              + " state");
    }
    String saved = opt.path("class").asText("");
    String compiled = model.optimizer().getClass().getName();
    if (!saved.equals(compiled)) {
      throw new IllegalArgumentException(
          "the checkpoint was trained with optimizer "
              + saved
              + " but the model is compiled with "
              + compiled
              + ": its optimizer state (slots) cannot be restored into another optimizer; compile"
              + " with "
              + saved);
    }
    if (!ENCODING.equals(state.path("encoding").asText())) {
      throw new KerasFormatException(
          ENTRY + ": unknown optimizer_state encoding " + state.path("encoding"));
    }
    JsonNode variables = state.get("variables");
    if (variables == null || !variables.isArray()) {
      throw new KerasFormatException(ENTRY + ": optimizer_state has no variables array");
    }
    Map<String, float[]> values = new LinkedHashMap<>();
    for (JsonNode v : variables) {
      String name = v.path("name").asText(null);
      if (name == null
          || !v.path("length").canConvertToInt()
          || !v.path("crc32").isIntegralNumber()) {
        throw new KerasFormatException(
            ENTRY + ": optimizer_state variable without name, length or crc32: " + abbreviate(v));
      }
      byte[] bytes;
      try {
        bytes = Base64.getDecoder().decode(v.path("data").asText(""));
      } catch (IllegalArgumentException e) {
        throw new KerasFormatException(
            ENTRY
                + ": optimizer_state variable "
                + name
                + " is not valid base64: "
                + e.getMessage(),
            e);
      }
      int length = v.path("length").asInt();
      if (length < 0 || bytes.length != 4L * length) {
        throw new KerasFormatException(
            ENTRY
                + ": optimizer_state variable "
                + name
                + " holds "
                + bytes.length
                + " bytes, expected "
                + length
                + " float32 values");
      }
      if (crc32(bytes) != v.path("crc32").asLong()) {
        throw new KerasFormatException(
            ENTRY + ": optimizer_state variable " + name + " is corrupt (CRC-32 mismatch)");
      }
      if (values.put(name, toFloats(bytes)) != null) {
        throw new KerasFormatException(ENTRY + ": optimizer_state variable " + name + " twice");
      }
    }
    model.setOptimizerState(values);
  }

  private static JsonNode readState(Path file) throws IOException {
    try (ZipFile zip = new ZipFile(file.toFile())) {
      JsonNode state = state(zip);
      if (state == null) {
        throw new KerasFormatException(file + " has no " + ENTRY + ": not a dp4j checkpoint");
      }
      return state;
    } catch (ZipException | java.io.EOFException e) {
      throw ModelIO.notAZip(file, e);
    }
  }

  private static JsonNode parseState(byte[] state) {
    try {
      JsonNode node = MAPPER.readTree(new String(state, StandardCharsets.UTF_8));
      if (node == null || !node.isObject()) {
        throw new KerasFormatException(ENTRY + " is not a JSON object");
      }
      return node;
    } catch (KerasFormatException e) {
      throw e;
    } catch (IOException e) {
      throw new KerasFormatException(ENTRY + " is not valid JSON: " + e.getMessage(), e);
    }
  }

  private static byte[] toBytes(float[] values) {
    ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    buffer.asFloatBuffer().put(values);
    return buffer.array();
  }

  private static float[] toFloats(byte[] bytes) {
    float[] values = new float[bytes.length / 4];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
    return values;
  }

  private static long crc32(byte[] bytes) {
    CRC32 crc = new CRC32();
    crc.update(bytes);
    return crc.getValue();
  }

  private static String abbreviate(JsonNode node) {
    String s = node.toString();
    return s.length() > 120 ? s.substring(0, 120) + "..." : s;
  }

  /**
   * Restores into {@code log} (fresh) the privacy history of a checkpoint's state: its log, and the
   * entries set aside for disjoint data.
   */
  static void restoreLog(JsonNode state, PrivacyLog log) {
    long steps = state.path("steps").asLong(-1);
    if (steps < 0) {
      throw new KerasFormatException(ENTRY + ": steps is not a step count: " + state.get("steps"));
    }
    List<PrivacyLog.Snapshot> entries = new ArrayList<>();
    JsonNode disjoint = state.path(DISJOINT_DATA_ENTRIES);
    for (JsonNode e : disjoint) {
      entries.add(
          PrivacyHistoryJson.read(e, e.path("steps").asLong(-1), ENTRY + " disjoint-data entry"));
    }
    log.restore(PrivacyHistoryJson.read(state, steps, ENTRY));
    log.restoreDisjointDataEntries(entries);
  }

  /** Reads the training state of {@code zip}, a checkpoint's archive, or null if it has none. */
  static JsonNode state(ZipFile zip) throws IOException {
    ZipEntry e = zip.getEntry(ENTRY);
    if (e == null) {
      return null;
    }
    byte[] state;
    try (InputStream in = zip.getInputStream(e)) {
      state = in.readAllBytes();
    }
    return parseState(state);
  }

  private static JsonNode readTree(String json) {
    try {
      return MAPPER.readTree(json);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
