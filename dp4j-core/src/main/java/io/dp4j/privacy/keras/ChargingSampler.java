package io.dp4j.privacy.keras;

import io.dp4j.data.BatchSampler;
import io.dp4j.data.SamplingMode;
import io.dp4j.ledger.RunCharge;
import java.util.AbstractList;
import java.util.List;
import java.util.OptionalLong;

/**
 * A sampler whose batches are charged to a ledger run as they are handed out: the engine cannot
 * obtain the batch of step s (and so cannot compute or release its noisy gradient) before {@link
 * RunCharge#recordSteps} has durably recorded s steps. An engine that took a whole epoch's batches
 * at once would be charged for all of them up front, which errs in the safe direction.
 */
final class ChargingSampler implements BatchSampler {
  private final BatchSampler delegate;
  private final RunCharge run;
  private long stepsHandedOut;
  private long epochStart;

  ChargingSampler(BatchSampler delegate, RunCharge run) {
    this.delegate = delegate;
    this.run = run;
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
        if (run != null && step > run.stepsCharged()) {
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
