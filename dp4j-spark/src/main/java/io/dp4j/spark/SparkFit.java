package io.dp4j.spark;

/**
 * What a {@link DpSparkTrainer#fit} ran.
 *
 * @param steps the steps taken
 * @param rows N, the table's rows (the sampling population)
 * @param partitions the partitions of the table each step ran on
 * @param samplingRate q
 * @param expectedBatchSize q·N, the normalizer of every step
 * @param timings where the time went
 */
public record SparkFit(
    long steps,
    long rows,
    int partitions,
    double samplingRate,
    double expectedBatchSize,
    SparkStepTimings timings) {}
