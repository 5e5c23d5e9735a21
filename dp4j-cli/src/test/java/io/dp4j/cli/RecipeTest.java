package io.dp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RecipeTest {
  @Test
  void theReleasesNoiseShrinksAsTheTargetGrows() {
    assertThat(Recipe.whiteningNoiseMultiplier(3.0)).isEqualTo(8);
    assertThat(Recipe.whiteningNoiseMultiplier(1.0)).isEqualTo(24);
    assertThat(Recipe.whiteningNoiseMultiplier(8.0)).isEqualTo(3);
    // σ given instead of a target
    assertThat(Recipe.whiteningNoiseMultiplier(null)).isEqualTo(8);
  }
}
