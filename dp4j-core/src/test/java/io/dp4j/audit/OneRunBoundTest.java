package io.dp4j.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * The one-run bound against the authors' code (Steinke, Nasr and Jagielski 2023, the p-value and
 * bisection with scipy.stats.binom, run in float64 by tools/reference/one_run_bound.py).
 */
class OneRunBoundTest {

  /**
   * The bisection stops within 6·2^-30 ≈ 6e-9 of the threshold (bracket at most 6 wide here), and
   * the two float64 binomial evaluations differ by ~1e-13 relative, so 1e-6 is generous.
   */
  @Test
  void lowerBoundsMatchTheAuthorsCode() {
    assertThat(OneRunBound.epsilonLowerBound(1000, 600, 600, 1e-5, 0.95))
        .isCloseTo(5.270399462431669, within(1e-6));
    assertThat(OneRunBound.epsilonLowerBound(100, 100, 100, 1e-5, 0.95))
        .isCloseTo(3.490215953439474, within(1e-6));
    assertThat(OneRunBound.epsilonLowerBound(1000, 100, 80, 1e-5, 0.95))
        .isCloseTo(0.9553185347467661, within(1e-6));
    assertThat(OneRunBound.epsilonLowerBound(1000, 200, 170, 0.0, 0.95))
        .isCloseTo(1.3994040805846453, within(1e-6));
    assertThat(OneRunBound.epsilonLowerBound(1000, 100, 50, 1e-5, 0.95)).isZero();
  }

  @Test
  void pValuesMatchTheAuthorsCode() {
    assertThat(OneRunBound.pValue(1000, 600, 600, 1.0, 1e-5))
        .isCloseTo(1.0692857674655728e-4, within(1e-12));
    assertThat(OneRunBound.pValue(1000, 100, 80, 1.0, 1e-5))
        .isCloseTo(0.07300911594917776, within(1e-12));
    assertThat(OneRunBound.pValue(20000, 200, 150, 1.0, 1e-5))
        .isCloseTo(0.32788338192043137, within(1e-12));
  }

  @Test
  void refusesImpossibleCounts() {
    assertThatThrownBy(() -> OneRunBound.epsilonLowerBound(10, 20, 5, 1e-5, 0.95))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("guesses 20");
    assertThatThrownBy(() -> OneRunBound.epsilonLowerBound(10, 4, 2, 1e-5, 1.5))
        .hasMessageContaining("confidence");
  }
}
