package io.dp4j.nn.train;

import io.dp4j.data.BatchSampler;
import io.dp4j.data.Dataset;
import io.dp4j.nn.losses.InvalidLabelException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * The training loop (DJL's {@code Trainer}; Keras' {@code fit} is {@link
 * io.dp4j.nn.Sequential#fit}, a one-line convenience over it): epochs of the sampler's batches, one
 * {@link StepModel#trainOnBatch} per batch, with explicit hooks around every step, the model's
 * listeners, validation after every epoch and the history.
 *
 * <p>Each step runs, in this order: every before-step hook; the step itself (one {@code
 * Session.run}); the check that the weights are finite; every after-step hook; the listeners'
 * {@link TrainingListener#onTrainingBatch}. A before-step hook that throws ends the fit before the
 * step computes anything: that is where a privacy-budget ledger records step s before the noisy
 * gradient of step s exists.
 *
 * <p>Batches are gathered from {@link StepModel#trainingData} of the data: a {@link
 * io.dp4j.nn.Sequential} whose first layers are a fixed front end ({@link FrozenFrontEnd}) trains
 * on their output, computed once, with the same result. {@link StepModel#endFit} runs when the
 * steps are over, before the listeners' {@link TrainingListener#onTrainingEnd} (a model with {@link
 * ParameterAveraging} then takes its averaged weights).
 */
public final class Trainer {
  private final StepModel model;
  private final List<StepHook> before = new ArrayList<>();
  private final List<StepHook> after = new ArrayList<>();

  /** A trainer of {@code model}, which must be compiled. */
  public Trainer(StepModel model) {
    this.model = Objects.requireNonNull(model, "model");
  }

  /** Adds a hook run before every step's {@code Session.run}, in the order added. */
  public Trainer beforeEachStep(StepHook hook) {
    before.add(Objects.requireNonNull(hook, "hook"));
    return this;
  }

  /** Adds a hook run after every step (and its weights check), in the order added. */
  public Trainer afterEachStep(StepHook hook) {
    after.add(Objects.requireNonNull(hook, "hook"));
    return this;
  }

  /**
   * Trains for up to {@code epochs} epochs, one step per batch of {@code sampler}, evaluating
   * {@code validationData} (if not null) after every epoch into {@code val_loss} and {@code val_}
   * plus each metric's key. Listeners see {@link TrainingListener#onTrainingBegin} first and {@link
   * TrainingListener#onTrainingEnd} last; training ends early when {@link StepModel#stopTraining()}
   * is called (by a listener such as {@link EarlyStopping}), after the current step.
   *
   * <p>Under DP training, only the model is protected: the training loss and metrics in the history
   * and in {@link BatchEvent}s are computed without noise on the private batches (as in TF Privacy
   * and Opacus), so they are not covered by the reported ε. Publish metrics of held-out data
   * instead.
   *
   * @param validationData held-out examples, or null for none; not protected or accounted for by DP
   *     training
   * @return the loss and metrics of every epoch run (and ε when the step reports one)
   * @throws InvalidLabelException before the first step, for a label the loss cannot take
   * @throws IllegalArgumentException if the model has no trainable parameters, {@code epochs} is
   *     negative, or the validation data is empty or shaped unlike the training data
   * @throws NonFiniteWeightsException when a weight becomes NaN or infinite after a step, naming it
   */
  public History fit(Dataset data, BatchSampler sampler, int epochs, Dataset validationData) {
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(sampler, "sampler");
    if (epochs < 0) {
      throw new IllegalArgumentException("epochs must be >= 0, got " + epochs);
    }
    if (validationData != null
        && !Arrays.equals(validationData.exampleShape(), data.exampleShape())) {
      throw new IllegalArgumentException(
          "validation examples have shape "
              + Arrays.toString(validationData.exampleShape())
              + ", training examples "
              + Arrays.toString(data.exampleShape()));
    }
    if (validationData != null && validationData.size() == 0) {
      throw new IllegalArgumentException(
          "validationData is empty; pass null to train without validation, or at least one"
              + " example");
    }
    model.beginFit(data, validationData);
    Dataset examples = model.trainingData(data);
    List<TrainingListener> listeners = model.listeners();
    History history = new History();
    try {
      listeners.forEach(l -> l.onTrainingBegin(model));
      runEpochs(examples, sampler, epochs, validationData, history);
    } finally {
      model.endFit();
    }
    listeners.forEach(l -> l.onTrainingEnd(model, history));
    return history;
  }

  private void runEpochs(
      Dataset data, BatchSampler sampler, int epochs, Dataset validationData, History history) {
    List<TrainingListener> listeners = model.listeners();
    long stepOfFit = 0;
    for (int epoch = 0; epoch < epochs && !model.stopRequested(); epoch++) {
      double lossSum = 0;
      EpochMetrics accumulated = model.newEpochMetrics();
      long examples = 0;
      List<int[]> batches = sampler.nextEpoch();
      for (int step = 0; step < batches.size() && !model.stopRequested(); step++) {
        int[] indices = batches.get(step);
        StepContext context =
            new StepContext(epoch, step, stepOfFit++, model.steps(), indices.length);
        for (StepHook hook : before) {
          hook.onStep(context);
        }
        Dataset batch = data.gather(indices);
        StepResult result = model.trainOnBatch(batch, sampler, accumulated);
        // Checked on the weights, never on the loss: under DP a private example whose loss is not
        // finite contributes zero to the step, so stopping on the training loss would reveal that
        // the example was sampled. The weights after every step are covered by the DP guarantee
        // already; testing them is post-processing.
        if (!result.weightsFinite()) {
          throw new NonFiniteWeightsException(model.steps(), epoch, step);
        }
        for (StepHook hook : after) {
          hook.onStep(context);
        }
        lossSum += result.lossSum();
        examples += batch.size();
        for (TrainingListener listener : listeners) {
          listener.onTrainingBatch(
              new BatchEvent(
                  epoch,
                  step,
                  batch.size(),
                  batch.size() == 0 ? Double.NaN : result.lossSum() / batch.size()));
        }
      }
      Map<String, Double> metrics = new LinkedHashMap<>();
      metrics.put("loss", examples == 0 ? Double.NaN : lossSum / examples);
      metrics.putAll(accumulated.values());
      OptionalDouble epsilon = model.epsilon();
      epsilon.ifPresent(e -> metrics.put("epsilon", e));
      if (validationData != null) {
        model.evaluate(validationData).forEach((k, v) -> metrics.put("val_" + k, v));
      }
      history.addEpoch(metrics);
      EpochEvent event = new EpochEvent(epoch, metrics, epsilon, model.steps());
      listeners.forEach(l -> l.onEpoch(event));
    }
  }
}
