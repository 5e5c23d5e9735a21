package io.dp4j.accounting;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The default δ is at most 1/(10n), a power of ten; a δ of 1/n or more is warned about. */
class DeltaDefaultTest {
  @Test
  void theDefaultIsThePowerOfTenAtMostATenthOfOneOverN() {
    // n = 1000 gave δ = 1e-3 = 1/n before
    assertThat(DeltaDefault.forExamples(1000)).isEqualTo(1e-4);
    assertThat(DeltaDefault.forExamples(60000)).isEqualTo(1e-6);
    assertThat(DeltaDefault.forExamples(1)).isEqualTo(0.1);
    for (long n = 1; n <= 2_000_000; n = n * 3 + 1) {
      double d = DeltaDefault.forExamples(n);
      assertThat(d).as("n=%d", n).isLessThanOrEqualTo(1.0 / (10.0 * n));
      // the largest such power of ten: ten times it is above 1/(10n)
      assertThat(10 * d).as("n=%d", n).isGreaterThan(1.0 / (10.0 * n));
      double exponent = Math.log10(d);
      assertThat(exponent)
          .isCloseTo(Math.rint(exponent), org.assertj.core.data.Offset.offset(1e-12));
      assertThat(DeltaDefault.isTooLarge(d, n)).isFalse();
    }
    for (long n : new long[] {10, 100, 1000, 10_000, 100_000}) {
      assertThat(DeltaDefault.forExamples(n))
          .as("n=%d", n)
          .isEqualTo(0.1 / n, org.assertj.core.data.Offset.offset(1e-20 / n));
    }
  }

  @Test
  void warnsWhenDeltaIsOneOverNOrMore() {
    assertThat(DeltaDefault.warning(1e-3, 1000)).isPresent();
    assertThat(DeltaDefault.warning(1e-3, 1000).orElseThrow())
        .contains("delta = 0.001")
        .contains("1/n")
        .contains("1.0E-4");
    assertThat(DeltaDefault.warning(2e-3, 1000)).isPresent();
    assertThat(DeltaDefault.warning(9e-4, 1000)).isEmpty();
    assertThat(DeltaDefault.warning(1e-5, 60000)).isEmpty();
    // out of range is the validator's error, not a warning
    assertThat(DeltaDefault.warning(1.5, 1000)).isEmpty();
    assertThat(DeltaDefault.warning(Double.NaN, 1000)).isEmpty();
  }
}
