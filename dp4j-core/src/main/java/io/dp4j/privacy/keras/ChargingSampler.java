package io.dp4j.privacy.keras;

import io.dp4j.data.BatchSampler;
import io.dp4j.data.SamplingMode;
import io.dp4j.ledger.RunCharge;
import java.util.AbstractList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * A sampler whose batches are charged to a ledger run as they are handed out: the engine cannot
 * obtain the batch of step s (and so cannot compute or release its noisy gradient) before {@link
 * RunCharge#recordSteps} has durably recorded s steps. An engine that took a whole epoch's batches
 * at once would be charged for all of them up front, which errs in the safe direction.
 *
 * <p>A charging sampler always has a run to charge (the constructor refuses null); training that is
 * not charged to a ledger uses the plain sampler, so no sampler looks charged and charges nothing.
 *
 * <p><b>Coupling that remains.</b> The charge is a side effect of {@code List.get} on the epoch's
 * batch list. It is the before-step hook only because {@code Sequential.fit} fetches the batch of
 * step s with {@code batches.get(s)} right before running that step; the order holds because the
 * step needs the batch, not because {@code fit} promises it. An engine that called {@code get}
 * ahead of time would over-charge (safe); one that iterated the list by another path than {@code
 * get} (a copy, {@code toArray}) would not be charged at all. This goes away when the training loop
 * has an explicit before-step hook that the ledger charge is installed on (issue 17, item 3).
 */
final class ChargingSampler implements BatchSampler {
  private final BatchSampler delegate;
  private final RunCharge run;
  private long stepsHandedOut;
  private long epochStart;

  ChargingSampler(BatchSampler delegate, RunCharge run) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    this.run = Objects.requireNonNull(run, "run: a charging sampler needs a ledger run to charge");
  }

  @Override
  public List<int[]> nextEpoch() {
    List<int[]> batches = delegate.nextEpoch();
    epochStart = stepsHandedOut;
    long start = epochStart;
    stepsHandedOut += batches.size();
    return new AbstractList<>() {
      @Override
      public int[] get(int index) {
        int[] batch = batches.get(index);
        long step = start + index + 1;
        if (step > run.stepsCharged()) {
          run.recordSteps(step);
        }
        return batch;
      }

      @Override
      public int size() {
        return batches.size();
      }
    };
  }

  @Override
  public int stepsPerEpoch() {
    return delegate.stepsPerEpoch();
  }

  @Override
  public double samplingRate() {
    return delegate.samplingRate();
  }

  @Override
  public double expectedBatchSize() {
    return delegate.expectedBatchSize();
  }

  @Override
  public SamplingMode mode() {
    return delegate.mode();
  }

  @Override
  public boolean isPredictable() {
    return delegate.isPredictable();
  }

  @Override
  public OptionalLong seed() {
    return delegate.seed();
  }
}
