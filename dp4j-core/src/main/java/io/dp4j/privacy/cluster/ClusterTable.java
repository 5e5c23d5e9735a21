package io.dp4j.privacy.cluster;

import io.dp4j.privacy.PlanEngine;
import java.util.function.IntConsumer;

/**
 * A table opened on a cluster for DP-SGD: its size and shape, read by the cluster, and the {@link
 * PlanEngine} that trains on it. Closing it ends the connection to the cluster.
 */
public interface ClusterTable extends AutoCloseable {
  /** The name of the engine that opened it, e.g. {@code spark}. */
  String engine();

  /** N: the rows, the population every step samples from. */
  long rows();

  /** The feature values of a row. */
  int width();

  /** The partitions every step runs on. */
  int partitions();

  /** The smallest and the largest label, and the labels that are not whole numbers. */
  Labels labels();

  /**
   * The engine that trains on this table, every step on a Poisson sample of all its rows.
   *
   * @param factory builds the model on the cluster's workers (its weights are the driver's)
   * @param afterEpoch run in this JVM after each epoch, with the epochs done (a checkpoint)
   */
  PlanEngine engine(ModelFactory factory, IntConsumer afterEpoch);

  @Override
  void close();

  /**
   * What the label column holds, without its values.
   *
   * @param min the smallest label
   * @param max the largest label
   * @param notWhole the rows whose label is not a whole number
   */
  record Labels(double min, double max, long notWhole) {}
}
