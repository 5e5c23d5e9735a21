/**
 * Data-parallel DP-SGD on Apache Spark tables: every partition clips and sums its Poisson-sampled
 * rows with the single-machine DP step's own graph, the sums are aggregated, and the noise, the
 * normalization, the privacy record and the update happen once per step on the driver.
 */
package io.dp4j.spark;
