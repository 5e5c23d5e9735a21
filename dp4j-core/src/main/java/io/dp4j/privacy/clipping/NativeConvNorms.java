package io.dp4j.privacy.clipping;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Operand;
import org.tensorflow.Operation;
import org.tensorflow.TensorFlow;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;

/**
 * Each clipping unit's squared kernel-gradient norm of an undilated 2-D convolution, and on request
 * its kernel gradient, from dp4j's native TensorFlow op ({@code src/main/native/dp4j_ops.c}):
 * TensorFlow has only the batch-summed filter gradient, and building per-example ones from its ops
 * costs patch tensors or one product per kernel tap, several times the plain step's filter
 * gradients.
 *
 * <p>The build compiles the op with the machine's C compiler against TensorFlow's stable C kernel
 * API into the jar ({@code io/dp4j/native/linux-x86_64}). Where it is missing (no compiler at build
 * time, another platform) or does not load, the rules fall back to TensorFlow ops, with the same
 * values up to float32 summation order, and say so once at info level. {@code
 * -Ddp4j.nativeKernels=false} or {@code DP4J_NATIVE_KERNELS=0} turns it off. The library picks its
 * AVX-512, AVX2+FMA or SSE2 code by the CPU when it loads; {@code DP4J_NATIVE_ISA=avx2} or {@code
 * sse2} forces a smaller one (for tests).
 */
public final class NativeConvNorms {
  private static final Logger LOG = LoggerFactory.getLogger(NativeConvNorms.class);
  private static final String OP = "Dp4jConv2DUnitSquaredNorms";
  private static final String RESOURCE = "/io/dp4j/native/linux-x86_64/libdp4j_ops.so";
  private static final Set<String> OFF = Set.of("0", "false", "off", "no");
  private static final Set<String> ON = Set.of("1", "true", "on", "yes");
  private static final Set<String> ISAS = Set.of("avx2", "sse2");

  private static final class Holder {
    private static final boolean LOADED = load();
  }

  private NativeConvNorms() {}

  /**
   * Whether the native op is loaded into this process's TensorFlow (loading it on first call).
   *
   * @throws IllegalArgumentException if a setting that controls it has a value it does not know: a
   *     misspelt "off" must not leave the op on unnoticed, nor a misspelt ISA run another code path
   */
  public static boolean available() {
    if (!requested(
        System.getProperty("dp4j.nativeKernels"),
        System.getenv("DP4J_NATIVE_KERNELS"),
        System.getenv("DP4J_NATIVE_ISA"))) {
      return false;
    }
    return Holder.LOADED;
  }

  /**
   * Whether the settings ask for the op: no if the system property {@code dp4j.nativeKernels} or
   * the variable {@code DP4J_NATIVE_KERNELS} says off; any value outside on/off, or a {@code
   * DP4J_NATIVE_ISA} other than avx2 or sse2, is refused.
   */
  static boolean requested(String property, String variable, String isa) {
    if (isa != null && !isa.isEmpty() && !ISAS.contains(isa)) {
      throw new IllegalArgumentException(
          "DP4J_NATIVE_ISA="
              + isa
              + " is not a code path of dp4j's native op: allowed are avx2 and sse2 (unset, the"
              + " CPU chooses)");
    }
    boolean on = true;
    String[][] settings = {
      {"system property dp4j.nativeKernels", property}, {"DP4J_NATIVE_KERNELS", variable}
    };
    for (String[] setting : settings) {
      String value = setting[1];
      if (value == null || value.isEmpty()) {
        continue;
      }
      String lower = value.toLowerCase(Locale.ROOT);
      if (OFF.contains(lower)) {
        on = false;
      } else if (!ON.contains(lower)) {
        throw new IllegalArgumentException(
            setting[0]
                + "="
                + value
                + " is neither on nor off: allowed are 0, false, off, no and 1, true, on, yes");
      }
    }
    if (!on) {
      LOG.debug("dp4j's native convolution norms are off by request; TensorFlow ops compute them");
    }
    return on;
  }

