package io.dp4j.cli;

import io.dp4j.nn.optimizers.SGD;
import io.dp4j.nn.optimizers.schedules.ConstantLearningRate;
import io.dp4j.nn.optimizers.schedules.CosineDecay;
import io.dp4j.nn.optimizers.schedules.ExponentialDecay;
import io.dp4j.nn.optimizers.schedules.LearningRateSchedule;
import io.dp4j.nn.optimizers.schedules.LinearWarmup;
import picocli.CommandLine.Option;

/**
 * {@code --momentum M --nesterov --lr-schedule ... --warmup-steps N} for SGD. They change how the
 * noisy gradients are applied, not what is released about the data: post-processing, so epsilon
 * does not depend on them.
 */
final class OptimizerScheduleOptions {
  static final String SCHEDULE_SYNTAX =
      "constant, step:EPOCHS:FACTOR (multiply the rate by FACTOR every EPOCHS epochs, e.g."
          + " step:10:0.1) or cosine[:FINAL] (cosine decay to FINAL times the rate, default 0, over"
          + " the run's steps)";

  @Option(
      names = "--momentum",
      paramLabel = "M",
      converter = NumberOptions.Fraction.class,
      description = "SGD momentum in [0, 1) (default 0).")
  Double momentum;

  @Option(
      names = "--nesterov",
      description = "Nesterov momentum (Sutskever et al. 2013); needs --momentum > 0.")
  boolean nesterov;

  @Option(
      names = "--lr-schedule",
      paramLabel = "SCHEDULE",
      description = "The learning rate per step: " + SCHEDULE_SYNTAX + ". Default: constant.")
  String schedule;

  @Option(
      names = "--warmup-steps",
      paramLabel = "N",
      converter = NumberOptions.NonNegativeLong.class,
      description =
          "Raise the learning rate linearly over the first N steps, then follow --lr-schedule"
              + " (default 0).")
  Long warmupSteps;

  /** Whether any of these options was given (they apply to --optimizer sgd only). */
  boolean given() {
    return momentum != null || nesterov || schedule != null || warmupSteps != null;
  }

  /** Refuses what the options cannot mean, before anything runs. */
  void validate(String optimizer) {
    if (given() && !"sgd".equals(optimizer)) {
      throw new IllegalArgumentException(
          "--momentum, --nesterov, --lr-schedule and --warmup-steps apply to --optimizer sgd, not "
              + optimizer);
    }
    if (nesterov && (momentum == null || momentum == 0)) {
      throw new IllegalArgumentException("--nesterov needs --momentum > 0, e.g. --momentum 0.9");
    }
    if (schedule != null) {
      parse(schedule, 0.1, 1, 1);
    }
  }

  /**
   * The SGD these options describe at learning rate {@code lr}.
   *
   * @param stepsPerEpoch (expected) steps per epoch, for step:EPOCHS:FACTOR
   * @param runSteps the steps the schedule spans: this run's, with those before a checkpoint
   */
  SGD sgd(float lr, int stepsPerEpoch, long runSteps) {
    float m = momentum == null ? 0f : momentum.floatValue();
    long warmup = warmupSteps == null ? 0 : warmupSteps;
    if ((schedule == null || schedule.equals("constant")) && warmup == 0) {
      return new SGD(lr, m, nesterov);
    }
    LearningRateSchedule s =
        parse(
            schedule == null ? "constant" : schedule,
            lr,
            stepsPerEpoch,
            Math.max(1, runSteps - warmup));
    return new SGD(warmup > 0 ? new LinearWarmup(s, warmup) : s, m, nesterov);
  }

  /**
   * @param decaySteps the steps cosine decays over
   * @throws IllegalArgumentException naming --lr-schedule and its syntax
   */
  static LearningRateSchedule parse(String text, double lr, int stepsPerEpoch, long decaySteps) {
    String[] parts = text.trim().split(":", -1);
    try {
      switch (parts[0]) {
        case "constant":
          if (parts.length == 1) {
            return new ConstantLearningRate(lr);
          }
          break;
        case "step":
          if (parts.length == 3) {
            double epochs = Double.parseDouble(parts[1]);
            double factor = Double.parseDouble(parts[2]);
            if (!(epochs > 0) || !(factor > 0 && factor <= 1)) {
              throw new IllegalArgumentException(
                  "--lr-schedule step:EPOCHS:FACTOR needs EPOCHS > 0 and FACTOR in (0, 1], got \""
                      + text
                      + "\"");
            }
            long every = Math.max(1, Math.round(epochs * stepsPerEpoch));
            return new ExponentialDecay(lr, every, factor, true);
          }
          break;
        case "cosine":
          if (parts.length <= 2) {
            double fin = parts.length == 2 ? Double.parseDouble(parts[1]) : 0;
            if (!(fin >= 0 && fin <= 1)) {
              throw new IllegalArgumentException(
                  "--lr-schedule cosine:FINAL needs FINAL in [0, 1], got \"" + text + "\"");
            }
            return new CosineDecay(lr, decaySteps, fin);
          }
          break;
        default:
          break;
      }
    } catch (NumberFormatException e) {
      // falls through to the syntax
    }
    throw new IllegalArgumentException(
        "--lr-schedule must be " + SCHEDULE_SYNTAX + "; got \"" + text + "\"");
  }
}
