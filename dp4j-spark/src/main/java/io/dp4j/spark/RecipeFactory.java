package io.dp4j.spark;

import io.dp4j.nn.Sequential;
import io.dp4j.privacy.cluster.ModelRecipe;

/** A {@link ModelRecipe} as a {@link ModelFactory}: the same model, the recipe's equality. */
record RecipeFactory(ModelRecipe recipe) implements ModelFactory {
  @Override
  public Sequential create() {
    return recipe.build();
  }
}
