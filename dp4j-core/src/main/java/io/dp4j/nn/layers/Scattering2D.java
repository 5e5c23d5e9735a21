package io.dp4j.nn.layers;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TType;

/**
 * The 2-D wavelet scattering transform (Mallat 2012, "Group Invariant Scattering"; Bruna and Mallat
 * 2013), exactly as Kymatio's {@code Scattering2D(J, shape, L, max_order)} computes it: a fixed
 * feature extractor with no parameters.
 *
 * <p>With φ a Gaussian low-pass at scale 2^J and ψ_λ Morlet wavelets at scales 2^j (j &lt; J) and L
 * angles, each input channel x gives K coefficient maps, subsampled by 2^J:
 *
 * <pre>
 *   S0 x = x ⋆ φ
 *   S1 x = |x ⋆ ψ_λ1| ⋆ φ                    for the J·L wavelets λ1 = (j1, θ1)
 *   S2 x = ||x ⋆ ψ_λ1| ⋆ ψ_λ2| ⋆ φ           for j1 &lt; j2 (L²·J(J−1)/2 paths)
 *   K = 1 + J·L + L²·J(J−1)/2   (max order 2; 1 + J·L for max order 1)
 * </pre>
 *
 * Like Kymatio, the image is reflect-padded to a multiple of 2^J with a margin, the convolutions
 * are products in the Fourier domain (TensorFlow's FFT2D and IFFT2D on complex64), subsampling is
 * periodization of the spectrum, and one border sample is cropped on each side, so a {@code [H, W]}
 * map becomes {@code [floor(H/2^J), floor(W/2^J)]}. It matches Kymatio's numpy backend on MNIST to
 * float32 round-off (ScatteringReferenceTest).
 *
 * <p><b>Layout.</b> Input {@code [height, width, channels]}, output channels-last {@code
 * [floor(height/2^J), floor(width/2^J), channels·K]}, channel {@code c·K + k} holding input channel
 * c's k-th coefficient in Kymatio's order (S0, then S1 by (j1, θ1), then S2 by (j1, θ1, j2, θ2)).
 * It is Kymatio's {@code [n, channels, K, h, w]} output with the channel axes merged and moved
 * last, so a Conv2D, GroupNormalization or Flatten + Dense can follow. Tramèr and Boneh 2021,
 * "Differentially Private Learning Needs Better Features", use J = 2, L = 8 on MNIST: 28 x 28 x 1
 * becomes 7 x 7 x 81.
 *
 * <p><b>Training.</b> The layer has no parameters, so DP-SGD needs no clipping rule for it, and a
 * model may start with it. Its output is a fixed function of each example: a model whose first
 * layers are fixed can be trained on their outputs computed once ({@link
 * io.dp4j.nn.train.FrozenFrontEnd}). It has no Keras counterpart, so a model holding it cannot be
 * exported to Keras.
 */
public final class Scattering2D extends Layer {
  private final int scales;
  private final int angles;
  private final int maxOrder;

  /** J = {@code scales}, L = 8 angles, max order 2 (Kymatio's defaults). */
  public Scattering2D(int scales) {
    this(null, null, scales, 8, 2);
  }

  private Scattering2D(String name, long[] inputShape, int scales, int angles, int maxOrder) {
    super(name, inputShape);
    if (scales < 1) {
      throw new IllegalArgumentException("J (scales) must be >= 1, got " + scales);
    }
    if (angles < 1) {
      throw new IllegalArgumentException("L (angles) must be >= 1, got " + angles);
    }
    if (maxOrder != 1 && maxOrder != 2) {
      throw new IllegalArgumentException("maxOrder must be 1 or 2, got " + maxOrder);
    }
    if (scales > 30) {
      throw new IllegalArgumentException("J (scales) must be <= 30 (2^J an int), got " + scales);
    }
    this.scales = scales;
    this.angles = angles;
    this.maxOrder = maxOrder;
  }

  /** A builder: {@code setJ} is required; L defaults to 8 and the max order to 2. */
  public static Builder builder() {
    return new Builder();
  }

  /** J: the scale of the low-pass and the subsampling is 2^J. */
  public int scales() {
    return scales;
  }

  /** L: the number of wavelet angles in [0, π). */
  public int angles() {
    return angles;
  }

  public int maxOrder() {
    return maxOrder;
  }

  /** K, the number of coefficient maps per input channel. */
  public int coefficientsPerChannel() {
    int first = scales * angles;
    return maxOrder == 1 ? 1 + first : 1 + first + angles * angles * scales * (scales - 1) / 2;
  }

  @Override
  public long[] outputShape(long[] inputShape) {
    if (inputShape.length != 3) {
      throw new IllegalArgumentException(
          "Scattering2D needs inputs [height, width, channels], got "
              + Arrays.toString(inputShape));
    }
    long size = 1L << scales;
    for (int axis = 0; axis < 2; axis++) {
      // the reflect padding (up to 2^J per side) must stay inside the image
      if (inputShape[axis] <= size) {
        throw new IllegalArgumentException(
            "Scattering2D with J = "
                + scales
                + " needs height and width > 2^J = "
                + size
                + ", got input "
                + Arrays.toString(inputShape));
      }
    }
    return new long[] {
      inputShape[0] >> scales,
      inputShape[1] >> scales,
      Math.multiplyExact(inputShape[2], coefficientsPerChannel())
    };
  }

