package io.dp4j.nn.train;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops training when a monitored metric has stopped improving, as Keras' {@code EarlyStopping}.
 *
 * <p>After each epoch the monitored value is compared with the best so far: it improves if it is
 * lower by more than {@code minDelta} (mode MIN) or higher by more than {@code minDelta} (mode
 * MAX). Each epoch without improvement counts; when {@code patience} such epochs have passed in a
 * row (and it is not the first epoch), the listener asks the model to stop, and with {@code
 * restoreBestWeights} restores the weights of the best epoch. As in Keras, weights are restored
 * only when training is stopped early, and an epoch whose metrics lack the monitored key is skipped
 * with a warning.
 *
 * <p>Under DP training the stopping epoch and the restored weights are part of what training
 * releases, so they may depend only on data DP need not protect: the training loss and metrics
 * (computed without noise on the private batches) and validation data not declared public would
 * leak past ε. A fit under DP therefore refuses, before its first step, an EarlyStopping whose
 * {@code monitor} is not a {@code val_} metric of validation data declared not private with {@link
 * io.dp4j.data.Dataset#declaredNotPrivate()}.
 *
 * <p>A listener holds state for one {@code fit} at a time; it is reset when a fit begins.
 */
public final class EarlyStopping implements TrainingListener {
  private static final Logger LOG = LoggerFactory.getLogger(EarlyStopping.class);

  /** Whether lower or higher values of the monitored metric are better. */
  public enum Mode {
    /** MAX for names ending in "accuracy", "acc" or "auc", else MIN (Keras' "auto"). */
    AUTO,
    /** Lower is better (losses). */
    MIN,
    /** Higher is better (accuracy). */
    MAX
  }

  private final String monitor;
  private final double minDelta;
  private final int patience;
  private final boolean maximize;
  private final double baseline;
  private final boolean restoreBestWeights;

  private TrainableModel model;
  private int wait;
  private double best;
  private int bestEpoch;
  private int stoppedEpoch = -1;
  private List<float[]> bestWeights;
  private boolean warnedMissing;

  /** Keras' defaults: monitor "val_loss", minDelta 0, patience 0, no restore. */
  public EarlyStopping() {
    this("val_loss", 0, 0, false);
  }

  /**
   * @param monitor the history key to watch, e.g. "val_loss", "val_accuracy", "loss"
   * @param patience epochs without improvement after which training stops
   */
  public EarlyStopping(String monitor, int patience) {
    this(monitor, 0, patience, false);
  }

  /**
   * @param monitor the history key to watch
   * @param minDelta the smallest change that counts as an improvement, &gt;= 0
   * @param patience epochs without improvement after which training stops, &gt;= 0
   * @param restoreBestWeights restore the best epoch's weights when stopping early
   */
  public EarlyStopping(String monitor, double minDelta, int patience, boolean restoreBestWeights) {
    this(monitor, minDelta, patience, Mode.AUTO, Double.NaN, restoreBestWeights);
  }

  /**
   * @param monitor the history key to watch
   * @param minDelta the smallest change that counts as an improvement (its sign is ignored)
   * @param patience epochs without improvement after which training stops, &gt;= 0
   * @param mode whether lower or higher is better
   * @param baseline a value the metric must improve on to reset the patience count, or NaN for none
   * @param restoreBestWeights restore the best epoch's weights when stopping early
   */
  public EarlyStopping(
      String monitor,
      double minDelta,
      int patience,
      Mode mode,
      double baseline,
      boolean restoreBestWeights) {
    this.monitor = Objects.requireNonNull(monitor, "monitor");
    if (patience < 0) {
      throw new IllegalArgumentException("patience must be >= 0, got " + patience);
    }
    if (!Double.isFinite(minDelta)) {
      throw new IllegalArgumentException("minDelta must be finite, got " + minDelta);
    }
    this.minDelta = Math.abs(minDelta);
    this.patience = patience;
    this.maximize =
        switch (Objects.requireNonNull(mode, "mode")) {
          case MIN -> false;
          case MAX -> true;
          case AUTO -> {
            String m = monitor.toLowerCase(Locale.ROOT);
            yield m.endsWith("accuracy") || m.endsWith("acc") || m.endsWith("auc");
          }
        };
    this.baseline = baseline;
    this.restoreBestWeights = restoreBestWeights;
  }

  public String monitor() {
    return monitor;
  }

  public int patience() {
    return patience;
  }

  public double minDelta() {
    return minDelta;
  }

  /** True if higher values of the monitored metric are better. */
  public boolean maximizes() {
    return maximize;
  }

  /** The epoch (0-based) at which training was stopped in the last fit, if it was. */
  public OptionalInt stoppedEpoch() {
    return stoppedEpoch < 0 ? OptionalInt.empty() : OptionalInt.of(stoppedEpoch);
  }

  /** The epoch (0-based) with the best monitored value so far. */
  public int bestEpoch() {
    return bestEpoch;
  }

  /** The best monitored value so far (±infinity before the first epoch). */
  public double best() {
    return best;
  }

  /**
   * @throws IllegalArgumentException under DP training, if {@code monitor} is not a {@code val_}
   *     metric or the validation data was not declared not private
   */
  @Override
  public void onTrainingBegin(TrainableModel model) {
    PrivateMonitorRule.require("EarlyStopping", monitor, model);
    this.model = model;
    wait = 0;
    best = maximize ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    bestEpoch = 0;
    stoppedEpoch = -1;
    bestWeights = null;
  }

  @Override
  public void onEpoch(EpochEvent event) {
    Double current = event.metrics().get(monitor);
    if (current == null) {
      if (!warnedMissing) {
        LOG.warn(
            "EarlyStopping: metric \"{}\" is not available (have {}); not stopping on it",
            monitor,
            event.metrics().keySet());
        warnedMissing = true;
      }
      return;
    }
    if (model == null) {
      throw new IllegalStateException("EarlyStopping used outside fit (no onTrainingBegin)");
    }
    if (restoreBestWeights && bestWeights == null) {
      bestWeights = model.getWeights();
    }
    wait++;
    if (isImprovement(current, best)) {
      best = current;
      bestEpoch = event.epoch();
      if (restoreBestWeights) {
        bestWeights = model.getWeights();
      }
      if (Double.isNaN(baseline) || isImprovement(current, baseline)) {
        wait = 0;
        return;
      }
    }
    if (wait >= patience && event.epoch() > 0) {
      stoppedEpoch = event.epoch();
      LOG.info(
          "EarlyStopping: {} did not improve for {} epochs; stopping after epoch {} (best {} at"
              + " epoch {})",
          monitor,
          wait,
          event.epoch() + 1,
          best,
          bestEpoch + 1);
      model.stopTraining();
      if (restoreBestWeights && bestWeights != null) {
        LOG.info("EarlyStopping: restoring the weights of epoch {}", bestEpoch + 1);
        model.setWeights(bestWeights);
      }
    }
  }

  @Override
  public void onTrainingEnd(TrainableModel model, History history) {
    this.model = null;
  }

  private boolean isImprovement(double value, double reference) {
    return maximize ? value - minDelta > reference : value + minDelta < reference;
  }
}
