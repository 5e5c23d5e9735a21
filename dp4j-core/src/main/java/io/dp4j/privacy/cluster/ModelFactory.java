package io.dp4j.privacy.cluster;

import io.dp4j.nn.Sequential;
import java.io.Serializable;

/**
 * Builds the model a cluster trains, compiled for DP training with per-example clipping (a {@code
 * DPKeras*Optimizer} or {@code DPSequential}), on the driver and on every worker. Workers keep the
 * models they build per factory, so a factory is serializable and has value equality ({@code
 * equals}/{@code hashCode}), as a record of the model's configuration does.
 */
@FunctionalInterface
public interface ModelFactory extends Serializable {
  /** A new compiled model; its weights are replaced by the driver's before every use. */
  Sequential create();
}
