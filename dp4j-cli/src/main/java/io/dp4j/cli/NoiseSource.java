package io.dp4j.cli;

import io.dp4j.nn.Sequential;
import io.dp4j.privacy.ModelPrivacy;
import picocli.CommandLine.Option;

/** {@code --secure-noise} for the training commands, and how a report names the noise source. */
final class NoiseSource {
  @Option(
      names = "--secure-noise",
      description =
          "Draw the DP noise in Java on a CSPRNG (SecureRandom DRBG) and feed it each step,"
              + " instead of in-graph from a SecureRandom seed (slower).")
  boolean secure;

  /** Puts {@code model} in secure noise mode when {@code --secure-noise} was given. */
  void apply(Sequential model) {
    if (secure) {
      ModelPrivacy.of(model).noiseSource().useSecureNoise();
    }
  }

  static String describe(boolean secureNoise) {
    return secureNoise
        ? "secure mode: drawn in Java on a CSPRNG (SecureRandom DRBG), sum of 4 Gaussians / 2"
        : "in-graph Philox normal, seeded from SecureRandom each step";
  }
}
