package io.dp4j.privacy;

import io.dp4j.accounting.PrivacyAccountant;
import io.dp4j.accounting.RdpAccountant;
import java.util.function.Supplier;

/**
 * What DP training keeps with a model across compiles ({@link io.dp4j.nn.Sequential#modelState}):
 * the privacy log of its weights, how ε is reported, and the randomness of its steps. Reached
 * through {@link ModelPrivacy#of}.
 */
final class PrivacyState implements AutoCloseable {
  final PrivacyLog log = new PrivacyLog();
  final NoiseSource noise = new NoiseSource();
  volatile Supplier<? extends PrivacyAccountant> accountants = RdpAccountant::new;
  volatile Double targetDelta;

  /** Gradient canaries the next compiled DP step inserts (audits only), or null. */
  volatile GradientCanaries canaries;

  /** A deliberate bug of the next compiled DP step (package tests only, see StepFault), or null. */
  volatile StepFault fault;

  @Override
  public void close() {
    noise.close();
  }
}
