package io.dp4j.privacy;

import java.security.DrbgParameters;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.function.Consumer;

/**
 * Standard normal noise drawn in Java from a byte source, for the secure noise mode ({@code
 * NoiseSource#useSecureNoise()}).
 *
 * <p>Each value is the sum of four independent standard normals divided by 2 (again standard
 * normal), as Opacus's {@code secure_mode} does. A single floating-point Gaussian sample leaves
 * gaps and irregularities in its least significant bits that can reveal the unnoised value (Mironov
 * 2012, "On significance of the least significant bits for differential privacy", CCS); summing
 * several independent samples smooths the distribution of those bits. This is a mitigation, not a
 * proof: an exact discrete or snapped mechanism is not implemented. Each normal is computed in
 * double precision by Box–Muller from 53-bit uniforms in (0, 1], and the result is rounded to float
 * once.
 *
 * <p>The bytes come from {@link #secure()}: a {@link SecureRandom} of the JDK's {@code DRBG}
 * algorithm (NIST SP 800-90A Hash_DRBG with SHA-256, instantiated at 256-bit security strength and
 * seeded from the operating system's entropy), about four times faster in bulk than the default
 * {@code NativePRNG} on Linux (1.6 against 7 ms for the 0.8 MB a 26k-parameter step needs). A
 * seeded generator is used only with the fixed test seed.
 */
public final class SecureGaussianNoise {
  /** Standard normals summed per output value. */
  public static final int DRAWS_PER_VALUE = 4;

  private static final int BYTES_PER_VALUE = DRAWS_PER_VALUE * Long.BYTES;
  private static final double TWO_PI = 2 * Math.PI;

  private final Consumer<byte[]> bytes;

  /**
   * @param bytes fills an array with random bytes, e.g. {@code secureRandom::nextBytes}
   */
  public SecureGaussianNoise(Consumer<byte[]> bytes) {
    this.bytes = java.util.Objects.requireNonNull(bytes, "bytes");
  }

  /** A generator on a freshly instantiated 256-bit DRBG {@link SecureRandom}. */
  public static SecureGaussianNoise secure() {
    SecureRandom random;
    try {
      random =
          SecureRandom.getInstance(
              "DRBG",
              DrbgParameters.instantiation(256, DrbgParameters.Capability.RESEED_ONLY, null));
    } catch (NoSuchAlgorithmException e) {
      random = new SecureRandom();
    }
    return new SecureGaussianNoise(random::nextBytes);
  }

  /** A new array of {@code n} standard normal values. */
  public float[] next(int n) {
    float[] out = new float[n];
    fill(out);
    return out;
  }

  /** Fills {@code out} with standard normal values. */
  public void fill(float[] out) {
    byte[] b = new byte[Math.multiplyExact(out.length, BYTES_PER_VALUE)];
    bytes.accept(b);
    int pos = 0;
    for (int i = 0; i < out.length; i++) {
      double sum = 0;
      for (int pair = 0; pair < DRAWS_PER_VALUE / 2; pair++) {
        double u1 = uniform(b, pos);
        double u2 = uniform(b, pos + Long.BYTES);
        pos += 2 * Long.BYTES;
        double r = Math.sqrt(-2 * Math.log(u1));
        double angle = TWO_PI * u2;
        sum += r * Math.cos(angle) + r * Math.sin(angle);
      }
      out[i] = (float) (sum / Math.sqrt(DRAWS_PER_VALUE));
    }
    java.util.Arrays.fill(b, (byte) 0);
  }

  /** A uniform double in (0, 1] from the 8 bytes at {@code pos}. */
  private static double uniform(byte[] b, int pos) {
    long v = 0;
    for (int j = 0; j < Long.BYTES; j++) {
      v = (v << 8) | (b[pos + j] & 0xFFL);
    }
    return ((v >>> 11) + 1) * 0x1.0p-53;
  }
}
