package io.dp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** {@code bench --json}: the figures it promises and how they relate (not how fast they are). */
class BenchCommandTest {
  @Test
  void jsonHoldsTheStepTimesTheirRatioAndThroughput() throws IOException {
    CommandRun run =
        CommandRun.of(
            "bench",
            "--model",
            "mlp",
            "--batch-size",
            "8",
            "--steps",
            "2",
            "--rounds",
            "1",
            "--json");

    assertThat(run.exitCode()).as(run.err()).isZero();
    JsonNode json = Json.MAPPER.readTree(run.out());
    double dp = json.get("dp_ms_per_step").asDouble();
    double plain = json.get("nondp_ms_per_step").asDouble();
    assertThat(dp).isPositive();
    assertThat(plain).isPositive();
    assertThat(json.get("ratio").asDouble()).isCloseTo(dp / plain, within(1e-9));
    assertThat(json.get("examples_per_s").asDouble()).isCloseTo(8 * 1000 / dp, within(1e-6));
    assertThat(json.get("model").asText()).isEqualTo("mlp");
    io.dp4j.nn.CpuKernels kernels = io.dp4j.nn.CpuKernels.current();
    assertThat(json.get("onednn").asBoolean()).isEqualTo(kernels.oneDnn());
    assertThat(json.get("onednn_decided_by").asText()).isEqualTo(kernels.decidedBy());
    assertThat(json.get("cpu").asText()).isEqualTo(kernels.cpu()).isNotBlank();
    assertThat(json.get("native_conv_norms").asBoolean())
        .isEqualTo(io.dp4j.privacy.clipping.NativeConvNorms.available());
  }

  @Test
  void timesTheCifarCnn() throws IOException {
    CommandRun run =
        CommandRun.of(
            "bench",
            "--model",
            "cifar-cnn",
            "--batch-size",
            "4",
            "--steps",
            "1",
            "--rounds",
            "1",
            "--json");

    assertThat(run.exitCode()).as(run.err()).isZero();
    JsonNode json = Json.MAPPER.readTree(run.out());
    assertThat(json.get("model").asText()).isEqualTo("cifar-cnn");
    assertThat(json.get("batch_size").asInt()).isEqualTo(4);
    double dp = json.get("dp_ms_per_step").asDouble();
    double plain = json.get("nondp_ms_per_step").asDouble();
    assertThat(dp).isPositive();
    assertThat(plain).isPositive();
    assertThat(json.get("ratio").asDouble()).isCloseTo(dp / plain, within(1e-9));
    assertThat(json.get("examples_per_s").asDouble()).isCloseTo(4 * 1000 / dp, within(1e-6));
  }

  @Test
  void timesAKerasModelFileOnRandomInputsOfItsShape() throws IOException {
    java.nio.file.Path keras =
        KerasCommandsTest.FIXTURES.resolve("k2.3.1_seq_dense_softmax_model.h5");
    org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.exists(keras));
    CommandRun run =
        CommandRun.of(
            "bench",
            "--model",
            keras.toString(),
            "--batch-size",
            "8",
            "--steps",
            "2",
            "--rounds",
            "1",
            "--json");

    assertThat(run.exitCode()).as(run.err()).isZero();
    JsonNode json = Json.MAPPER.readTree(run.out());
    assertThat(json.get("model").asText()).isEqualTo("k2.3.1_seq_dense_softmax_model.h5");
    assertThat(json.get("dp_ms_per_step").asDouble()).isPositive();
  }

  @Test
  void anUnknownModelNamesTheChoices() {
    CommandRun run = CommandRun.of("bench", "--model", "resnet-9000");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err())
        .contains("unknown model 'resnet-9000'")
        .contains("tutorial-cnn, cifar-cnn, mlp, embedding, or the path of a Keras model file");
  }

  @Test
  void refusesANonPositiveBatchSize() {
    CommandRun run = CommandRun.of("bench", "--batch-size", "0");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--batch-size");
  }
}
