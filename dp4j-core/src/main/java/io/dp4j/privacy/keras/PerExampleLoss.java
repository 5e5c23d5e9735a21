package io.dp4j.privacy.keras;

import io.dp4j.nn.losses.CategoricalCrossentropy;
import io.dp4j.nn.losses.Loss;
import io.dp4j.nn.losses.Reduction;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * A loss's per-example values with reduction NONE, as DP-SGD needs (Keras users pass reduced
 * losses; DP-SGD clips per example whatever the reduction says, as DPSequential does).
 */
record PerExampleLoss(Loss delegate) implements Loss {
  /** The loss itself if already unreduced, an equivalent unreduced loss otherwise. */
  static Loss of(Loss loss) {
    if (loss.reduction() == Reduction.NONE) {
      return loss;
    }
    if (loss instanceof SparseCategoricalCrossentropy sparse) {
      // the engine recognizes this type (its accuracy reads class ids)
      return new SparseCategoricalCrossentropy(sparse.fromLogits(), Reduction.NONE);
    }
    if (loss instanceof CategoricalCrossentropy categorical) {
      // the AUC metric ranks by z1 - z0 when a softmax loss reads logits
      return new CategoricalCrossentropy(categorical.fromLogits(), Reduction.NONE);
    }
    return new PerExampleLoss(loss);
  }

  @Override
  public Operand<TFloat32> perExample(
      Ops tf, Operand<TFloat32> labels, Operand<TFloat32> predictions) {
    return delegate.perExample(tf, labels, predictions);
  }

  @Override
  public Reduction reduction() {
    return Reduction.NONE;
  }
}
