package io.dp4j.privacy.clipping;

import io.dp4j.nn.layers.AtrousConvolution;
import io.dp4j.nn.layers.Conv2D;
import java.util.List;
import java.util.function.UnaryOperator;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.math.Mean;
import org.tensorflow.op.train.BatchMatMul;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;

/**
 * Per-example clipping for {@link Conv2D}, exact.
 *
 * <p>An undilated convolution takes its filter-gradient norms, and for a kernel small enough its
 * per-unit filter gradients, from dp4j's native kernel ({@link NativeConvNorms}); its clipped sum
 * is their clip-weighted sum, or for a larger kernel one {@code Conv2DBackpropFilter} of the
 * clip-scaled output gradients. Without the native kernel it materializes each unit's filter
 * gradient ({@link Conv2DUnitGradients}) and bias gradient (G summed over positions): the norms are
 * their sums of squares and the clipped sum their clip-weighted sum ({@link MaterializedClipping}).
 * A dilated convolution takes its norms from input patches P ({@code ExtractImagePatches} with
 * {@code rates} equal to its dilation rates, {@code [m, kh·kw·c]}, m the output positions of its k
 * examples) and output gradients G ({@code [m, filters]}) as {@code ||PᵀG||²} ({@code
 * BatchMatMul}), and its clipped sum from one {@code Conv2DBackpropFilter} of the blocked,
 * undilated form of {@link AtrousConvolution}.
 *
 * <p>With {@link Conv2D#weightStandardization()} the layer trains the raw kernel V and convolves
 * with W = (V - μ)/s, s = sqrt(σ² + ε), per output channel over its K = kh·kw·c values. The map
 * from a gradient D with respect to W to the gradient with respect to V is, per channel, the linear
 * {@code (D - mean(D) - W·mean(D ⊙ W)) / s}, so each unit's exact V gradient is that map applied to
 * its materialized W gradient (as above, or from patches when dilated), whatever the kernel's size:
 * n·K·filters floats. Its clipped sum is the clip-weighted sum of those rows.
 */
public class Conv2DClippingRule implements ClippingRule<Conv2D> {
  private static final List<Long> NO_DILATION = List.of(1L, 1L, 1L, 1L);

  private final boolean nativeNorms;

  /** The rule with dp4j's native norm kernel when it is loaded ({@link NativeConvNorms}). */
  public Conv2DClippingRule() {
    this(NativeConvNorms.available());
  }

  /**
   * @param nativeNorms take an undilated layer's kernel-gradient norms from {@link NativeConvNorms}
   *     (which must be available) and its clipped sum from one {@code Conv2DBackpropFilter},
   *     instead of materializing per-unit gradients with TensorFlow ops
   */
  public Conv2DClippingRule(boolean nativeNorms) {
    if (nativeNorms && !NativeConvNorms.available()) {
      throw new IllegalStateException("dp4j's native convolution norms are not loaded");
    }
    this.nativeNorms = nativeNorms;
  }

  @Override
  public Operand<TFloat32> squaredNorms(
      Ops tf, Conv2D layer, Operand<TFloat32> a, Operand<TFloat32> g) {
    requireRawKernel(layer);
    return squaredNorms(
        tf,
        a,
        g,
        layer.kernelHeight(),
        layer.kernelWidth(),
        layer.stridesAttribute(),
        layer.dilationsAttribute(),
        layer.padding().tfName(),
        layer.useBias(),
        nativeNorms);
  }

  @Override
  public LayerClipping clipping(
      Ops tf,
      Conv2D layer,
      List<Operand<TFloat32>> params,
      Operand<TFloat32> a,
      Operand<TFloat32> g) {
    if (!layer.weightStandardization()) {
      return clipping(tf, layer, a, g);
    }
    return standardized(tf, layer, params.get(0), a, g);
  }

