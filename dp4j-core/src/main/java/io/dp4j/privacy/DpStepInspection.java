package io.dp4j.privacy;

import java.util.List;

/**
 * The intermediate values of one DP-SGD step, computed without updating the model ({@link
 * ModelPrivacy#inspectDpStep}).
 *
 * @param unitSquaredNorms each clipping unit's (example's or microbatch's) squared gradient norm
 * @param clippedSums per parameter, the sum of the clipped per-unit gradients (before noise)
 * @param noisyGradients per parameter, {@code (clippedSum + noise) / normalizer}: what the
 *     optimizer receives
 * @param normalizer the divisor used
 * @param microbatchOf for each example of the batch, the index of the clipping unit it belongs to
 *     (its own index when clipping per example; drawn at random for Poisson microbatches)
 * @param microbatchSize examples per clipping unit as accounted: 1 when clipping per example, b/M
 *     for fixed-size batches, (expected batch size)/M for Poisson batches
 */
public record DpStepInspection(
    float[] unitSquaredNorms,
    List<float[]> clippedSums,
    List<float[]> noisyGradients,
    double normalizer,
    int[] microbatchOf,
    double microbatchSize) {}
