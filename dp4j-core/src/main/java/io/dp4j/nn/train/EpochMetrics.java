package io.dp4j.nn.train;

import java.util.Map;

/**
 * The compiled metrics accumulated over the steps of one epoch, by {@link StepModel#trainOnBatch}.
 */
public interface EpochMetrics {
  /** Each compiled metric's value over the steps so far, keyed as in the history. */
  Map<String, Double> values();
}