  @Override
  public Operand<TFloat32> call(
      Ops tf,
      Operand<TFloat32> input,
      List<Operand<TFloat32>> params,
      boolean training,
      long seed) {
    long[] shape = input.shape().asArray();
    long[] out = outputShape(Arrays.copyOfRange(shape, 1, shape.length));
    int height = (int) shape[1];
    int width = (int) shape[2];
    int channels = (int) shape[3];
    int padHeight = padded(height);
    int padWidth = padded(width);
    MorletFilterBank filters = new MorletFilterBank(padHeight, padWidth, scales, angles);
    Ops s = tf.withSubScope("scattering2d");

    // [n, h, w, c] -> one image per (example, channel): [n·c, h, w], reflect-padded as Kymatio
    Operand<TFloat32> images =
        s.reshape(
            s.linalg.transpose(input, s.constant(new int[] {0, 3, 1, 2})),
            s.constant(new long[] {-1, height, width}));
    Operand<TFloat32> padded =
        s.mirrorPad(
            images,
            s.constant(
                new int[][] {
                  {0, 0},
                  {(padHeight - height) / 2, (padHeight - height + 1) / 2},
                  {(padWidth - width) / 2, (padWidth - width + 1) / 2}
                }),
            "REFLECT");
    Operand<TType> spectrum = fft(s, complex(s, padded));

    // each entry is [n·c·P, h', w'] with its P paths innermost, in Kymatio's order
    List<Operand<TFloat32>> paths = new ArrayList<>();
    List<Long> counts = new ArrayList<>();
    paths.add(lowPass(s, spectrum, filters, 0));
    counts.add(1L);
    List<Operand<TFloat32>> second = new ArrayList<>();
    List<Long> secondCounts = new ArrayList<>();
    for (int j1 = 0; j1 < scales; j1++) {
      // U1 = |x ⋆ ψ_(j1, θ1)| for all θ1, subsampled by 2^j1: [n·c·L, H/2^j1, W/2^j1]
      Operand<TType> u1 = modulusSpectrum(s, spectrum, wavelets(s, filters, j1, 0), 1 << j1);
      paths.add(lowPass(s, u1, filters, j1));
      counts.add((long) angles);
      if (maxOrder < 2 || j1 == scales - 1) {
        continue;
      }
      List<Operand<TFloat32>> fromJ1 = new ArrayList<>();
      for (int j2 = j1 + 1; j2 < scales; j2++) {
        // U2 = |U1 ⋆ ψ_(j2, θ2)| for all θ2: [n·c·L·L, H/2^j2, W/2^j2]
        Operand<TType> u2 = modulusSpectrum(s, u1, wavelets(s, filters, j2, j1), 1 << (j2 - j1));
        fromJ1.add(
            s.reshape(
                lowPass(s, u2, filters, j2),
                s.constant(new long[] {-1, angles, angles, out[0], out[1]})));
      }
      // by (θ1, j2, θ2): Kymatio orders second-order paths by (j1, θ1) first, then (j2, θ2)
      Operand<TFloat32> block =
          fromJ1.size() == 1 ? fromJ1.get(0) : s.concat(fromJ1, s.constant(2));
      second.add(block);
      secondCounts.add((long) angles * angles * (scales - 1 - j1));
    }
    paths.addAll(second);
    counts.addAll(secondCounts);
    List<Operand<TFloat32>> grouped = new ArrayList<>();
    for (int i = 0; i < paths.size(); i++) {
      grouped.add(
          s.reshape(paths.get(i), s.constant(new long[] {-1, counts.get(i), out[0], out[1]})));
    }
    // [n·c, K, h', w'] -> [n, c, K, h', w'] -> [n, h', w', c, K] -> [n, h', w', c·K]
    Operand<TFloat32> all = s.concat(grouped, s.constant(1));
    int k = coefficientsPerChannel();
    Operand<TFloat32> split =
        s.reshape(all, s.constant(new long[] {-1, channels, k, out[0], out[1]}));
    return s.reshape(
        s.linalg.transpose(split, s.constant(new int[] {0, 3, 4, 1, 2})),
        s.constant(new long[] {-1, out[0], out[1], out[2]}));
  }

  private int padded(int size) {
    // Kymatio's compute_padding: the next multiple of 2^J past size + 2^J
    int step = 1 << scales;
    return ((size + step) / step + 1) * step;
  }