  /**
   * A weight-standardized layer's per-example gradients depend on its kernel, which only {@link
   * #clipping(Ops, Conv2D, List, Operand, Operand)} receives.
   */
  private static void requireRawKernel(Conv2D layer) {
    if (layer.weightStandardization()) {
      throw new IllegalArgumentException(
          "Conv2D with weightStandardization: its per-example gradients depend on the kernel's"
              + " values; clip it with clipping(tf, layer, params, a, g)");
    }
  }

  /** Clipping of a weight-standardized convolution with raw kernel {@code v}. */
  private static LayerClipping standardized(
      Ops tf, Conv2D layer, Operand<TFloat32> v, Operand<TFloat32> a, Operand<TFloat32> g) {
    long channels = a.shape().size(a.shape().numDimensions() - 1);
    long[] kernelShape = {layer.kernelHeight(), layer.kernelWidth(), channels, layer.filters()};
    Operand<TFloat32> d = unitKernelGradients(tf, layer, a, g); // [n, kh, kw, c, f]
    Conv2D.StandardizedKernel w = layer.standardize(tf, v);
    Operand<TInt32> axes = tf.constant(new int[] {1, 2, 3});
    Operand<TFloat32> meanD = tf.math.mean(d, axes, Mean.keepDims(true));
    Operand<TFloat32> meanDw = tf.math.mean(tf.math.mul(d, w.kernel()), axes, Mean.keepDims(true));
    Operand<TFloat32> dv =
        tf.math.mul(
            tf.math.sub(tf.math.sub(d, meanD), tf.math.mul(w.kernel(), meanDw)), w.inverseScale());
    Operand<TFloat32> rows =
        tf.reshape(
            dv,
            tf.constant(
                new long[] {-1, kernelShape[0] * kernelShape[1] * channels * kernelShape[3]}));
    UnaryOperator<Operand<TFloat32>> toKernel = sum -> tf.reshape(sum, tf.constant(kernelShape));
    if (!layer.useBias()) {
      return new MaterializedClipping(tf, List.of(rows), List.of(toKernel));
    }
    return new MaterializedClipping(
        tf, List.of(rows, biasGradients(tf, g)), List.of(toKernel, UnaryOperator.identity()));
  }

  /**
   * Each unit's gradient with respect to the kernel the layer convolves with: {@code [n, kh, kw, c,
   * f]}.
   */
  private static Operand<TFloat32> unitKernelGradients(
      Ops tf, Conv2D layer, Operand<TFloat32> a, Operand<TFloat32> g) {
    if (!layer.isDilated()) {
      Conv2DUnitGradients kernel =
          Conv2DUnitGradients.of(
              tf,
              a,
              g,
              layer.kernelHeight(),
              layer.kernelWidth(),
              layer.stridesAttribute(),
              layer.padding().tfName());
      return kernel.toUnitKernels().apply(kernel.perUnit());
    }
    long channels = a.shape().size(a.shape().numDimensions() - 1);
    return tf.reshape(
        patchGradients(
            tf,
            a,
            g,
            layer.kernelHeight(),
            layer.kernelWidth(),
            layer.stridesAttribute(),
            layer.dilationsAttribute(),
            layer.padding().tfName()),
        tf.constant(
            new long[] {-1, layer.kernelHeight(), layer.kernelWidth(), channels, layer.filters()}));
  }

  @Override
  public LayerClipping clipping(Ops tf, Conv2D layer, Operand<TFloat32> a, Operand<TFloat32> g) {
    requireRawKernel(layer);
    long channels = a.shape().size(a.shape().numDimensions() - 1);
    if (!layer.isDilated() && nativeNorms && NativeConvNorms.supports(a, g)) {
      return nativeClipping(
          tf,
          a,
          g,
          layer.kernelHeight(),
          layer.kernelWidth(),
          layer.filters(),
          layer.stridesAttribute(),
          layer.padding().tfName(),
          layer.useBias(),
          UnaryOperator.identity());
    }
    if (layer.isDilated()
        || !Conv2DUnitGradients.worthMaterializing(
            layer.kernelHeight(), layer.kernelWidth(), channels, layer.filters())) {
      return ClippingRule.super.clipping(tf, layer, a, g);
    }
    return materialized(
        tf,
        a,
        g,
        layer.kernelHeight(),
        layer.kernelWidth(),
        layer.stridesAttribute(),
        layer.padding().tfName(),
        layer.useBias(),
        UnaryOperator.identity());
  }

