package io.dp4j.privacy.keras;

import io.dp4j.accounting.DpEvent;
import io.dp4j.data.BatchSampler;
import io.dp4j.data.Dataset;
import io.dp4j.ledger.BudgetExceededException;
import io.dp4j.ledger.RunCharge;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.train.History;
import io.dp4j.nn.train.Trainer;
import io.dp4j.privacy.ModelPrivacy;
import io.dp4j.privacy.PlanEngine;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DP training charged to a ledger dataset: the run, planned at {@code epochs · stepsPerEpoch} steps
 * of the model's step event, is admitted or refused before the first step; a {@link Trainer} with a
 * before-step hook ({@link LedgerStepCharge}) records each step before it runs; the run is
 * finished, or, if training throws, ended as interrupted and charged the steps it took.
 */
public final class LedgerFit {
  private static final Logger LOG = LoggerFactory.getLogger(LedgerFit.class);

  private LedgerFit() {}

  /** A charged run's history and its id in the ledger. */
  public record ChargedRun(History history, long runId) {}

  /**
   * Trains {@code model} (compiled for DP training) on {@code data} for {@code epochs}, charging
   * {@code charge}.
   *
   * @throws BudgetExceededException if the planned run does not fit in the dataset's remaining
   *     budget (nothing is trained or charged)
   */
  public static ChargedRun fit(
      Sequential model, Dataset data, BatchSampler sampler, int epochs, LedgerCharge charge) {
    Objects.requireNonNull(data, "data");
    return fit(
        model,
        sampler,
        epochs,
        charge,
        (m, s, e, hook) -> new Trainer(m).beforeEachStep(hook).fit(data, s, e, null));
  }

  /**
   * Trains {@code model} (compiled for DP training) with {@code engine} (a cluster's, which draws
   * its own batches at {@code sampler}'s rate) for {@code epochs}, charging {@code charge}: the
   * engine runs the charging hook on this JVM before each step, with the step counted over the
   * whole run.
   *
   * @throws BudgetExceededException if the planned run does not fit in the dataset's remaining
   *     budget (nothing is trained or charged)
   */
  public static ChargedRun fit(
      Sequential model, BatchSampler sampler, int epochs, LedgerCharge charge, PlanEngine engine) {
    Objects.requireNonNull(charge, "charge");
    Objects.requireNonNull(engine, "engine");
    if (epochs < 1) {
      throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
    }
    chargeReleases(model, charge);
    long planned = (long) epochs * sampler.stepsPerEpoch();
    DpEvent step = ModelPrivacy.of(model).plannedStepEvent(sampler);
    try (RunCharge run =
        charge.ledger().startRun(charge.dataset(), charge.who(), charge.what(), step, planned)) {
      History history = engine.fit(model, sampler, epochs, new LedgerStepCharge(run));
      run.finish();
      LOG.info(
          "ledger dataset '{}': run {} finished, {} steps", charge.dataset(), run.id(), planned);
      return new ChargedRun(history, run.id());
    }
  }

  /**
   * Charges the statistics released from the data before training and not yet charged ({@link
   * io.dp4j.privacy.PrivacyLog#recordFullDataRelease}), each as its own one-step run, before the
   * training run is admitted: the ledger then composes them with it.
   */
  private static void chargeReleases(Sequential model, LedgerCharge charge) {
    io.dp4j.privacy.PrivacyLog log = ModelPrivacy.of(model).privacyLog();
    for (DpEvent release : log.unchargedReleases()) {
      try (RunCharge run =
          charge
              .ledger()
              .startRun(
                  charge.dataset(),
                  charge.who(),
                  charge.what() + ": a statistic released before training",
                  release,
                  1)) {
        run.finish(1);
        LOG.info(
            "ledger dataset '{}': run {} charged a statistic released before training",
            charge.dataset(),
            run.id());
      }
    }
    log.markReleasesCharged();
  }
}
