package io.dp4j.nn.layers;

import java.util.Arrays;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.math.Mean;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * A 2-D convolution over {@code [height, width, channels]} inputs (channels last), kernel {@code
 * [kh, kw, channels, filters]}, as Keras' {@code Conv2D}, with Keras' {@code strides}, {@code
 * padding} and {@code dilation_rate} (an atrous convolution: kernel taps {@code dilation} pixels
 * apart, covering {@code dilation·(k - 1) + 1} pixels; as in Keras, strides must then be 1). A
 * dilated convolution is computed as {@link AtrousConvolution}, whose graph gradients are exact.
 *
 * <p>dp4j-only option {@code weightStandardization} (Qiao et al. 2019, "Micro-Batch Training with
 * Batch-Channel Normalization and Weight Standardization"; with group normalization, the recipe of
 * De et al. 2022 for DP-SGD): the trainable kernel V is standardized per output channel before it
 * is used, {@code W = (V - mean(V)) / sqrt(var(V) + ε)}, mean and (biased) variance over the
 * kernel's {@code kh·kw·channels} values, ε = {@value #WEIGHT_STANDARDIZATION_EPSILON}. That is
 * timm's {@code StdConv2d} (the form and ε of the common implementation); De et al.'s jax_privacy
 * {@code WSConv2D} also divides by sqrt(kh·kw·channels), adds a learned gain and floors that scaled
 * variance at 1e-4 instead of adding ε (a floor of 1e-6 on the variance for a 3x3x11 kernel).
 * Keras' Conv2D has no such option, so a model using it cannot be exported.
 */
public final class Conv2D extends ParametricLayer {
  private final int filters;
  private final int kernelHeight;
  private final int kernelWidth;
  private final int strideHeight;
  private final int strideWidth;
  private final int dilationHeight;
  private final int dilationWidth;
  private final Padding padding;
  private final boolean useBias;
  private final boolean weightStandardization;

  /** ε added to the kernel's per-filter variance by {@code weightStandardization}. */
  public static final float WEIGHT_STANDARDIZATION_EPSILON = 1e-6f;

  /**
   * {@code Conv2D(filters, kernelSize, strides, padding, activation)} with square kernel/strides.
   */
  public Conv2D(
      int filters, int kernelSize, int strides, Padding padding, ActivationFunction activation) {
    this(
        null,
        null,
        filters,
        kernelSize,
        kernelSize,
        strides,
        strides,
        1,
        1,
        padding,
        activation,
        true,
        false);
  }

  private Conv2D(
      String name,
      long[] inputShape,
      int filters,
      int kernelHeight,
      int kernelWidth,
      int strideHeight,
      int strideWidth,
      int dilationHeight,
      int dilationWidth,
      Padding padding,
      ActivationFunction activation,
      boolean useBias,
      boolean weightStandardization) {
    super(name, inputShape, activation);
    requirePositive("filters", filters);
    requirePositive("kernelSize", kernelHeight);
    requirePositive("kernelSize", kernelWidth);
    requirePositive("strides", strideHeight);
    requirePositive("strides", strideWidth);
    requirePositive("dilationRate", dilationHeight);
    requirePositive("dilationRate", dilationWidth);
    if ((dilationHeight > 1 || dilationWidth > 1) && (strideHeight > 1 || strideWidth > 1)) {
      throw new IllegalArgumentException(
          "Conv2D: strides > 1 are not compatible with dilationRate > 1 (as in Keras), got"
              + " strides "
              + strideHeight
              + "x"
              + strideWidth
              + " and dilationRate "
              + dilationHeight
              + "x"
              + dilationWidth);
    }
    this.dilationHeight = dilationHeight;
    this.dilationWidth = dilationWidth;
    this.filters = filters;
    this.kernelHeight = kernelHeight;
    this.kernelWidth = kernelWidth;
    this.strideHeight = strideHeight;
    this.strideWidth = strideWidth;
    this.padding = padding == null ? Padding.VALID : padding;
    this.useBias = useBias;
    this.weightStandardization = weightStandardization;
  }