  /**
   * Clipping of an undilated 2-D convolution with {@link NativeConvNorms}: kernels small enough to
   * materialize ({@link Conv2DUnitGradients#worthMaterializing}) take their per-unit gradients from
   * the op with the norms, and their clipped sum is the clip-weighted sum of those same rows (one
   * pass of products, not two); larger ones take only the norms, and their clipped sum from one
   * {@code Conv2DBackpropFilter} of the clip-scaled output gradients.
   *
   * @param kernelShape from the {@code [kh, kw, c, filters]} kernel to the layer's own layout
   */
  static LayerClipping nativeClipping(
      Ops tf,
      Operand<TFloat32> a,
      Operand<TFloat32> g,
      int kernelHeight,
      int kernelWidth,
      int filters,
      List<Long> strides,
      String padding,
      boolean useBias,
      UnaryOperator<Operand<TFloat32>> kernelShape) {
    long channels = a.shape().size(a.shape().numDimensions() - 1);
    if (!Conv2DUnitGradients.worthMaterializing(kernelHeight, kernelWidth, channels, filters)) {
      Operand<TFloat64> kernelNorms =
          NativeConvNorms.unitGradients(
                  tf, a, g, kernelHeight, kernelWidth, strides, padding, false)
              .norms();
      return new LayerClipping() {
        @Override
        public Operand<TFloat32> squaredNorms() {
          Operand<TFloat64> norms = kernelNorms;
          if (useBias) {
            norms = tf.math.add(norms, GroupShapes.squaredNormPerUnit(tf, biasGradients(tf, g)));
          }
          return GroupShapes.toFloat32(tf, norms);
        }

        @Override
        public List<Operand<TFloat32>> clippedSum(Operand<TFloat32> factors) {
          List<Operand<TFloat32>> sums =
              Conv2DClippingRule.clippedSum(
                  tf,
                  a,
                  GroupShapes.scaleUnits(tf, g, factors),
                  kernelHeight,
                  kernelWidth,
                  filters,
                  strides,
                  padding,
                  useBias);
          List<Operand<TFloat32>> shaped = new java.util.ArrayList<>(sums);
          shaped.set(0, kernelShape.apply(sums.get(0)));
          return shaped;
        }
      };
    }
    NativeConvNorms.UnitGradients kernel =
        NativeConvNorms.unitGradients(tf, a, g, kernelHeight, kernelWidth, strides, padding, true);
    UnaryOperator<Operand<TFloat32>> toKernel =
        sum ->
            kernelShape.apply(
                tf.reshape(
                    sum, tf.constant(new long[] {kernelHeight, kernelWidth, channels, filters})));
    if (!useBias) {
      return new MaterializedClipping(
          tf, List.of(kernel.rows()), List.of(toKernel), List.of(kernel.norms()));
    }
    return new MaterializedClipping(
        tf,
        List.of(kernel.rows(), biasGradients(tf, g)),
        List.of(toKernel, UnaryOperator.identity()),
        java.util.Arrays.asList(kernel.norms(), null));
  }

