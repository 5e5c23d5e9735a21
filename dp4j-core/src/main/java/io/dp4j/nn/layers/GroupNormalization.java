package io.dp4j.nn.layers;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.math.Mean;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Group normalization (Wu and He 2018, "Group Normalization"), as Keras 3's {@code
 * GroupNormalization}: the channels (last axis) are split into {@code groups} groups of consecutive
 * channels, and each example is normalized over all its positions and the channels of a group,
 * {@code x̂ = (x - mean) / sqrt(var + epsilon)}; then {@code gamma ⊙ x̂ + beta} per channel. Keras
 * defaults: epsilon 1e-3, center and scale on (gamma ones, beta zeros); groups -1 is one group per
 * channel (instance normalization), 1 normalizes the whole example.
 *
 * <p>The statistics are each example's own, so per-example gradients are defined and DP-SGD can
 * clip them: the normalization to use with convolutions where a non-private model would use batch
 * normalization (De et al. 2022, "Unlocking high-accuracy differentially private image
 * classification through scale"; Tramèr and Boneh 2021).
 */
public final class GroupNormalization extends ParametricLayer {
  /** {@code groups} value meaning one group per channel (Keras' {@code groups=-1}). */
  public static final int PER_CHANNEL = -1;

  private final int groups;
  private final float epsilon;
  private final boolean center;
  private final boolean scale;

  /** {@code GroupNormalization(groups)} with Keras' defaults. */
  public GroupNormalization(int groups) {
    this(null, groups, 1e-3f, true, true);
  }

  private GroupNormalization(
      String name, int groups, float epsilon, boolean center, boolean scale) {
    super(name, null, ActivationFunction.LINEAR);
    if (groups <= 0 && groups != PER_CHANNEL) {
      throw new IllegalArgumentException(
          "groups must be > 0, or -1 for one group per channel, got " + groups);
    }
    if (!(epsilon > 0)) {
      throw new IllegalArgumentException("epsilon must be > 0, got " + epsilon);
    }
    this.groups = groups;
    this.epsilon = epsilon;
    this.center = center;
    this.scale = scale;
  }

  /** A builder: {@code setGroups} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The configured number of groups, or {@link #PER_CHANNEL}. */
  public int groups() {
    return groups;
  }

  /** The number of groups for {@code channels} channels. */
  public long groups(long channels) {
    return groups == PER_CHANNEL ? channels : groups;
  }

  public float epsilon() {
    return epsilon;
  }

  /** Whether beta is added (Keras' {@code center}). */
  public boolean center() {
    return center;
  }

  /** Whether x̂ is multiplied by gamma (Keras' {@code scale}). */
  public boolean scale() {
    return scale;
  }

  @Override
  public long[] outputShape(long[] inputShape) {
    if (inputShape.length == 0) {
      throw new IllegalArgumentException(
          "GroupNormalization needs inputs of rank >= 1 per example (channels last), got []");
    }
    long channels = inputShape[inputShape.length - 1];
    long g = groups(channels);
    if (g > channels || channels % g != 0) {
      throw new IllegalArgumentException(
          "GroupNormalization: groups must divide the "
              + channels
              + " channels of input "
              + Arrays.toString(inputShape)
              + ", got groups "
              + g);
    }
    return inputShape.clone();
  }

  @Override
  public List<ParameterSpec> parameters(long[] inputShape) {
    long c = inputShape[inputShape.length - 1];
    List<ParameterSpec> specs = new ArrayList<>();
    if (scale) {
      specs.add(new ParameterSpec("gamma", new long[] {c}, ParameterSpec.Initializer.ONES, c, c));
    }
    if (center) {
      specs.add(new ParameterSpec("beta", new long[] {c}, ParameterSpec.Initializer.ZEROS, c, c));
    }
    return specs;
  }

  /**
   * x̂ for a batch {@code [b, inputShape...]}: each example viewed as {@code [positions, groups,
   * channels / groups]}, normalized over its positions and the channels of each group (two passes,
   * the mean first, as TensorFlow's {@code nn.moments} that Keras uses).
   */
  public Operand<TFloat32> normalize(Ops tf, Operand<TFloat32> x) {
    long[] shape = x.shape().asArray();
    long channels = shape[shape.length - 1];
    long g = groups(channels);
    long positions = 1;
    for (int i = 1; i < shape.length - 1; i++) {
      positions *= shape[i];
    }
    Operand<TInt32> batch =
        tf.slice(tf.shape(x), tf.constant(new int[] {0}), tf.constant(new int[] {1}));
    Operand<TInt32> groupedShape =
        tf.concat(
            List.of(
                batch,
                tf.constant(
                    new int[] {
                      Math.toIntExact(positions), Math.toIntExact(g), Math.toIntExact(channels / g)
                    })),
            tf.constant(0));
    Operand<TFloat32> grouped = tf.reshape(x, groupedShape);
    Operand<TInt32> axes = tf.constant(new int[] {1, 3});
    Operand<TFloat32> centered =
        tf.math.sub(grouped, tf.math.mean(grouped, axes, Mean.keepDims(true)));
    Operand<TFloat32> variance = tf.math.mean(tf.math.square(centered), axes, Mean.keepDims(true));
    Operand<TFloat32> normalized =
        tf.math.mul(centered, tf.math.rsqrt(tf.math.add(variance, tf.constant(epsilon))));
    return tf.reshape(normalized, tf.shape(x));
  }

  @Override
  public Operand<TFloat32> preActivation(
      Ops tf, Operand<TFloat32> input, List<Operand<TFloat32>> params) {
    Operand<TFloat32> out = normalize(tf, input);
    int p = 0;
    if (scale) {
      out = tf.math.mul(out, params.get(p++));
    }
    if (center) {
      out = tf.math.add(out, params.get(p));
    }
    return out;
  }

  @Override
  public String toString() {
    return "GroupNormalization(groups="
        + (groups == PER_CHANNEL ? "per channel" : groups)
        + ", epsilon="
        + epsilon
        + (center ? "" : ", center=false")
        + (scale ? "" : ", scale=false")
        + ")";
  }

  /** Builds a {@link GroupNormalization}. */
  public static final class Builder {
    private int groups;
    private float epsilon = 1e-3f;
    private boolean center = true;
    private boolean scale = true;
    private String name;

    private Builder() {}

    /** The number of groups (must divide the channels), or {@link #PER_CHANNEL}. */
    public Builder setGroups(int groups) {
      this.groups = groups;
      return this;
    }

    /** Added to the variance; Keras' default 1e-3. */
    public Builder optEpsilon(float epsilon) {
      this.epsilon = epsilon;
      return this;
    }

    /** Whether to add a learned beta (default true). */
    public Builder optCenter(boolean center) {
      this.center = center;
      return this;
    }

    /** Whether to multiply by a learned gamma (default true). */
    public Builder optScale(boolean scale) {
      this.scale = scale;
      return this;
    }

    public Builder optName(String name) {
      this.name = name;
      return this;
    }

    public GroupNormalization build() {
      return new GroupNormalization(name, groups, epsilon, center, scale);
    }
  }
}