  /** A builder: {@code setFilters} and {@code setKernelSize} are required. */
  public static Builder builder() {
    return new Builder();
  }

  public int filters() {
    return filters;
  }

  public int kernelHeight() {
    return kernelHeight;
  }

  public int kernelWidth() {
    return kernelWidth;
  }

  public int strideHeight() {
    return strideHeight;
  }

  public int strideWidth() {
    return strideWidth;
  }

  /** Keras' {@code dilation_rate} along the height; 1 for an ordinary convolution. */
  public int dilationHeight() {
    return dilationHeight;
  }

  /** Keras' {@code dilation_rate} along the width; 1 for an ordinary convolution. */
  public int dilationWidth() {
    return dilationWidth;
  }

  /** True if either dilation rate is above 1. */
  public boolean isDilated() {
    return dilationHeight > 1 || dilationWidth > 1;
  }

  /** The dilations attribute {@code [1, dh, dw, 1]} (also ExtractImagePatches' rates). */
  public List<Long> dilationsAttribute() {
    return List.of(1L, (long) dilationHeight, (long) dilationWidth, 1L);
  }

  /** The kernel's extent along the height, {@code dh·(kh - 1) + 1}. */
  public int effectiveKernelHeight() {
    return dilationHeight * (kernelHeight - 1) + 1;
  }

  /** The kernel's extent along the width, {@code dw·(kw - 1) + 1}. */
  public int effectiveKernelWidth() {
    return dilationWidth * (kernelWidth - 1) + 1;
  }

  public Padding padding() {
    return padding;
  }

  public boolean useBias() {
    return useBias;
  }

  /** Whether the kernel is standardized per output channel before use (dp4j-only). */
  public boolean weightStandardization() {
    return weightStandardization;
  }

  /**
   * A standardized kernel: {@code kernel = (V - mean) · inverseScale}, {@code inverseScale = 1 /
   * sqrt(var + ε)} per output channel ({@code [1, 1, 1, filters]}).
   */
  public record StandardizedKernel(Operand<TFloat32> kernel, Operand<TFloat32> inverseScale) {}

  /** V {@code [kh, kw, c, filters]} standardized over its first three axes, per filter. */
  public StandardizedKernel standardize(Ops tf, Operand<TFloat32> v) {
    Operand<TInt32> axes = tf.constant(new int[] {0, 1, 2});
    Operand<TFloat32> centered = tf.math.sub(v, tf.math.mean(v, axes, Mean.keepDims(true)));
    Operand<TFloat32> variance = tf.math.mean(tf.math.square(centered), axes, Mean.keepDims(true));
    Operand<TFloat32> inverseScale =
        tf.math.rsqrt(tf.math.add(variance, tf.constant(WEIGHT_STANDARDIZATION_EPSILON)));
    return new StandardizedKernel(tf.math.mul(centered, inverseScale), inverseScale);
  }

  /** The strides attribute {@code [1, sh, sw, 1]}. */
  public List<Long> stridesAttribute() {
    return List.of(1L, (long) strideHeight, (long) strideWidth, 1L);
  }

  @Override
  public long[] outputShape(long[] inputShape) {
    if (inputShape.length != 3) {
      throw new IllegalArgumentException(
          "Conv2D needs inputs [height, width, channels], got " + Arrays.toString(inputShape));
    }
    long h = padding.outputSize(inputShape[0], effectiveKernelHeight(), strideHeight);
    long w = padding.outputSize(inputShape[1], effectiveKernelWidth(), strideWidth);
    if (h <= 0 || w <= 0) {
      throw new IllegalArgumentException(
          "Conv2D kernel "
              + kernelHeight
              + "x"
              + kernelWidth
              + (isDilated() ? " dilated " + dilationHeight + "x" + dilationWidth : "")
              + " is larger than its VALID input "
              + Arrays.toString(inputShape));
    }
    return new long[] {h, w, filters};
  }