  /**
   * Clipping of an undilated 2-D convolution from its materialized per-unit kernel (and bias)
   * gradients.
   *
   * @param a {@code [n, k, h, w, c]}
   * @param g {@code [n, k, h', w', filters]}
   * @param kernelShape from the {@code [kh, kw, c, filters]} kernel to the layer's own layout
   */
  static LayerClipping materialized(
      Ops tf,
      Operand<TFloat32> a,
      Operand<TFloat32> g,
      int kernelHeight,
      int kernelWidth,
      List<Long> strides,
      String padding,
      boolean useBias,
      UnaryOperator<Operand<TFloat32>> kernelShape) {
    Conv2DUnitGradients kernel =
        Conv2DUnitGradients.of(tf, a, g, kernelHeight, kernelWidth, strides, padding);
    UnaryOperator<Operand<TFloat32>> toKernel =
        sum -> kernelShape.apply(kernel.toKernel().apply(sum));
    if (!useBias) {
      return new MaterializedClipping(tf, List.of(kernel.perUnit()), List.of(toKernel));
    }
    return new MaterializedClipping(
        tf,
        List.of(kernel.perUnit(), biasGradients(tf, g)),
        List.of(toKernel, UnaryOperator.identity()));
  }

  /** {@code [n, filters]}: each unit's output gradients summed over its positions. */
  private static Operand<TFloat32> biasGradients(Ops tf, Operand<TFloat32> g) {
    return tf.sum(GroupShapes.toUnitRows(tf, g), tf.constant(1));
  }

  @Override
  public List<Operand<TFloat32>> clippedSum(
      Ops tf, Conv2D layer, Operand<TFloat32> a, Operand<TFloat32> scaledG) {
    requireRawKernel(layer);
    if (layer.isDilated()) {
      return dilatedClippedSum(tf, layer, a, scaledG);
    }
    return clippedSum(
        tf,
        a,
        scaledG,
        layer.kernelHeight(),
        layer.kernelWidth(),
        layer.filters(),
        layer.stridesAttribute(),
        layer.padding().tfName(),
        layer.useBias());
  }

  /**
   * The summed filter gradient of a dilated convolution: one {@code Conv2DBackpropFilter} of the
   * undilated, blocked convolution that {@link AtrousConvolution} computes, fed the blocked inputs
   * and the blocked scaled output gradients.
   */
  private static List<Operand<TFloat32>> dilatedClippedSum(
      Ops tf, Conv2D layer, Operand<TFloat32> a, Operand<TFloat32> scaledG) {
    Operand<TFloat32> images = GroupShapes.mergeUnits(tf, a);
    Operand<TFloat32> outputGrads = GroupShapes.mergeUnits(tf, scaledG);
    long[] shape = images.shape().asArray();
    AtrousConvolution atrous = new AtrousConvolution(shape[1], shape[2], layer);
    Operand<TFloat32> kernel =
        tf.nn.conv2dBackpropFilter(
            atrous.toBatch(tf, images),
            tf.constant(
                new int[] {
                  layer.kernelHeight(), layer.kernelWidth(), (int) shape[3], layer.filters()
                }),
            atrous.outputGradToBatch(tf, outputGrads),
            List.of(1L, 1L, 1L, 1L),
            "VALID");
    if (!layer.useBias()) {
      return List.of(kernel);
    }
    return List.of(kernel, GroupShapes.sumToLastAxis(tf, outputGrads));
  }

  /**
   * Per-unit squared norms of a 2-D convolution's filter (and bias) gradients.
   *
   * @param a {@code [n, k, h, w, c]}
   * @param g {@code [n, k, h', w', filters]}
   */
  static Operand<TFloat32> squaredNorms(
      Ops tf,
      Operand<TFloat32> a,
      Operand<TFloat32> g,
      int kernelHeight,
      int kernelWidth,
      List<Long> strides,
      String padding,
      boolean useBias,
      boolean nativeNorms) {
    return squaredNorms(
        tf, a, g, kernelHeight, kernelWidth, strides, NO_DILATION, padding, useBias, nativeNorms);
  }

