package io.dp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RecipeTest {
  @Test
  void theLargerLearningRateStartsAtItsTargetEpsilon() {
    for (Recipe recipe : Recipe.values()) {
      assertThat(recipe.largerStepLearningRate).isGreaterThan(recipe.learningRate);
      assertThat(recipe.learningRate(1.0)).isEqualTo(recipe.learningRate);
      assertThat(recipe.learningRate(Math.nextDown(Recipe.LARGER_STEP_FROM_EPSILON)))
          .isEqualTo(recipe.learningRate);
      assertThat(recipe.learningRate(Recipe.LARGER_STEP_FROM_EPSILON))
          .isEqualTo(recipe.largerStepLearningRate);
      assertThat(recipe.learningRate(8.0)).isEqualTo(recipe.largerStepLearningRate);
      // σ given instead of a target
      assertThat(recipe.learningRate(null)).isEqualTo(recipe.learningRate);
    }
  }
}
