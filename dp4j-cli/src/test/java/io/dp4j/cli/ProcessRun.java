package io.dp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One run of the dp4j command in its own JVM, as a user runs it: the process's exit code, standard
 * output and standard error. A run that has not ended after {@code timeoutSeconds} is killed and
 * reported with exit code -1 (a hang).
 */
record ProcessRun(int exitCode, String out, String err) {

  static ProcessRun of(long timeoutSeconds, String... args)
      throws IOException, InterruptedException {
    Path outFile = Files.createTempFile("dp4j-out", ".txt");
    Path errFile = Files.createTempFile("dp4j-err", ".txt");
    try {
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.add("-cp");
      command.add(System.getProperty("java.class.path"));
      command.add(Dp4jCommand.class.getName());
      command.addAll(List.of(args));
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectOutput(outFile.toFile())
              .redirectError(errFile.toFile());
      builder.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
      Process process = builder.start();
      int code;
      if (process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        code = process.exitValue();
      } else {
        process.destroyForcibly().waitFor();
        code = -1;
      }
      return new ProcessRun(
          code,
          Files.readString(outFile, StandardCharsets.UTF_8),
          Files.readString(errFile, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(outFile);
      Files.deleteIfExists(errFile);
    }
  }

  /**
   * A run that must end within {@code timeoutSeconds} with {@code expectedExit} and without a Java
   * stack trace: what a user who typed bad input must get.
   */
  static ProcessRun expectEnded(long timeoutSeconds, int expectedExit, String... args)
      throws IOException, InterruptedException {
    ProcessRun run = of(timeoutSeconds, args);
    assertThat(run.exitCode())
        .as("exit code (-1: still running after " + timeoutSeconds + " s)\n" + run.all())
        .isEqualTo(expectedExit);
    assertThat(run.all())
        .doesNotContain("at io.")
        .doesNotContain("at org.")
        .doesNotContain("Exception");
    return run;
  }

  /** Both streams, for assertions and failure messages. */
  String all() {
    return out + err;
  }
}