  @Override
  public List<ParameterSpec> parameters(long[] inputShape) {
    long channels = inputShape[2];
    long receptive = (long) kernelHeight * kernelWidth;
    ParameterSpec kernel =
        new ParameterSpec(
            "kernel",
            new long[] {kernelHeight, kernelWidth, channels, filters},
            ParameterSpec.Initializer.GLOROT_UNIFORM,
            receptive * channels,
            receptive * filters);
    if (!useBias) {
      return List.of(kernel);
    }
    return List.of(
        kernel,
        new ParameterSpec(
            "bias", new long[] {filters}, ParameterSpec.Initializer.ZEROS, channels, filters));
  }

  @Override
  public Operand<TFloat32> preActivation(
      Ops tf, Operand<TFloat32> input, List<Operand<TFloat32>> params) {
    Operand<TFloat32> kernel =
        weightStandardization ? standardize(tf, params.get(0)).kernel() : params.get(0);
    Operand<TFloat32> z;
    if (isDilated()) {
      long[] shape = input.shape().asArray();
      z = new AtrousConvolution(shape[1], shape[2], this).convolve(tf, input, kernel);
    } else {
      z = tf.nn.conv2d(input, kernel, stridesAttribute(), padding.tfName());
    }
    return useBias ? tf.nn.biasAdd(z, params.get(1)) : z;
  }

  @Override
  public String toString() {
    return "Conv2D(filters="
        + filters
        + ", kernel="
        + kernelHeight
        + "x"
        + kernelWidth
        + ", strides="
        + strideHeight
        + "x"
        + strideWidth
        + (isDilated() ? ", dilation=" + dilationHeight + "x" + dilationWidth : "")
        + ", "
        + padding
        + ", "
        + activation()
        + (weightStandardization ? ", weightStandardization" : "")
        + ")";
  }

  /** Builds a {@link Conv2D}. */
  public static final class Builder {
    private int filters;
    private int kernelHeight;
    private int kernelWidth;
    private int strideHeight = 1;
    private int strideWidth = 1;
    private int dilationHeight = 1;
    private int dilationWidth = 1;
    private Padding padding = Padding.VALID;
    private ActivationFunction activation = ActivationFunction.LINEAR;
    private boolean useBias = true;
    private boolean weightStandardization;
    private long[] inputShape;
    private String name;

    private Builder() {}

    public Builder setFilters(int filters) {
      this.filters = filters;
      return this;
    }

    public Builder setKernelSize(int size) {
      return setKernelSize(size, size);
    }

    public Builder setKernelSize(int height, int width) {
      this.kernelHeight = height;
      this.kernelWidth = width;
      return this;
    }

    public Builder optStrides(int stride) {
      return optStrides(stride, stride);
    }

    public Builder optStrides(int height, int width) {
      this.strideHeight = height;
      this.strideWidth = width;
      return this;
    }

    /** Keras' {@code dilation_rate}, the same along both axes; strides must then be 1. */
    public Builder optDilationRate(int rate) {
      return optDilationRate(rate, rate);
    }

    /** Keras' {@code dilation_rate} {@code (height, width)}; strides must then be 1. */
    public Builder optDilationRate(int height, int width) {
      this.dilationHeight = height;
      this.dilationWidth = width;
      return this;
    }

    public Builder optPadding(Padding padding) {
      this.padding = padding;
      return this;
    }

    public Builder optActivation(ActivationFunction activation) {
      this.activation = activation;
      return this;
    }

    public Builder optUseBias(boolean useBias) {
      this.useBias = useBias;
      return this;
    }

    /**
     * Standardize the kernel per output channel before use (dp4j-only, default false): see {@link
     * Conv2D}.
     */
    public Builder optWeightStandardization(boolean weightStandardization) {
      this.weightStandardization = weightStandardization;
      return this;
    }

    /** The input shape {@code [height, width, channels]}, for the first layer of a model. */
    public Builder optInputShape(long... inputShape) {
      this.inputShape = inputShape.clone();
      return this;
    }

    public Builder optName(String name) {
      this.name = name;
      return this;
    }

    public Conv2D build() {
      return new Conv2D(
          name,
          inputShape,
          filters,
          kernelHeight,
          kernelWidth,
          strideHeight,
          strideWidth,
          dilationHeight,
          dilationWidth,
          padding,
          activation,
          useBias,
          weightStandardization);
    }
  }
}
