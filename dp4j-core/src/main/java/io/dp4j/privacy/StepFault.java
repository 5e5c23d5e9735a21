package io.dp4j.privacy;

/**
 * Deliberate bugs in the DP step, for tests that show an audit catches them (issue 14, part 3).
 *
 * <p>Unreachable from the public API and the command: the enum, {@link PrivacyState#fault} and
 * every read of it are package-private, and no public method or CLI option sets the field. Only
 * code compiled into {@code io.dp4j.privacy} itself, which is this module's test sources, can set
 * it (before the model is compiled); the library never does.
 */
enum StepFault {
  /** Clip factors of 1: per-example gradients enter the sum at whatever norm they have. */
  SKIP_CLIPPING,
  /** Noise N(0, (0.1σC)²) instead of N(0, (σC)²). */
  NOISE_SCALED_BY_0_1,
  /** The first step's noise seed for every step: one noise draw added again and again. */
  REUSED_NOISE,
  /** Every sampled example fed twice in its step, each copy clipped on its own (sensitivity 2C). */
  EXAMPLES_SAMPLED_TWICE;

  /** The factor on the noise standard deviation σC. */
  double noiseScale() {
    return this == NOISE_SCALED_BY_0_1 ? 0.1 : 1;
  }
}