  /** The wavelets ψ_(j, θ) for all θ at resolution 2^res, as a complex {@code [L, h, w]}. */
  private Operand<TType> wavelets(Ops tf, MorletFilterBank filters, int j, int res) {
    float[][][] values = new float[angles][][];
    for (int t = 0; t < angles; t++) {
      values[t] = toFloat(filters.psi(j, t, res));
    }
    return complex(tf, tf.constant(values));
  }

  /**
   * |IFFT(X · ψ, subsampled by k)| transformed back to the Fourier domain: {@code X} is {@code [m,
   * h, w]}, the wavelets {@code [P, h, w]}, the result {@code [m·P, h/k, w/k]}.
   */
  private static Operand<TType> modulusSpectrum(
      Ops tf, Operand<TType> spectrum, Operand<TType> wavelets, int k) {
    long[] shape = spectrum.shape().asArray();
    Operand<TType> product =
        tf.math.mul(
            tf.expandDims(spectrum, tf.constant(1)), tf.expandDims(wavelets, tf.constant(0)));
    Operand<TType> flat = tf.reshape(product, tf.constant(new long[] {-1, shape[1], shape[2]}));
    Operand<TFloat32> modulus = tf.math.complexAbs(tf.signal.ifft2d(subsample(tf, flat, k)));
    return fft(tf, complex(tf, modulus));
  }

  /**
   * Real(IFFT(X · φ, subsampled to 2^J)) with the border sample cropped: {@code X} is {@code [m, h,
   * w]} at resolution 2^res, the result {@code [m, h·2^res/2^J − 2, w·2^res/2^J − 2]}.
   */
  private Operand<TFloat32> lowPass(
      Ops tf, Operand<TType> spectrum, MorletFilterBank filters, int res) {
    Operand<TType> phi = complex(tf, tf.constant(toFloat(filters.phi(res))));
    Operand<TType> smooth = subsample(tf, tf.math.mul(spectrum, phi), 1 << (scales - res));
    Operand<TFloat32> real = tf.math.real(tf.signal.ifft2d(smooth));
    long[] shape = real.shape().asArray();
    return tf.slice(
        real,
        tf.constant(new long[] {0, 1, 1}),
        tf.constant(new long[] {-1, shape[1] - 2, shape[2] - 2}));
  }

  /**
   * Kymatio's {@code subsample_fourier}: the spectrum of the signal subsampled by k in space is the
   * mean of the k x k blocks of the spectrum (its periodization).
   */
  private static Operand<TType> subsample(Ops tf, Operand<TType> spectrum, int k) {
    if (k == 1) {
      return spectrum;
    }
    long[] shape = spectrum.shape().asArray();
    return tf.math.mean(
        tf.reshape(spectrum, tf.constant(new long[] {-1, k, shape[1] / k, k, shape[2] / k})),
        tf.constant(new int[] {1, 3}));
  }

  private static Operand<TType> fft(Ops tf, Operand<TType> x) {
    return tf.signal.fft2d(x);
  }

  /**
   * {@code x + 0i} as complex64. TensorFlow Java has no complex tensor type, so the op is built by
   * name and its output used only as an input of other ops, never read.
   */
  @SuppressWarnings("unchecked")
  private static Operand<TType> complex(Ops tf, Operand<TFloat32> x) {
    return (Operand<TType>)
        tf.scope()
            .opBuilder("Complex", "Complex")
            .addInput(x.asOutput())
            .addInput(tf.zerosLike(x).asOutput())
            .setAttr("Tout", DataType.DT_COMPLEX64)
            .build()
            .output(0);
  }

  private static float[][] toFloat(double[][] x) {
    float[][] out = new float[x.length][x[0].length];
    for (int r = 0; r < x.length; r++) {
      for (int c = 0; c < x[0].length; c++) {
        out[r][c] = (float) x[r][c];
      }
    }
    return out;
  }

  @Override
  public String toString() {
    return "Scattering2D(J=" + scales + ", L=" + angles + ", maxOrder=" + maxOrder + ")";
  }

  /** Builds a {@link Scattering2D}: {@code setJ} required, the rest optional. */
  public static final class Builder {
    private int scales;
    private int angles = 8;
    private int maxOrder = 2;
    private long[] inputShape;
    private String name;

    private Builder() {}

    /** J, at least 1: the output is subsampled by 2^J. */
    public Builder setJ(int scales) {
      this.scales = scales;
      return this;
    }

    /** L, at least 1 (8 by default; Kymatio's filters are tuned for 8). */
    public Builder optL(int angles) {
      this.angles = angles;
      return this;
    }

    /** 1 or 2 (the default). */
    public Builder optMaxOrder(int maxOrder) {
      this.maxOrder = maxOrder;
      return this;
    }

    /** The input shape per example {@code [height, width, channels]}, for a model's first layer. */
    public Builder optInputShape(long... inputShape) {
      this.inputShape = Arrays.copyOf(inputShape, inputShape.length);
      return this;
    }

    public Builder optName(String name) {
      this.name = name;
      return this;
    }

    public Scattering2D build() {
      return new Scattering2D(name, inputShape, scales, angles, maxOrder);
    }
  }
}
