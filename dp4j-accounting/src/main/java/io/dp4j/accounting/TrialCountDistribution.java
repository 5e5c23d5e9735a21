package io.dp4j.accounting;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.random.RandomGenerator;

/**
 * The law of the random number K of trials in private hyperparameter tuning (Papernot and Steinke
 * 2022, "Hyperparameter Tuning with Renyi Differential Privacy", arXiv:2110.03620): a truncated
 * negative binomial (their Definition 1 and Theorem 2) or a Poisson (their Theorem 6).
 *
 * <p>K must be drawn independently of the data and kept secret: the bound of {@link
 * RepeatAndSelectDpEvent} covers releasing the best trial only, and it rests on the randomness of
 * K. With K known, best-of-K leaks up to K times one trial.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(
      value = TruncatedNegativeBinomialTrials.class,
      name = "truncated_negative_binomial"),
  @JsonSubTypes.Type(value = PoissonTrials.class, name = "poisson")
})
public sealed interface TrialCountDistribution
    permits TruncatedNegativeBinomialTrials, PoissonTrials {

  /** E[K]. */
  double mean();

  /** P[K = k]. */
  double probability(long k);

  /**
   * Draws K. Callers that run a private search pass a {@link java.security.SecureRandom}.
   *
   * @param random the source of randomness
   * @return K &gt;= 0 (&gt;= 1 for the truncated negative binomial)
   */
  long sample(RandomGenerator random);
}
