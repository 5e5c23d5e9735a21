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
  private long epochStart = System.nanoTime();

  EpochLines(PrintWriter log, int epochs, int stepsPerEpoch) {
    this.log = log;
    this.epochs = epochs;
    this.stepsPerEpoch = stepsPerEpoch;
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
                "Epoch %d/%d - %d steps - %.0fs %.0fms/step - loss: %.4f",
                event.epoch() + 1,
                epochs,
                stepsPerEpoch,
                seconds,
                1000 * seconds / stepsPerEpoch,
                m.get("loss")));
    if (m.containsKey(Metric.ACCURACY.key())) {
      line.append(String.format(Locale.ROOT, " - accuracy: %.4f", m.get(Metric.ACCURACY.key())));
    }
    if (m.containsKey(Metric.AUC.key())) {
      line.append(String.format(Locale.ROOT, " - auc: %.4f", m.get(Metric.AUC.key())));
    }
    if (event.epsilon().isPresent()) {
      line.append(String.format(Locale.ROOT, " - epsilon: %.3f", event.epsilon().getAsDouble()));
    }
    log.println(line);
    log.flush();
  }
}
