package io.dp4j.privacy.clipping;

import io.dp4j.nn.layers.Conv1D;
import java.util.List;
import java.util.function.UnaryOperator;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Per-example clipping for {@link Conv1D}: the {@link Conv2DClippingRule} computation on inputs of
 * height 1 (exact).
 */
public class Conv1DClippingRule implements ClippingRule<Conv1D> {
  private final boolean nativeNorms;

  /** The rule with dp4j's native norm kernel when it is loaded ({@link NativeConvNorms}). */
  public Conv1DClippingRule() {
    this(NativeConvNorms.available());
  }

  /**
   * @param nativeNorms as {@link Conv2DClippingRule#Conv2DClippingRule(boolean)}
   */
  public Conv1DClippingRule(boolean nativeNorms) {
    if (nativeNorms && !NativeConvNorms.available()) {
      throw new IllegalStateException("dp4j's native convolution norms are not loaded");
    }
    this.nativeNorms = nativeNorms;
  }

  @Override
  public Operand<TFloat32> squaredNorms(
      Ops tf, Conv1D layer, Operand<TFloat32> a, Operand<TFloat32> g) {
    return Conv2DClippingRule.squaredNorms(
        tf,
        heightOne(tf, a),
        heightOne(tf, g),
        1,
        layer.kernelSize(),
        layer.stridesAttribute(),
        layer.padding().tfName(),
        true,
        nativeNorms);
  }

  @Override
  public List<Operand<TFloat32>> clippedSum(
      Ops tf, Conv1D layer, Operand<TFloat32> a, Operand<TFloat32> scaledG) {
    List<Operand<TFloat32>> sums =
        Conv2DClippingRule.clippedSum(
            tf,
            heightOne(tf, a),
            heightOne(tf, scaledG),
            1,
            layer.kernelSize(),
            layer.filters(),
            layer.stridesAttribute(),
            layer.padding().tfName(),
            true);
    long channels = a.shape().size(a.shape().numDimensions() - 1);
    Operand<TFloat32> kernel =
        tf.reshape(
            sums.get(0), tf.constant(new long[] {layer.kernelSize(), channels, layer.filters()}));
    return List.of(kernel, sums.get(1));
  }

  /**
   * Without the native norms, the per-unit kernel gradients are materialized once and shared by the
   * norms and the sum.
   */
  @Override
  public LayerClipping clipping(Ops tf, Conv1D layer, Operand<TFloat32> a, Operand<TFloat32> g) {
    long channels = a.shape().size(a.shape().numDimensions() - 1);
    Operand<TFloat32> images = heightOne(tf, a);
    Operand<TFloat32> outputGrads = heightOne(tf, g);
    UnaryOperator<Operand<TFloat32>> kernelShape =
        kernel ->
            tf.reshape(
                kernel, tf.constant(new long[] {layer.kernelSize(), channels, layer.filters()}));
    if (nativeNorms && NativeConvNorms.supports(images, outputGrads)) {
      return Conv2DClippingRule.nativeClipping(
          tf,
          images,
          outputGrads,
          1,
          layer.kernelSize(),
          layer.filters(),
          layer.stridesAttribute(),
          layer.padding().tfName(),
          true,
          kernelShape);
    }
    if (!Conv2DUnitGradients.worthMaterializing(1, layer.kernelSize(), channels, layer.filters())) {
      return ClippingRule.super.clipping(tf, layer, a, g);
    }
    return Conv2DClippingRule.materialized(
        tf,
        images,
        outputGrads,
        1,
        layer.kernelSize(),
        layer.stridesAttribute(),
        layer.padding().tfName(),
        true,
        kernelShape);
  }

  /** {@code [n, k, t, c]} to {@code [n, k, 1, t, c]}. */
  private static Operand<TFloat32> heightOne(Ops tf, Operand<TFloat32> x) {
    return tf.expandDims(x, tf.constant(2));
  }
}
