package io.dp4j.nn;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.tensorflow.TensorFlow;

/** The kernel path dp4j reports is the one TensorFlow takes. */
class CpuKernelsTest {
  private static final Set<String> AVX2_ONLY = Set.of("fma", "avx", "avx2");
  private static final Set<String> AVX512_VNNI = Set.of("avx2", "avx512f", "avx512_vnni");

  @Test
  void anExplicitSettingWinsOverTheCpu() {
    assertThat(CpuKernels.decide("1", AVX2_ONLY, "cpu", true).oneDnn()).isTrue();
    assertThat(CpuKernels.decide("TRUE", AVX2_ONLY, "cpu", true).oneDnn()).isTrue();
    assertThat(CpuKernels.decide("0", AVX512_VNNI, "cpu", true).oneDnn()).isFalse();
    assertThat(CpuKernels.decide("false", AVX512_VNNI, "cpu", true).decidedBy())
        .isEqualTo("TF_ENABLE_ONEDNN_OPTS=false");
  }

  @Test
  void unsetOrInvalidTheCpuDecides() {
    assertThat(CpuKernels.decide(null, AVX2_ONLY, "cpu", true).oneDnn()).isFalse();
    assertThat(CpuKernels.decide(null, AVX512_VNNI, "cpu", true).decidedBy())
        .contains("avx512_vnni");
    assertThat(CpuKernels.decide("yes", AVX512_VNNI, "cpu", true).oneDnn()).isTrue();
    assertThat(CpuKernels.decide("yes", AVX2_ONLY, "cpu", true).decidedBy()).contains("invalid");
    assertThat(CpuKernels.decide("1", AVX2_ONLY, "cpu", false).oneDnn()).isFalse();
  }

  @Test
  void adviceOnlyWhenUnsetAndTheCpuCouldRunOneDnn() {
    CpuKernels slow = CpuKernels.decide(null, AVX2_ONLY, "cpu", true);
    assertThat(CpuKernels.shouldAdvise(null, AVX2_ONLY, slow)).isTrue();
    assertThat(
            CpuKernels.shouldAdvise("0", AVX2_ONLY, CpuKernels.decide("0", AVX2_ONLY, "c", true)))
        .isFalse();
    assertThat(CpuKernels.shouldAdvise(null, Set.of("sse4_2"), slow)).isFalse();
    assertThat(
            CpuKernels.shouldAdvise(
                null, AVX512_VNNI, CpuKernels.decide(null, AVX512_VNNI, "cpu", true)))
        .isFalse();
  }

  /**
   * Unset, 0 and 1, each in a fresh JVM: TensorFlow logs its oneDNN banner while its library loads
   * exactly when dp4j says oneDNN is on.
   */
  @Test
  void agreesWithTensorFlowsOwnBannerOnThisCpu() throws Exception {
    for (String setting : new String[] {null, "0", "1"}) {
      ProbeRun run = probe(setting);
      assertThat(run.exitCode).as(setting + ": " + run.output).isZero();
      boolean banner = run.output.contains("oneDNN custom operations are on");
      assertThat(run.output)
          .as("TF_ENABLE_ONEDNN_OPTS=" + setting)
          .contains("dp4j oneDnn=" + banner);
    }
  }

  private record ProbeRun(int exitCode, String output) {}

  private static ProbeRun probe(String setting) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Probe.class.getName());
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    Map<String, String> env = builder.environment();
    env.put("TF_CPP_MIN_LOG_LEVEL", "0");
    if (setting == null) {
      env.remove(CpuKernels.VARIABLE);
    } else {
      env.put(CpuKernels.VARIABLE, setting);
    }
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new ProbeRun(process.waitFor(), output);
  }

  /** Loads TensorFlow's native library, then prints dp4j's view. */
  static final class Probe {
    public static void main(String[] args) {
      TensorFlow.version();
      System.out.println("dp4j oneDnn=" + CpuKernels.current().oneDnn());
    }
  }
}
