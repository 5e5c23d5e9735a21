package io.dp4j.cli;

import io.dp4j.nn.train.EpochEvent;
import io.dp4j.nn.train.Metric;
import io.dp4j.nn.train.TrainingListener;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;

/** Keras-style epoch lines with ε: {@code Epoch 1/3 - 240 steps - 4s 15ms/step - loss: ...}. */
final class EpochLines implements TrainingListener {
  private final PrintWriter log;
  private final int epochs;
  private final int stepsPerEpoch;
  private final long stepsBefore;
  private long epochStart = System.nanoTime();

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
    if (event.epsilon().isPresent()) {
      line.append(String.format(Locale.ROOT, " - epsilon: %.3f", event.epsilon().getAsDouble()));
    }
    log.println(line);
    log.flush();
  }
}
