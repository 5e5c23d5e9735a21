package io.dp4j.privacy;

import io.dp4j.nn.optimizers.Optimizer;
import io.dp4j.privacy.clipping.ClippingRegistry;
import java.util.Objects;
import org.tensorflow.Graph;

/**
 * An ordinary optimizer applied to DP-SGD gradients: compiled into a model, it installs its {@link
 * DpStep} as the step's gradient transform, which clips, noises and normalizes as {@link
 * DpSettings} says and hands the result to the wrapped optimizer's update. The TF Privacy names
 * ({@link DPKerasSGDOptimizer}, ...) and {@link io.dp4j.privacy.keras.PrivateKerasModel} are this
 * class with their own constructors.
 */
public class DpWrappedOptimizer implements DpOptimizer {
  private final Optimizer delegate;
  private final DpStep step;

  public DpWrappedOptimizer(DpSettings settings, Optimizer delegate) {
    Objects.requireNonNull(settings, "settings");
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    if (delegate.gradientTransform().isPresent()) {
      throw new IllegalArgumentException(
          "delegate "
              + delegate
              + " already transforms its gradients; wrap an ordinary optimizer (e.g. new SGD(lr))");
    }
    this.step = new DpStep(settings, getClass().getSimpleName());
  }

  /** TF Privacy's settings: normalize by the microbatch count, or by the batch size per example. */
  static DpSettings tfPrivacySettings(
      double l2NormClip, double noiseMultiplier, int numMicrobatches) {
    return new DpSettings(
        l2NormClip,
        noiseMultiplier,
        numMicrobatches,
        DpSettings.Normalization.MICROBATCHES_OR_BATCH_SIZE,
        ClippingRegistry.defaults());
  }

  @Override
  public DpSettings dpSettings() {
    return step.settings();
  }

  @Override
  public DpStep dpStep() {
    return step;
  }

  /** The optimizer that applies the DP gradients. */
  public Optimizer delegate() {
    return delegate;
  }

  @Override
  public float learningRate() {
    return delegate.learningRate();
  }

  @Override
  public org.tensorflow.framework.optimizers.Optimizer create(Graph graph) {
    return delegate.create(graph);
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "(" + step.settings() + ", " + delegate + ")";
  }
}
