package io.dp4j.privacy.clipping;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Stack;
import org.tensorflow.op.train.BatchMatMul;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Each clipping unit's kernel gradient of an undilated 2-D convolution, materialized as a {@code
 * [n, K]} tensor (K the kernel's size, in an order of the formulation's choosing), the map from a
 * {@code [K]} sum of such rows to the kernel's {@code [kh, kw, c, f]} layout, and the map from all
 * the rows to {@code [n, kh, kw, c, f]} (for rules that transform each unit's kernel gradient).
 *
 * <p>Materializing costs one pass of the per-example products (about what the plain step's filter
 * gradient costs) and n·K floats; it makes the clipped sum a weighted sum of rows instead of a
 * second filter backpropagation over the batch.
 */
record Conv2DUnitGradients(
    Operand<TFloat32> perUnit,
    UnaryOperator<Operand<TFloat32>> toKernel,
    UnaryOperator<Operand<TFloat32>> toUnitKernels) {

  /**
   * Kernel sizes up to which per-unit gradients are materialized: 256 Ki floats per unit, 256 MiB
   * for 256 units. Larger kernels take the backpropagation path, whose norms form the same rows but
   * free them once their norms are taken instead of holding them until the clip factors.
   * Materializing the CIFAR CNN's 128-channel layers too (147,456 floats) made its DP step 4 to 9%
   * faster than their clipped sums by backpropagation (three alternating pairs, AMD EPYC).
   */
  private static final long MAX_KERNEL_SIZE = 1L << 18;

  /**
   * Channels from which a stride-1 convolution takes its per-tap products from shifted inputs
   * ({@link #fromShiftedInputs}) instead of a patch tensor. Measured with oneDNN on an AMD EPYC,
   * batch 256, each tap's product against the one-hot patches and one product: 3 channels 3x
   * slower, 16 level, 32 to 128 channels 20 to 50% faster (the CIFAR CNN's 32x32x32 layer: 70
   * against 130 ms).
   */
  private static final long SHIFTED_MIN_CHANNELS = 32;

  /** Whether a {@code [kh, kw, channels, filters]} kernel is small enough to materialize. */
  static boolean worthMaterializing(long kernelHeight, long kernelWidth, long channels, long f) {
    return kernelHeight * kernelWidth * channels * f <= MAX_KERNEL_SIZE;
  }

  /**
   * The per-unit kernel gradients.
   *
   * @param a {@code [n, k, h, w, c]}
   * @param g {@code [n, k, h', w', f]}
   */
  static Conv2DUnitGradients of(
      Ops tf,
      Operand<TFloat32> a,
      Operand<TFloat32> g,
      int kernelHeight,
      int kernelWidth,
      List<Long> strides,
      String padding) {
    if (!strides.get(1).equals(strides.get(2))) {
      return fromImagePatches(tf, a, g, kernelHeight, kernelWidth, strides, padding);
    }
    long channels = a.shape().size(4);
    if (channels == 1) {
      return singleChannel(tf, a, g, kernelHeight, kernelWidth, strides, padding);
    }
    if (strides.get(1) == 1L && channels >= SHIFTED_MIN_CHANNELS) {
      return fromShiftedInputs(tf, a, g, kernelHeight, kernelWidth, padding);
    }
    return fromPatches(tf, a, g, kernelHeight, kernelWidth, strides, padding);
  }

  /**
   * Stride 1 and many channels: at tap (i, j) the kernel multiplies the input shifted by (i, j), a
   * slice X_ij of the (SAME-padded) input with the output's height and width, so the unit's
   * gradient at that tap is {@code X_ijᵀG} ({@code [c, f]}, one {@code BatchMatMul} per tap). No
   * patch tensor (kh·kw times the input) is formed, and the rows come out in the kernel's own
   * {@code (kh, kw, c, f)} order. Each entry sums the same m products as the patch form.
   */
  private static Conv2DUnitGradients fromShiftedInputs(
      Ops tf,
      Operand<TFloat32> a,
      Operand<TFloat32> g,
      int kernelHeight,
      int kernelWidth,
      String padding) {
    int channels = (int) a.shape().size(4);
    long[] out = g.shape().asArray(); // [n, k, h', w', f]
    int filters = (int) out[4];
    Operand<TFloat32> images = GroupShapes.mergeUnits(tf, a);
    if ("SAME".equals(padding)) {
      // stride 1: TensorFlow pads kh - 1 rows in all, the smaller half before
      int rows = kernelHeight - 1;
      int columns = kernelWidth - 1;
      images =
          tf.pad(
              images,
              tf.constant(
                  new int[][] {
                    {0, 0},
                    {rows / 2, rows - rows / 2},
                    {columns / 2, columns - columns / 2},
                    {0, 0}
                  }),
              tf.constant(0f));
    }
    Operand<TFloat32> rowsG = GroupShapes.toUnitRows(tf, g);
    Operand<TInt32> size = tf.constant(new int[] {-1, (int) out[2], (int) out[3], channels});
    List<Operand<TFloat32>> taps = new ArrayList<>();
    for (int i = 0; i < kernelHeight; i++) {
      for (int j = 0; j < kernelWidth; j++) {
        Operand<TFloat32> shifted = tf.slice(images, tf.constant(new int[] {0, i, j, 0}), size);
        taps.add(
            tf.train.batchMatMul(
                GroupShapes.unitRowsOfMerged(tf, a, shifted),
                rowsG,
                TFloat32.class,
                BatchMatMul.adjX(true))); // [n, c, f]
      }
    }
    long kernelSize = (long) kernelHeight * kernelWidth * channels * filters;
    Operand<TFloat32> perUnit =
        tf.reshape(tf.stack(taps, Stack.axis(1L)), tf.constant(new long[] {-1, kernelSize}));
    return new Conv2DUnitGradients(
        perUnit,
        sum ->
            tf.reshape(sum, tf.constant(new long[] {kernelHeight, kernelWidth, channels, filters})),
        rows ->
            tf.reshape(
                rows, tf.constant(new long[] {-1, kernelHeight, kernelWidth, channels, filters})));
  }

  /**
   * Unequal row and column strides, which TensorFlow's non-oneDNN CPU kernels of the depthwise
   * convolutions refuse: the patches come from {@code ExtractImagePatches} ({@code [m, kh·kw·c]},
   * tap-major), and the unit's kernel gradient is {@code GᵀP} as in {@link #fromPatches}.
   */
  private static Conv2DUnitGradients fromImagePatches(
      Ops tf,
      Operand<TFloat32> a,
      Operand<TFloat32> g,
      int kernelHeight,
      int kernelWidth,
      List<Long> strides,
      String padding) {
    int channels = (int) a.shape().size(4);
    int filters = (int) g.shape().size(4);
    long kernelSize = (long) kernelHeight * kernelWidth * channels;
    Operand<TFloat32> patches =
        tf.image.extractImagePatches(
            GroupShapes.mergeUnits(tf, a),
            List.of(1L, (long) kernelHeight, (long) kernelWidth, 1L),
            strides,
            List.of(1L, 1L, 1L, 1L),
            padding);
    Operand<TFloat32> rowsP = GroupShapes.unitRowsOfMerged(tf, a, patches);
    Operand<TFloat32> rowsG = GroupShapes.toUnitRows(tf, g);
    Operand<TFloat32> perUnit =
        tf.reshape(
            tf.train.batchMatMul(rowsG, rowsP, TFloat32.class, BatchMatMul.adjX(true)),
            tf.constant(new long[] {-1, kernelSize * filters}));
    return new Conv2DUnitGradients(
        perUnit,
        sum ->
            tf.reshape(
                tf.linalg.transpose(
                    tf.reshape(sum, tf.constant(new long[] {filters, kernelSize})),
                    tf.constant(new int[] {1, 0})),
                tf.constant(new long[] {kernelHeight, kernelWidth, channels, filters})),
        rows ->
            tf.reshape(
                tf.linalg.transpose(
                    tf.reshape(rows, tf.constant(new long[] {-1, filters, kernelSize})),
                    tf.constant(new int[] {0, 2, 1})),
                tf.constant(new long[] {-1, kernelHeight, kernelWidth, channels, filters})));
  }

  /**
   * Single-channel inputs: the examples folded into the channels of one {@code
   * DepthwiseConv2dNativeBackpropFilter} (Rochette et al. 2019), whose channel i with channel
   * multiplier f gets exactly example i's filter gradient. Sequential never runs an empty batch (it
   * feeds padding examples of weight 0), so there is always a channel.
   */
  private static Conv2DUnitGradients singleChannel(
      Ops tf,
      Operand<TFloat32> a,
      Operand<TFloat32> g,
      int kernelHeight,
      int kernelWidth,
      List<Long> strides,
      String padding) {
    long[] in = a.shape().asArray(); // [n, k, h, w, 1]
    long[] out = g.shape().asArray(); // [n, k, h', w', f]
    int filters = (int) out[4];
    int taps = kernelHeight * kernelWidth;
    Operand<TFloat32> images = tf.reshape(a, tf.constant(new long[] {-1, in[2], in[3]}));
    Operand<TFloat32> folded =
        tf.expandDims(
            tf.linalg.transpose(images, tf.constant(new int[] {1, 2, 0})), tf.constant(0));
    Operand<TFloat32> grads = tf.reshape(g, tf.constant(new long[] {-1, out[2], out[3], filters}));
    Operand<TFloat32> foldedGrads =
        tf.reshape(
            tf.linalg.transpose(grads, tf.constant(new int[] {1, 2, 0, 3})),
            tf.constant(new long[] {1, out[2], out[3], -1}));
    Operand<TInt32> examples =
        tf.slice(tf.shape(images), tf.constant(new int[] {0}), tf.constant(new int[] {1}));
    Operand<TInt32> filterSizes =
        tf.concat(
            List.of(
                tf.constant(new int[] {kernelHeight, kernelWidth}),
                examples,
                tf.constant(new int[] {filters})),
            tf.constant(0));
    Operand<TFloat32> perExample =
        tf.nn.depthwiseConv2dNativeBackpropFilter(
            folded, filterSizes, foldedGrads, strides, padding); // [kh, kw, n·k, f]
    Operand<TInt32> unitsAndK =
        tf.slice(tf.shape(a), tf.constant(new int[] {0}), tf.constant(new int[] {2}));
    Operand<TFloat32> byUnit =
        tf.sum(
            tf.reshape(
                perExample,
                tf.concat(
                    List.of(
                        tf.constant(new int[] {taps}), unitsAndK, tf.constant(new int[] {filters})),
                    tf.constant(0))),
            tf.constant(2)); // [kh·kw, n, f]
    Operand<TFloat32> perUnit =
        tf.reshape(
            tf.linalg.transpose(byUnit, tf.constant(new int[] {1, 0, 2})),
            tf.constant(new long[] {-1, (long) taps * filters}));
    return new Conv2DUnitGradients(
        perUnit,
        sum -> tf.reshape(sum, tf.constant(new long[] {kernelHeight, kernelWidth, 1, filters})),
        rows ->
            tf.reshape(rows, tf.constant(new long[] {-1, kernelHeight, kernelWidth, 1, filters})));
  }

  /**
   * Patches P ({@code [m, c·kh·kw]} per unit) and output gradients G ({@code [m, f]}) give the
   * unit's transposed kernel gradient {@code GᵀP} ({@code BatchMatMul}; about a third faster on CPU
   * than {@code PᵀG} for the tutorial CNN's second layer). The patches come from a depthwise
   * convolution with a one-hot kernel (channel multiplier kh·kw, output channel {@code (ch, tap)}
   * copies the input at that tap), several times faster on CPU than {@code ExtractImagePatches} and
   * as exact; its channel-major column order and the transposition are undone on the summed kernel
   * only.
   */
  private static Conv2DUnitGradients fromPatches(
      Ops tf,
      Operand<TFloat32> a,
      Operand<TFloat32> g,
      int kernelHeight,
      int kernelWidth,
      List<Long> strides,
      String padding) {
    int channels = (int) a.shape().size(4);
    int filters = (int) g.shape().size(4);
    int taps = kernelHeight * kernelWidth;
    float[] oneHot = new float[taps * channels * taps];
    for (int tap = 0; tap < taps; tap++) {
      for (int ch = 0; ch < channels; ch++) {
        oneHot[(tap * channels + ch) * taps + tap] = 1f;
      }
    }
    Operand<TFloat32> selector =
        tf.constant(Shape.of(kernelHeight, kernelWidth, channels, taps), DataBuffers.of(oneHot));
    Operand<TFloat32> patches =
        tf.nn.depthwiseConv2dNative(
            GroupShapes.mergeUnits(tf, a), selector, strides, padding); // [n·k, h', w', c·taps]
    Operand<TFloat32> rowsP = GroupShapes.unitRowsOfMerged(tf, a, patches);
    Operand<TFloat32> rowsG = GroupShapes.toUnitRows(tf, g);
    Operand<TFloat32> perUnit =
        tf.reshape(
            tf.train.batchMatMul(rowsG, rowsP, TFloat32.class, BatchMatMul.adjX(true)),
            tf.constant(new long[] {-1, (long) channels * taps * filters}));
    return new Conv2DUnitGradients(
        perUnit,
        sum ->
            tf.reshape(
                tf.linalg.transpose(
                    tf.reshape(sum, tf.constant(new long[] {filters, channels, taps})),
                    tf.constant(new int[] {2, 1, 0})),
                tf.constant(new long[] {kernelHeight, kernelWidth, channels, filters})),
        rows ->
            tf.reshape(
                tf.linalg.transpose(
                    tf.reshape(rows, tf.constant(new long[] {-1, filters, channels, taps})),
                    tf.constant(new int[] {0, 3, 2, 1})),
                tf.constant(new long[] {-1, kernelHeight, kernelWidth, channels, filters})));
  }
}
