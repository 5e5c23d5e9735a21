package io.dp4j.privacy.clipping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The settings that turn dp4j's native op off or force its code path: known values only. */
class NativeConvNormsSettingsTest {

  @Test
  void unsetOrOnRequestsTheOp() {
    assertThat(NativeConvNorms.requested(null, null, null)).isTrue();
    assertThat(NativeConvNorms.requested("true", "1", "avx2")).isTrue();
    assertThat(NativeConvNorms.requested("", "YES", "sse2")).isTrue();
  }

  @Test
  void eitherSettingTurnsItOff() {
    assertThat(NativeConvNorms.requested("false", null, null)).isFalse();
    assertThat(NativeConvNorms.requested(null, "0", null)).isFalse();
    assertThat(NativeConvNorms.requested("on", "Off", null)).isFalse();
  }

  @Test
  void misspeltOffIsRefusedByName() {
    assertThatThrownBy(() -> NativeConvNorms.requested(null, "disabled", null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("DP4J_NATIVE_KERNELS=disabled")
        .hasMessageContaining("allowed are 0, false, off, no");
    assertThatThrownBy(() -> NativeConvNorms.requested("fasle", null, null))
        .hasMessageContaining("dp4j.nativeKernels=fasle");
  }

  @Test
  void unknownIsaIsRefused() {
    // avx512 cannot be forced: the op only steps down from what the CPU has
    for (String isa : new String[] {"avx512", "AVX2", "neon"}) {
      assertThatThrownBy(() -> NativeConvNorms.requested(null, null, isa))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("DP4J_NATIVE_ISA=" + isa)
          .hasMessageContaining("allowed are avx2 and sse2");
    }
  }
}
