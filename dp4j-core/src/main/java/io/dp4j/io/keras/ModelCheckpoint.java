package io.dp4j.io.keras;

import io.dp4j.nn.train.EarlyStopping;
import io.dp4j.nn.train.EpochEvent;
import io.dp4j.nn.train.PrivateMonitorRule;
import io.dp4j.nn.train.TrainableModel;
import io.dp4j.nn.train.TrainingListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Saves the model after every epoch, or only when a monitored metric improves, as Keras' {@code
 * ModelCheckpoint}. Files are {@link TrainingCheckpoint}s: {@code .keras} archives that also hold
 * the privacy ledger, so training can resume from them. A {@code {epoch}} in the file name is
 * replaced by the 1-based epoch number.
 */
public final class ModelCheckpoint implements TrainingListener {
  private static final Logger LOG = LoggerFactory.getLogger(ModelCheckpoint.class);

  private final KerasModel model;
  private final String filePattern;
  private final String monitor;
  private final boolean saveBestOnly;
  private final boolean maximize;
  private double best;
  private Path lastSaved;

  /** Saves after every epoch. */
  public ModelCheckpoint(KerasModel model, Path file) {
    this(model, file, "val_loss", false, EarlyStopping.Mode.AUTO);
  }

  /**
   * @param model the model being trained, wrapped for export ({@link KerasModel#of})
   * @param file where to write, possibly with {@code {epoch}}
   * @param monitor the history key compared when {@code saveBestOnly}
   * @param saveBestOnly save only epochs whose monitored value beats every earlier one
   * @param mode whether lower or higher is better; AUTO as {@link EarlyStopping}
   */
  public ModelCheckpoint(
      KerasModel model, Path file, String monitor, boolean saveBestOnly, EarlyStopping.Mode mode) {
    this.model = Objects.requireNonNull(model, "model");
    this.filePattern = Objects.requireNonNull(file, "file").toString();
    this.monitor = Objects.requireNonNull(monitor, "monitor");
    this.saveBestOnly = saveBestOnly;
    this.maximize = new EarlyStopping(monitor, 0, 0, mode, Double.NaN, false).maximizes();
    this.best = maximize ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
  }

  /** The file written last, if any. */
  public Optional<Path> lastSaved() {
    return Optional.ofNullable(lastSaved);
  }

  /** The best monitored value seen so far (±infinity before any). */
  public double best() {
    return best;
  }

  @Override
  public void onTrainingBegin(TrainableModel trained) {
    if (saveBestOnly) {
      PrivateMonitorRule.require("ModelCheckpoint(saveBestOnly)", monitor, trained);
    }
    if (trained != model.sequential()) {
      LOG.warn("ModelCheckpoint is attached to a model other than the one it saves");
    }
  }

  @Override
  public void onEpoch(EpochEvent event) {
    if (saveBestOnly) {
      Double current = event.metrics().get(monitor);
      if (current == null) {
        LOG.warn(
            "ModelCheckpoint: metric \"{}\" is not available (have {}); not saving",
            monitor,
            event.metrics().keySet());
        return;
      }
      boolean better = maximize ? current > best : current < best;
      if (!better) {
        return;
      }
      best = current;
    }
    Path file =
        Path.of(
            filePattern.replace("{epoch}", String.format(Locale.ROOT, "%d", event.epoch() + 1)));
    try {
      TrainingCheckpoint.save(model, file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write checkpoint " + file, e);
    }
    lastSaved = file;
    LOG.info("epoch {}: saved {}", event.epoch() + 1, file);
  }
}
