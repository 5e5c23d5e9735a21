package io.dp4j.nn.layers;

import java.util.Arrays;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * A 1-D convolution over {@code [steps, channels]} inputs, kernel {@code [kernelSize, channels,
 * filters]} (Keras' {@code Conv1D}), computed as a 2-D convolution of height 1.
 */
public final class Conv1D extends ParametricLayer {
  private final int filters;
  private final int kernelSize;
  private final int strides;
  private final Padding padding;

  public Conv1D(int filters, int kernelSize, ActivationFunction activation) {
    this(null, filters, kernelSize, 1, Padding.VALID, activation);
  }

  /**
   * @param inputShape {@code [steps, channels]} for a first layer, or null
   */
  public Conv1D(
      long[] inputShape,
      int filters,
      int kernelSize,
      int strides,
      Padding padding,
      ActivationFunction activation) {
    super(null, inputShape, activation);
    requirePositive("filters", filters);
    requirePositive("kernelSize", kernelSize);
    requirePositive("strides", strides);
    this.filters = filters;
    this.kernelSize = kernelSize;
    this.strides = strides;
    this.padding = padding == null ? Padding.VALID : padding;
  }

  public int filters() {
    return filters;
  }

  public int kernelSize() {
    return kernelSize;
  }

  public int strides() {
    return strides;
  }

  public Padding padding() {
    return padding;
  }

  /**
   * The strides attribute of the equivalent 2-D convolution: the row stride equals the column
   * stride, which changes nothing on inputs and kernels of height 1 but lets the clipping rules'
   * depthwise convolutions run on TensorFlow's non-oneDNN CPU kernels, which refuse unequal
   * strides.
   */
  public List<Long> stridesAttribute() {
    return List.of(1L, (long) strides, (long) strides, 1L);
  }

  @Override
  public long[] outputShape(long[] inputShape) {
    if (inputShape.length != 2) {
      throw new IllegalArgumentException(
          "Conv1D needs inputs [steps, channels], got " + Arrays.toString(inputShape));
    }
    long t = padding.outputSize(inputShape[0], kernelSize, strides);
    if (t <= 0) {
      throw new IllegalArgumentException(
          "Conv1D kernel "
              + kernelSize
              + " is larger than its input "
              + Arrays.toString(inputShape));
    }
    return new long[] {t, filters};
  }

  @Override
  public List<ParameterSpec> parameters(long[] inputShape) {
    long channels = inputShape[1];
    return List.of(
        new ParameterSpec(
            "kernel",
            new long[] {kernelSize, channels, filters},
            ParameterSpec.Initializer.GLOROT_UNIFORM,
            kernelSize * channels,
            (long) kernelSize * filters),
        new ParameterSpec(
            "bias", new long[] {filters}, ParameterSpec.Initializer.ZEROS, channels, filters));
  }

  @Override
  public Operand<TFloat32> preActivation(
      Ops tf, Operand<TFloat32> input, List<Operand<TFloat32>> params) {
    long[] in = input.shape().asArray();
    Operand<TFloat32> images = tf.expandDims(input, tf.constant(1));
    long[] k = params.get(0).shape().asArray();
    Operand<TFloat32> kernel =
        tf.reshape(params.get(0), tf.constant(new long[] {1, k[0], k[1], k[2]}));
    Operand<TFloat32> z = tf.nn.conv2d(images, kernel, stridesAttribute(), padding.tfName());
    long t = padding.outputSize(in[1], kernelSize, strides);
    z = tf.reshape(z, tf.constant(new long[] {-1, t, filters}));
    return tf.nn.biasAdd(z, params.get(1));
  }
}
