package io.dp4j.nn;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which of TensorFlow's CPU kernel paths this process runs: oneDNN, or the Eigen kernels, which
 * take about twice as long for a DP step on x86-64.
 *
 * <p>TensorFlow reads {@code TF_ENABLE_ONEDNN_OPTS} once, from the C environment, while its native
 * library loads; unset, it turns oneDNN on only on CPUs with AVX-512 VNNI or BF16, AVX-VNNI or AMX.
 * Java cannot change its own process's C environment without native code (Java 17 has no foreign
 * function API outside an incubator module), so a library cannot turn it on: the {@code dp4j}
 * launcher exports it, and a JVM that would run the slow path on a CPU that could run the fast one
 * is told so once, through SLF4J, with the fix. This class mirrors TensorFlow 2.18's decision
 * ({@code tensorflow/core/util/port.cc}, {@code IsMklEnabled}).
 *
 * @param oneDnn whether TensorFlow runs its oneDNN kernels in this process
 * @param decidedBy how that was decided, e.g. {@code TF_ENABLE_ONEDNN_OPTS=1}
 * @param cpu the CPU's model name ({@code /proc/cpuinfo}), or {@code unknown}
 */
public record CpuKernels(boolean oneDnn, String decidedBy, String cpu) {
  private static final Logger LOG = LoggerFactory.getLogger(CpuKernels.class);

  /** The environment variable TensorFlow reads. */
  public static final String VARIABLE = "TF_ENABLE_ONEDNN_OPTS";

  /** The {@code /proc/cpuinfo} flags for which TensorFlow turns oneDNN on by itself. */
  static final List<String> ONEDNN_BY_DEFAULT_FLAGS =
      List.of("avx512_vnni", "avx512_bf16", "avx_vnni", "amx_tile", "amx_int8", "amx_bf16");

  private static final CpuKernels CURRENT = detect();
  private static boolean advised;

  /** This process's kernel path. */
  public static CpuKernels current() {
    return CURRENT;
  }

  /**
   * Logs once, at warning level, when TensorFlow runs the slow kernels only because nobody asked
   * for the fast ones: oneDNN off, {@code TF_ENABLE_ONEDNN_OPTS} unset and an AVX2 CPU.
   */
  static synchronized void adviseOnce() {
    if (advised) {
      return;
    }
    advised = true;
    if (shouldAdvise(System.getenv(VARIABLE), cpuFlags(), CURRENT)) {
      LOG.warn(
          "TensorFlow runs its slower Eigen CPU kernels on this {} (it turns oneDNN on by itself"
              + " only on CPUs with AVX-512 VNNI/BF16 or AMX); DP steps take about twice as long."
              + " Set the environment variable {}=1 for the JVM (the dp4j launcher does).",
          CURRENT.cpu(),
          VARIABLE);
    }
  }

  static boolean shouldAdvise(String setting, Set<String> flags, CpuKernels kernels) {
    return setting == null && !kernels.oneDnn() && flags.contains("avx2");
  }

  /**
   * TensorFlow's decision: a valid setting wins ({@code 1}/{@code true} or {@code 0}/{@code false},
   * any case); otherwise (unset or invalid) the CPU's features decide.
   *
   * @param setting the value of {@code TF_ENABLE_ONEDNN_OPTS}, or null when unset
   * @param flags the CPU's {@code /proc/cpuinfo} flags, or null when unknown
   */
  static CpuKernels decide(String setting, Set<String> flags, String cpu, boolean x86Linux) {
    if (!x86Linux) {
      return new CpuKernels(false, "TensorFlow has oneDNN only on x86-64 Linux here", cpu);
    }
    if (setting != null) {
      String value = setting.toLowerCase(Locale.ROOT);
      if (value.equals("1") || value.equals("true")) {
        return new CpuKernels(true, VARIABLE + "=" + setting, cpu);
      }
      if (value.equals("0") || value.equals("false")) {
        return new CpuKernels(false, VARIABLE + "=" + setting, cpu);
      }
    }
    String prefix = setting == null ? "" : VARIABLE + " invalid (" + setting + "), so ";
    if (flags == null) {
      return new CpuKernels(false, prefix + "CPU flags unknown, TensorFlow's default off", cpu);
    }
    List<String> present = ONEDNN_BY_DEFAULT_FLAGS.stream().filter(flags::contains).toList();
    return present.isEmpty()
        ? new CpuKernels(
            false,
            prefix + "TensorFlow's default for a CPU without AVX-512 VNNI/BF16, AVX-VNNI or AMX",
            cpu)
        : new CpuKernels(
            true,
            prefix + "TensorFlow's default for a CPU with " + String.join(", ", present),
            cpu);
  }

  private static CpuKernels detect() {
    boolean x86Linux =
        System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")
            && Set.of("amd64", "x86_64").contains(System.getProperty("os.arch", ""));
    return decide(System.getenv(VARIABLE), cpuFlags(), cpuModel(), x86Linux);
  }

  private static List<String> cpuInfo() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo"));
    } catch (IOException | RuntimeException e) {
      return List.of();
    }
  }

  /** The first processor's flags, or null when {@code /proc/cpuinfo} is unreadable. */
  static Set<String> cpuFlags() {
    return cpuInfo().stream()
        .filter(line -> line.startsWith("flags"))
        .findFirst()
        .map(line -> Arrays.stream(value(line).split("\\s+")).collect(Collectors.toSet()))
        .orElse(null);
  }

  /** The first processor's model name, or {@code unknown}. */
  static String cpuModel() {
    return cpuInfo().stream()
        .filter(line -> line.startsWith("model name"))
        .findFirst()
        .map(CpuKernels::value)
        .orElse("unknown");
  }

  private static String value(String line) {
    int colon = line.indexOf(':');
    return colon < 0 ? "" : line.substring(colon + 1).trim();
  }
}
