package io.dp4j.spark;

/**
 * Where a Spark fit's time went, summed over its steps, in nanoseconds.
 *
 * @param broadcast creating the weights' broadcast on the driver
 * @param job the sampling-and-clipped-sum job: scheduling, task launch, shipping the weights,
 *     executor work and the tree aggregation, as the driver waits for it
 * @param compute the executors' clipped-sum graph runs, summed over tasks (tasks run in parallel,
 *     so this can exceed {@code job})
 * @param update the driver's step: privacy record, noise, normalization, optimizer update
 */
public record SparkStepTimings(long broadcast, long job, long compute, long update) {}
