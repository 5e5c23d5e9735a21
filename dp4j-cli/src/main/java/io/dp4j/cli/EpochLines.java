package io.dp4j.cli;

import io.dp4j.nn.train.EpochEvent;
import io.dp4j.nn.train.Metric;
import io.dp4j.nn.train.TrainingListener;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;

/**
 * Keras-style epoch lines with ε: {@code Epoch 1/3 - 240 steps - 4s 15ms/step - loss: ... [not
 * covered by DP] - epsilon: ...}. The loss and metrics are computed without noise on the private
 * training batches, so every line marks them as outside ε, and the first line says why.
 */
final class EpochLines implements TrainingListener {
  /** The mark after the training figures of every line. */
  static final String NOT_DP = "[not covered by DP]";

  /** Printed once before the first epoch line. */
  static final String NOT_DP_NOTE =
      "Loss and metrics marked "
          + NOT_DP
          + " are computed without noise on the private training batches: epsilon does not"
          + " cover them, so do not publish them.";

  private final PrintWriter log;
  private final int epochs;
  private final int stepsPerEpoch;
  private final long stepsBefore;
  private long epochStart = System.nanoTime();
  private boolean noted;

  EpochLines(PrintWriter log, int epochs, int stepsPerEpoch) {
    this(log, epochs, stepsPerEpoch, 0);
  }

  /**
   * @param stepsBefore steps the model took before this run (resumed from a checkpoint): when
   *     positive, each line also gives the model's steps in all
   */
  EpochLines(PrintWriter log, int epochs, int stepsPerEpoch, long stepsBefore) {
    this.log = log;
    this.epochs = epochs;
    this.stepsPerEpoch = stepsPerEpoch;
    this.stepsBefore = stepsBefore;
  }

  /** "1 epoch", "3 epochs". */
  static String epochs(int n) {
    return n + (n == 1 ? " epoch" : " epochs");
  }

  @Override
  public void onEpoch(EpochEvent event) {
    long now = System.nanoTime();
    double seconds = (now - epochStart) / 1e9;
    epochStart = now;
    Map<String, Double> m = event.metrics();
    StringBuilder line =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "Epoch %d/%d - %d steps%s - %.0fs %.0fms/step - loss: %.4f",
                event.epoch() + 1,
                epochs,
                stepsPerEpoch,
                stepsBefore > 0 ? " (" + event.steps() + " in all)" : "",
                seconds,
                1000 * seconds / stepsPerEpoch,
                m.get("loss")));
    for (Metric metric : Metric.values()) {
      if (m.containsKey(metric.key())) {
        line.append(String.format(Locale.ROOT, " - %s: %.4f", metric.key(), m.get(metric.key())));
      }
    }
    line.append(' ').append(NOT_DP);
    if (event.epsilon().isPresent()) {
      line.append(String.format(Locale.ROOT, " - epsilon: %.3f", event.epsilon().getAsDouble()));
    }
    if (!noted) {
      log.println(NOT_DP_NOTE);
      noted = true;
    }
    log.println(line);
    log.flush();
  }
}
