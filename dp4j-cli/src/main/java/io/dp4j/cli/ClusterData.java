package io.dp4j.cli;

import io.dp4j.data.Dataset;
import io.dp4j.io.keras.KerasModel;
import io.dp4j.io.keras.ModelIO;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.losses.InvalidLabelException;
import io.dp4j.privacy.DPKerasSGDOptimizer;
import io.dp4j.privacy.cluster.ClusterEngine;
import io.dp4j.privacy.cluster.ClusterTable;
import io.dp4j.privacy.cluster.ModelFactory;
import java.util.Locale;
import java.util.ServiceLoader;

/**
 * {@code train --master}: the training table opened on a cluster by the engine on the class path
 * (dp4j-spark's, which the {@code ./dp4j} launcher adds only when {@code --master} is given, so
 * that the plain command never loads Spark), checked against the model before anything trains.
 */
final class ClusterData {
  /** How to get the engine onto the class path, for the error without it. */
  static final String BUILD_HINT =
      "build the Spark jars with `mvn -B -q -DskipTests package -pl dp4j-spark -am` (they go to"
          + " dp4j-spark/target/dp4j-spark.jar and dp4j-spark/target/spark-lib/) and run ./dp4j,"
          + " which adds them when --master is given";

  private ClusterData() {}

  /** Whether {@code data} names a file a cluster engine reads (CSV or Parquet). */
  static boolean isTableFile(String data) {
    String name = data == null ? "" : data.toLowerCase(Locale.ROOT);
    return name.endsWith(".csv") || name.endsWith(".parquet");
  }

  /**
   * The engine on the class path that serves {@code master}.
   *
   * @throws IllegalArgumentException if there is none: the Spark jars are not on the class path, or
   *     the master is none of theirs
   */
  static ClusterEngine engine(String master) {
    return ClusterEngine.forMaster(master)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "--master "
                        + master
                        + (ServiceLoader.load(ClusterEngine.class).findFirst().isPresent()
                            ? ": not a master the cluster engines on the class path serve;"
                                + " Spark's are local, local[N], local[*], spark://HOST:PORT,"
                                + " yarn and k8s://..."
                            : ": no cluster engine on the class path serves it (Spark masters:"
                                + " local[N], spark://HOST:PORT); "
                                + BUILD_HINT)));
  }

  /**
   * Refuses a table whose rows do not hold the model's input, or whose labels the compiled model's
   * loss cannot take (checked on the smallest and largest label, and on whether all are whole; the
   * values are not shown: they may be private).
   */
  static void check(ClusterTable table, Sequential model, long[] inputShape, String data) {
    long per = 1;
    for (long d : inputShape) {
      per *= d;
    }
    if (table.width() != per) {
      throw new IllegalArgumentException(
          data
              + " has "
              + table.width()
              + " feature values a row, but the model takes inputs of shape "
              + KerasModel.kerasShape(inputShape)
              + " ("
              + per
              + " values)");
    }
    ClusterTable.Labels labels = table.labels();
    float[] probe =
        labels.notWhole() > 0
            ? new float[] {0.5f}
            : new float[] {(float) labels.min(), (float) labels.max()};
    try {
      model.checkLabels(
          new Dataset(new float[probe.length * (int) per], inputShape, probe, new long[0]));
    } catch (InvalidLabelException e) {
      throw new IllegalArgumentException(
          data
              + ": "
              + (labels.notWhole() > 0 ? labels.notWhole() + " labels are" : "a label is")
              + " not one the model can be trained on: the loss takes "
              + e.rule()
              + " (the values are not shown: they may be private)",
          e);
    }
  }

  /**
   * The model the workers compute clipped sums with: the driver's architecture (its Keras config),
   * its loss and clipping norm. The optimizer and σ act on the driver only, so the workers' model
   * compiles with plain DP-SGD.
   *
   * @param loss the loss by name and whether the model outputs logits, as the command builds it
   */
  record KerasJsonFactory(
      String kerasJson,
      double l2NormClip,
      double noiseMultiplier,
      TrainModelCommand.LossChoice loss,
      boolean fromLogits)
      implements ModelFactory {
    static KerasJsonFactory of(
        KerasModel model,
        double c,
        double sigma,
        TrainModelCommand.LossChoice loss,
        boolean fromLogits) {
      return new KerasJsonFactory(ModelIO.toJson(model), c, sigma, loss, fromLogits);
    }

    @Override
    public Sequential create() {
      Sequential model = ModelIO.fromJson(kerasJson).sequential();
      model.compile(
          new DPKerasSGDOptimizer(l2NormClip, noiseMultiplier, 0, 0.1f),
          TrainModelCommand.lossFunction(loss, fromLogits));
      return model;
    }
  }
}