  /**
   * As {@link #squaredNorms(Ops, Operand, Operand, int, int, List, String, boolean, boolean)} for a
   * convolution with dilations {@code [1, dh, dw, 1]}: the patches are then extracted with {@code
   * rates = dilations}, which yields exactly the input values each dilated kernel tap multiplies.
   */
  static Operand<TFloat32> squaredNorms(
      Ops tf,
      Operand<TFloat32> a,
      Operand<TFloat32> g,
      int kernelHeight,
      int kernelWidth,
      List<Long> strides,
      List<Long> dilations,
      String padding,
      boolean useBias,
      boolean nativeNorms) {
    Operand<TFloat64> norms;
    if (!NO_DILATION.equals(dilations)) {
      norms = patchFilterNorms(tf, a, g, kernelHeight, kernelWidth, strides, dilations, padding);
    } else if (nativeNorms && NativeConvNorms.supports(a, g)) {
      norms =
          NativeConvNorms.unitGradients(
                  tf, a, g, kernelHeight, kernelWidth, strides, padding, false)
              .norms();
    } else {
      norms =
          GroupShapes.squaredNormPerUnit(
              tf,
              Conv2DUnitGradients.of(tf, a, g, kernelHeight, kernelWidth, strides, padding)
                  .perUnit());
    }
    if (useBias) {
      norms = tf.math.add(norms, GroupShapes.squaredNormPerUnit(tf, biasGradients(tf, g)));
    }
    return GroupShapes.toFloat32(tf, norms);
  }

  /** Filter-gradient norms of a dilated convolution from patches: {@code ||PᵀG||²} per unit. */
  private static Operand<TFloat64> patchFilterNorms(
      Ops tf,
      Operand<TFloat32> a,
      Operand<TFloat32> g,
      int kernelHeight,
      int kernelWidth,
      List<Long> strides,
      List<Long> dilations,
      String padding) {
    return GroupShapes.squaredNormPerUnit(
        tf, patchGradients(tf, a, g, kernelHeight, kernelWidth, strides, dilations, padding));
  }

  /**
   * Each unit's filter gradient {@code PᵀG} ({@code [n, kh·kw·c, filters]}, the patch axis in the
   * kernel's {@code (kh, kw, c)} order) from patches extracted with {@code rates = dilations}.
   */
  private static Operand<TFloat32> patchGradients(
      Ops tf,
      Operand<TFloat32> a,
      Operand<TFloat32> g,
      int kernelHeight,
      int kernelWidth,
      List<Long> strides,
      List<Long> dilations,
      String padding) {
    Operand<TFloat32> images = GroupShapes.mergeUnits(tf, a);
    Operand<TFloat32> patches =
        tf.image.extractImagePatches(
            images,
            List.of(1L, (long) kernelHeight, (long) kernelWidth, 1L),
            strides,
            dilations,
            padding);
    Operand<TFloat32> rowsP = GroupShapes.unitRowsOfMerged(tf, a, patches);
    Operand<TFloat32> rowsG = GroupShapes.toUnitRows(tf, g);
    return tf.train.batchMatMul(rowsP, rowsG, TFloat32.class, BatchMatMul.adjX(true));
  }

  /** The summed filter (and bias) gradients of a 2-D convolution, kernel {@code [kh, kw, c, f]}. */
  static List<Operand<TFloat32>> clippedSum(
      Ops tf,
      Operand<TFloat32> a,
      Operand<TFloat32> scaledG,
      int kernelHeight,
      int kernelWidth,
      int filters,
      List<Long> strides,
      String padding,
      boolean useBias) {
    Operand<TFloat32> images = GroupShapes.mergeUnits(tf, a);
    Operand<TFloat32> outputGrads = GroupShapes.mergeUnits(tf, scaledG);
    long channels = images.shape().size(3);
    Operand<TFloat32> kernel =
        tf.nn.conv2dBackpropFilter(
            images,
            tf.constant(new int[] {kernelHeight, kernelWidth, (int) channels, filters}),
            outputGrads,
            strides,
            padding);
    if (!useBias) {
      return List.of(kernel);
    }
    return List.of(kernel, GroupShapes.sumToLastAxis(tf, outputGrads));
  }
}
