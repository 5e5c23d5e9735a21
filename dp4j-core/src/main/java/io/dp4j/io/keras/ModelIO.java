package io.dp4j.io.keras;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dp4j.io.keras.codecs.KerasCodecRegistry;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.Layer;
import io.dp4j.nn.losses.MeanSquaredError;
import io.dp4j.nn.optimizers.SGD;
import io.dp4j.privacy.ModelPrivacy;
import io.dp4j.privacy.PrivacyLog;
import io.jhdf.HdfFile;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Objects;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keras model interchange: {@code model_from_json}, {@code load_model} of legacy {@code .h5} and
 * Keras 3 {@code .keras} files, {@code load_weights}, and export to {@code .keras}.
 *
 * <p>Every failure is a {@link KerasFormatException} naming what is wrong (an unsupported layer or
 * option, a weight whose shape does not fit, a corrupt or truncated file), or an {@link
 * IOException} when the file cannot be read; no partial model is ever returned. Imported models are
 * compiled for inference (SGD, mean squared error): compile {@link KerasModel#sequential()} again
 * with your optimizer and loss to train, the weights are kept.
 *
 * <p>A {@code .keras} file of a DP-trained model keeps its history: the loaded model's {@link
 * ModelPrivacy#privacyLog()} holds the steps of its privacy record (or, for a {@link
 * TrainingCheckpoint}, of its ledger), so further DP training composes them with the new steps, as
 * training on the same data. If the new data shares no individual with the old, call {@link
 * PrivacyLog#continueOnDisjointData()} before training: the old history is then kept as a separate
 * entry of the saved record.
 */
public final class ModelIO {
  private static final Logger LOG = LoggerFactory.getLogger(ModelIO.class);
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** The layer codecs every read and write goes through. */
  static final KerasCodecRegistry CODECS = KerasCodecRegistry.defaults();

  /** The dp4j version recorded in exported metadata. */
  public static final String PRODUCER = "dp4j 0.1.0";

  private static final byte[] HDF5_SIGNATURE = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  private static final long MAX_ENTRY_BYTES = 1L << 30;

  private ModelIO() {}

  /** The kind of a model file, from its first bytes (never from its extension). */
  public enum Format {
    /** An HDF5 file: a Keras 2 full model or {@code save_weights} file. */
    HDF5,
    /** A zip archive: a Keras 3 {@code .keras} file. */
    ZIP,
    /** A JSON architecture ({@code model.to_json()}). */
    JSON
  }

  /**
   * The equivalent of Keras' {@code model_from_json}: the architecture, with fresh weights.
   *
   * @throws KerasFormatException if the JSON is invalid, or names a layer or option dp4j lacks
   */
  public static KerasModel fromJson(String json) {
    Objects.requireNonNull(json, "json");
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new KerasFormatException(
          "the model config is not valid JSON: " + e.getOriginalMessage(), e);
    }
    return build(KerasModelConfig.parse(root, CODECS), null, null);
  }

  /** The Keras 3 {@code config.json} of {@code model} (what {@link #save} writes). */
  public static String toJson(KerasModel model) {
    try {
      return MAPPER
          .writerWithDefaultPrettyPrinter()
          .writeValueAsString(KerasModelConfig.toConfig(model, CODECS));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Detects the format of {@code file} from its first bytes. */
  public static Format detect(Path file) throws IOException {
    byte[] head;
    try (InputStream in = Files.newInputStream(file)) {
      head = in.readNBytes(8);
    }
    if (head.length == 8 && java.util.Arrays.equals(head, HDF5_SIGNATURE)) {
      return Format.HDF5;
    }
    if (head.length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
      return Format.ZIP;
    }
    String start = new String(head, StandardCharsets.UTF_8).strip();
    if (start.startsWith("{")) {
      return Format.JSON;
    }
    throw new KerasFormatException(
        file + " is not a Keras model file: expected HDF5 (.h5), a zip (.keras) or JSON");
  }

  /**
   * Loads a model: a Keras 2 full-model {@code .h5}, a Keras 3 {@code .keras} zip, or a JSON
   * architecture (fresh weights). The format is detected from the content.
   */
  public static KerasModel load(Path file) throws IOException {
    return switch (detect(file)) {
      case JSON -> fromJson(Files.readString(file));
      case HDF5 -> loadH5(file);
      case ZIP -> loadKeras(file);
    };
  }

  /**
   * Loads weights into {@code model}, as Keras' {@code load_weights}: a legacy {@code .h5} (a
   * {@code save_weights} file, or a full model whose weights are used) or a Keras 3 {@code
   * .weights.h5} / {@code .keras}. Layers with weights are matched in order; every shape is checked
   * before any weight is set.
   */
  public static void loadWeights(KerasModel model, Path file) throws IOException {
    List<float[]> weights;
    Format format = detect(file);
    if (format == Format.JSON) {
      throw new KerasFormatException(file + " is a JSON architecture, not a weights file");
    }
    if (format == Format.ZIP) {
      try (KerasModel other = loadKeras(file)) {
        weights = other.sequential().getWeights();
        checkSameShapes(model, other);
      }
    } else {
      try (HdfFile h5 = openHdf(file)) {
        Group group = h5;
        if (h5.getChild("model_weights") instanceof Group g) {
          group = g;
        }
        if (group.getAttribute("layer_names") != null) {
          weights =
              KerasWeights.readLegacy(
                  group, model.sequential().layers(), model.layerNames(), model.inputShape());
        } else {
          KerasModelConfig.Parsed parsed =
              KerasModelConfig.parse(MAPPER.readTree(toJson(model)), CODECS);
          weights =
              KerasWeights.readKeras3(
                  h5, parsed.kerasLayers(), parsed.layers(), parsed.inputShape());
        }
      } catch (KerasFormatException e) {
        throw e;
      } catch (RuntimeException e) {
        throw corrupt(file, e);
      }
    }
    model.sequential().setWeights(weights);
  }

  private static void checkSameShapes(KerasModel model, KerasModel other) {
    var a = model.sequential().weightShapes().values().stream().toList();
    var b = other.sequential().weightShapes().values().stream().toList();
    boolean same = a.size() == b.size();
    for (int i = 0; same && i < a.size(); i++) {
      same = java.util.Arrays.equals(a.get(i), b.get(i));
    }
    if (!same) {
      throw new KerasFormatException(
          "the weights file's model has weights of other shapes than this model: "
              + other.layerNames()
              + " vs "
              + model.layerNames());
    }
  }

  private static KerasModel loadH5(Path file) throws IOException {
    KerasModelConfig.Parsed parsed;
    List<float[]> weights;
    try (HdfFile h5 = openHdf(file)) {
      String config = KerasWeights.string(h5, "model_config");
      if (config == null) {
        if (h5.getAttribute("layer_names") != null) {
          throw new KerasFormatException(
              file
                  + " holds weights only (save_weights): load the architecture (JSON) and call"
                  + " loadWeights");
        }
        throw new KerasFormatException(file + " is HDF5 but has no Keras 'model_config'");
      }
      LOG.debug(
          "{}: Keras {} backend {}",
          file,
          KerasWeights.string(h5, "keras_version"),
          KerasWeights.string(h5, "backend"));
      parsed = KerasModelConfig.parse(readTree(config, file + " model_config"), CODECS);
      Node weightsNode = h5.getChild("model_weights");
      if (!(weightsNode instanceof Group weightsGroup)) {
        throw new KerasFormatException(file + " has a model_config but no model_weights group");
      }
      weights =
          KerasWeights.readLegacy(
              weightsGroup, parsed.layers(), parsed.layerNames(), parsed.inputShape());
    } catch (KerasFormatException e) {
      throw e;
    } catch (RuntimeException e) {
      throw corrupt(file, e);
    }
    return build(parsed, weights, null);
  }

  private static KerasModel loadKeras(Path file) throws IOException {
    byte[] config;
    byte[] weights;
    byte[] metadata;
    JsonNode checkpoint;
    try (ZipFile zip = new ZipFile(file.toFile())) {
      config = entry(zip, "config.json", file, true);
      weights = entry(zip, "model.weights.h5", file, true);
      metadata = entry(zip, "metadata.json", file, false);
      checkpoint = TrainingCheckpoint.state(zip);
    } catch (ZipException | java.io.EOFException e) {
      throw notAZip(file, e);
    }
    KerasModelConfig.Parsed parsed =
        KerasModelConfig.parse(
            readTree(new String(config, StandardCharsets.UTF_8), "config.json"), CODECS);
    PrivacyRecord privacy = null;
    if (metadata != null) {
      JsonNode meta = readTree(new String(metadata, StandardCharsets.UTF_8), "metadata.json");
      if (meta.has(PrivacyRecord.METADATA_KEY)) {
        privacy = PrivacyRecord.fromJson(meta.get(PrivacyRecord.METADATA_KEY));
      }
    }
    List<float[]> values;
    try (HdfFile h5 = HdfFile.fromBytes(weights)) {
      values =
          KerasWeights.readKeras3(h5, parsed.kerasLayers(), parsed.layers(), parsed.inputShape());
    } catch (KerasFormatException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new KerasFormatException(
          file + ": model.weights.h5 is not a readable HDF5 file: " + e.getMessage(), e);
    }
    KerasModel model = build(parsed, values, privacy);
    try {
      restorePrivacyLog(model, checkpoint, file);
      return model;
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /**
   * Gives the loaded model its training history, so that training it further composes the new steps
   * with the old: a checkpoint's ledger (exact, the same run), else the privacy record's.
   */
  private static void restorePrivacyLog(KerasModel model, JsonNode checkpoint, Path file) {
    PrivacyLog log = ModelPrivacy.of(model.sequential()).privacyLog();
    if (checkpoint != null) {
      TrainingCheckpoint.restoreLog(checkpoint, log);
    } else if (model.privacyRecord().isPresent()) {
      PrivacyRecord record = model.privacyRecord().get();
      log.restore(record.history());
      log.restoreDisjointDataEntries(
          record.disjointDataEntries().stream()
              .map(PrivacyRecord.DisjointDataEntry::history)
              .toList());
    }
    if (log.steps() > 0) {
      LOG.debug("{}: restored a privacy history of {} DP steps", file, log.steps());
    }
  }

  private static byte[] entry(ZipFile zip, String name, Path file, boolean required)
      throws IOException {
    ZipEntry e = zip.getEntry(name);
    if (e == null) {
      if (required) {
        throw new KerasFormatException(file + " has no " + name + " (not a Keras 3 .keras file)");
      }
      return null;
    }
    try (InputStream in = zip.getInputStream(e)) {
      byte[] bytes = in.readNBytes((int) MAX_ENTRY_BYTES + 1);
      if (bytes.length > MAX_ENTRY_BYTES) {
        throw new KerasFormatException(file + ": " + name + " is larger than 1 GiB");
      }
      if (e.getSize() >= 0 && bytes.length != e.getSize()) {
        throw new KerasFormatException(
            file
                + ": "
                + name
                + " is truncated ("
                + bytes.length
                + " of "
                + e.getSize()
                + " bytes)");
      }
      return bytes;
    } catch (ZipException | java.io.EOFException ex) {
      throw new KerasFormatException(
          file + ": " + name + " cannot be read: " + ex.getMessage(), ex);
    }
  }

  /**
   * Opens an HDF5 file from its bytes in memory: jhdf then slices every structure out of them,
   * where reading from the file would allocate a buffer of the size a (possibly damaged) header
   * claims, up to 2 GiB, before finding out that the file is shorter.
   */
  private static HdfFile openHdf(Path file) throws IOException {
    if (Files.size(file) > MAX_ENTRY_BYTES) {
      throw new KerasFormatException(file + " is larger than 1 GiB");
    }
    byte[] bytes = Files.readAllBytes(file);
    try {
      return HdfFile.fromBytes(bytes);
    } catch (RuntimeException e) {
      throw corrupt(file, e);
    }
  }

  /**
   * A zip that cannot be opened: {@link java.util.zip.ZipFile} throws an {@link
   * java.io.EOFException} without a message when the end of its central directory is cut off.
   */
  static KerasFormatException notAZip(Path file, IOException e) {
    String why =
        e.getMessage() == null ? "its end (the central directory) is cut off" : e.getMessage();
    return new KerasFormatException(file + " is not a readable zip archive: " + why, e);
  }

  private static KerasFormatException corrupt(Path file, RuntimeException e) {
    return new KerasFormatException(file + " is not a readable HDF5 file: " + e.getMessage(), e);
  }

  private static JsonNode readTree(String json, String what) {
    try {
      return MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new KerasFormatException(what + " is not valid JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** Compiles the parsed model and sets the weights; closes it if anything fails. */
  private static KerasModel build(
      KerasModelConfig.Parsed parsed, List<float[]> weights, PrivacyRecord privacy) {
    Sequential model = new Sequential(parsed.layers().toArray(Layer[]::new));
    model.setInputShape(parsed.inputShape());
    try {
      model.compile(new SGD(), new MeanSquaredError());
      if (weights != null) {
        model.setWeights(weights);
      }
      return new KerasModel(
          parsed.name(), model, parsed.layerNames(), parsed.inputShape(), privacy);
    } catch (IllegalArgumentException e) {
      model.close();
      if (e instanceof KerasFormatException k) {
        throw k;
      }
      throw new KerasFormatException("the model cannot be built: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /**
   * Writes {@code model} as a Keras 3 {@code .keras} zip: {@code metadata.json} (with the privacy
   * record, if any), {@code config.json} and {@code model.weights.h5} ({@code layers/<name>/vars/
   * <i>}). The file is written to a temporary sibling and moved into place.
   */
  public static void save(KerasModel model, Path file) throws IOException {
    Objects.requireNonNull(model, "model");
    byte[] config = toJson(model).getBytes(StandardCharsets.UTF_8);
    ObjectNode meta = MAPPER.createObjectNode();
    meta.put("keras_format", "3");
    meta.put("producer", PRODUCER);
    meta.put(
        "date_saved",
        LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd@HH:mm:ss")));
    model.privacyRecord().ifPresent(r -> meta.set(PrivacyRecord.METADATA_KEY, r.toJson()));
    byte[] metadata =
        MAPPER.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(meta);
    Path dir = file.toAbsolutePath().getParent();
    Path h5 = Files.createTempFile(dir, ".weights", ".h5");
    Path zipTmp = Files.createTempFile(dir, ".model", ".keras");
    try {
      Files.delete(h5);
      KerasWeights.writeKeras3(h5, model);
      byte[] weights = Files.readAllBytes(h5);
      try (OutputStream out = Files.newOutputStream(zipTmp);
          ZipOutputStream zip = new ZipOutputStream(out)) {
        stored(zip, "metadata.json", metadata);
        stored(zip, "config.json", config);
        stored(zip, "model.weights.h5", weights);
      }
      Files.move(zipTmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(h5);
      Files.deleteIfExists(zipTmp);
    }
  }

  /**
   * Writes {@code model} as a TensorFlow SavedModel (tag {@code serve}) whose {@code
   * serving_default} signature maps {@code inputs} ({@code [batch, inputShape...]}, float32) to
   * {@code outputs}, for TensorFlow Serving, Python TensorFlow and TF Java's {@code
   * SavedModelBundle}.
   *
   * @param dir a directory that does not exist yet, or is empty
   */
  public static void exportSavedModel(KerasModel model, Path dir) throws IOException {
    Objects.requireNonNull(model, "model");
    SavedModelExport.export(model, dir);
  }

  private static void stored(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
    ZipEntry e = new ZipEntry(name);
    e.setMethod(ZipEntry.STORED);
    e.setSize(bytes.length);
    e.setCompressedSize(bytes.length);
    CRC32 crc = new CRC32();
    crc.update(bytes);
    e.setCrc(crc.getValue());
    zip.putNextEntry(e);
    zip.write(bytes);
    zip.closeEntry();
  }

  static byte[] bytes(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    in.transferTo(out);
    return out.toByteArray();
  }
}