  private static boolean load() {
    String reason = loadLibrary();
    if (reason != null) {
      LOG.info(
          "dp4j's native convolution norms are not available ({}); TensorFlow ops compute them,"
              + " which makes a DP step of a convolutional model slower",
          reason);
      return false;
    }
    return true;
  }

  /** Null once loaded, else why not. */
  private static String loadLibrary() {
    boolean x86Linux =
        System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")
            && Set.of("amd64", "x86_64").contains(System.getProperty("os.arch", ""));
    if (!x86Linux) {
      return "built for x86-64 Linux only";
    }
    try (InputStream in = NativeConvNorms.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        return "not built: the build found no C compiler";
      }
      Path file = Files.createTempFile("libdp4j_ops", ".so");
      file.toFile().deleteOnExit();
      Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
      TensorFlow.loadLibrary(file.toString());
    } catch (IOException | RuntimeException | UnsatisfiedLinkError e) {
      return "it did not load: " + e.getMessage();
    }
    boolean registered =
        TensorFlow.registeredOpList().getOpList().stream().anyMatch(op -> op.getName().equals(OP));
    return registered ? null : "it loaded but did not register " + OP;
  }

  /**
   * Whether the graph builder can give the op {@code a} ({@code [n, k, h, w, c]}) and {@code g}:
   * their last three sizes must be known (the padding is computed from them); n and k may vary from
   * step to step.
   */
  static boolean supports(Operand<TFloat32> a, Operand<TFloat32> g) {
    for (long[] shape : new long[][] {a.shape().asArray(), g.shape().asArray()}) {
      for (int i = 2; i < shape.length; i++) {
        if (shape[i] < 1) {
          return false;
        }
      }
    }
    return true;
  }

  /** Each unit's squared norm ({@code [n]}) and, when asked for, gradient rows ({@code [n, K]}). */
  record UnitGradients(Operand<TFloat64> norms, Operand<TFloat32> rows) {}

  /**
   * The squared kernel-gradient norms, in float64 sums of the float32 gradient entries' squares,
   * and with {@code materialize} the per-unit kernel gradients themselves ({@code [n, kh·kw·c·f]}
   * in the kernel's order) from the same sums; without, the rows are {@code [0, kh·kw·c·f]}.
   *
   * @param a {@code [n, k, h, w, c]}, the layer's inputs by unit
   * @param g {@code [n, k, h', w', f]}, the output gradients by unit
   * @param strides {@code [1, s, s', 1]}
   * @param padding {@code SAME} or {@code VALID}
   */
  static UnitGradients unitGradients(
      Ops tf,
      Operand<TFloat32> a,
      Operand<TFloat32> g,
      int kernelHeight,
      int kernelWidth,
      List<Long> strides,
      String padding,
      boolean materialize) {
    long[] in = a.shape().asArray();
    long[] out = g.shape().asArray();
    long padTop = padBefore(padding, in[2], out[2], strides.get(1), kernelHeight);
    long padLeft = padBefore(padding, in[3], out[3], strides.get(2), kernelWidth);
    Operation op =
        tf.scope()
            .opBuilder(OP, OP)
            .addInput(a.asOutput())
            .addInput(g.asOutput())
            .setAttr("kh", (long) kernelHeight)
            .setAttr("kw", (long) kernelWidth)
            .setAttr("sh", strides.get(1))
            .setAttr("sw", strides.get(2))
            .setAttr("pad_top", padTop)
            .setAttr("pad_left", padLeft)
            .setAttr("materialize", materialize)
            .build();
    long size = kernelHeight * kernelWidth * in[4] * out[4];
    return new UnitGradients(
        tf.reshape(op.<TFloat64>output(0), tf.constant(new long[] {-1})),
        tf.reshape(op.<TFloat32>output(1), tf.constant(new long[] {-1, size})));
  }

  /** TensorFlow's padding before the first row (or column): half the total, rounded down. */
  static long padBefore(String padding, long size, long outSize, long stride, long kernel) {
    if (!"SAME".equals(padding)) {
      return 0;
    }
    return Math.max((outSize - 1) * stride + kernel - size, 0) / 2;
  }
}
