package io.dp4j.spark;

import io.dp4j.nn.Sequential;
import java.io.Serializable;

/**
 * Builds the model to train, compiled for DP training (a {@code DPKeras*Optimizer} or {@code
 * DPSequential}, clipping per example), on the driver and on every executor. Executors keep the
 * models they build per JVM, keyed by the factory: implementations must be serializable and have
 * value equality ({@code equals}/{@code hashCode}), as a record of the model's configuration does.
 */
@FunctionalInterface
public interface ModelFactory extends Serializable {
  /** A new compiled model; its weights are replaced by the driver's before every use. */
  Sequential create();
}
