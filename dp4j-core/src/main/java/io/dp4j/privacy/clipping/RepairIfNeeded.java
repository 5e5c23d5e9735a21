package io.dp4j.privacy.clipping;

import java.util.List;
import java.util.function.UnaryOperator;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.SwitchCond;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;

/**
 * A tensor passed through untouched when a scalar test says it needs no repair, and repaired
 * otherwise, with only the branch taken running ({@code Switch} and {@code Merge}).
 *
 * <p>Why: dropping non-finite examples and units takes a full-size {@code SelectV2} per tensor
 * (about 1 ms of the tutorial CNN's DP step, a tenth of the CIFAR CNN's), and nearly every step has
 * nothing to drop. The repair is exactly the one that would run unconditionally, so the result is
 * the same value either way.
 */
public final class RepairIfNeeded {
  private RepairIfNeeded() {}

  /**
   * {@code x} if {@code clean} (a scalar) holds, else {@code repair(x)}.
   *
   * @param repair must keep x's shape
   */
  public static Operand<TFloat32> apply(
      Ops tf, Operand<TBool> clean, Operand<TFloat32> x, UnaryOperator<Operand<TFloat32>> repair) {
    SwitchCond<TFloat32> branch = tf.switchCond(x, clean);
    Operand<TFloat32> repaired = repair.apply(branch.outputFalse());
    @SuppressWarnings("unchecked")
    Operand<TFloat32> merged =
        (Operand<TFloat32>) tf.merge(List.of(repaired, branch.outputTrue())).output();
    return tf.ensureShape(merged, x.shape());
  }
}
