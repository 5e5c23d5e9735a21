package io.dp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad data cells are refused by place (file, line, column), never by value: the value is private
 * data. Non-finite features (NaN, infinities) are refused the same way before any step: one in a
 * sampled batch would make the update NaN and so reveal that it was sampled.
 */
class PrivateCellMessagesTest {
  private static final String SECRET = "SECRETVAL42";
  private static final Path MODEL = TrainBuiltinAndTargetTest.MODEL;

  @TempDir Path tmp;

  private Path csv(String name, String content) throws IOException {
    Path file = tmp.resolve(name);
    Files.writeString(file, content);
    return file;
  }

  private static CommandRun train(Path data) {
    // batch size 1, one epoch: without the check, the file's two rows would train
    return CommandRun.of(
        "train",
        "--model",
        MODEL.toString(),
        "--data",
        data.toString(),
        "--label",
        "label",
        "--batch-size",
        "1",
        "--epochs",
        "1",
        "--out",
        data.resolveSibling("out.keras").toString());
  }

  private static void assertRefusedByPlace(CommandRun run, Path file, String place) {
    assertThat(run.exitCode()).as(run.err()).isEqualTo(2);
    assertThat(run.err())
        .contains(file.toString())
        .contains(place)
        .doesNotContain(SECRET)
        .doesNotContain("at io.")
        .doesNotContain("at org.");
  }

  @Test
  void trainNamesTheCellOfABadFeatureButNotItsValue() throws IOException {
    Assumptions.assumeTrue(Files.exists(MODEL));
    Path data =
        csv("secret.csv", "a,label,b,c,d\n0.1,1,0.2,0.3,0.4\n0.1,0," + SECRET + ",0.3,0.4\n");
    assertRefusedByPlace(train(data), data, "line 3, column 3 \"b\": not a number");
  }

  @Test
  void trainNamesTheCellOfABadLabelButNotItsValue() throws IOException {
    Assumptions.assumeTrue(Files.exists(MODEL));
    Path data = csv("label.csv", "a,label,b,c,d\n0.1," + SECRET + ",0.2,0.3,0.4\n");
    assertRefusedByPlace(train(data), data, "line 2, column 2 \"label\": not a class index");
  }

  @Test
  void trainRefusesNonFiniteFeatures() throws IOException {
    Assumptions.assumeTrue(Files.exists(MODEL));
    for (String value : new String[] {"NaN", "Infinity", "-Infinity", "1e39"}) {
      Path data =
          csv("nonfinite.csv", "a,label,b,c,d\n0.1,1,0.2,0.3,0.4\n0.1,0,0.2," + value + ",0.4\n");
      CommandRun run = train(data);
      assertRefusedByPlace(run, data, "line 3, column 4 \"c\": not a finite number");
    }
  }

  @Test
  void predictNamesTheCellButNotItsValue() throws IOException {
    Assumptions.assumeTrue(Files.exists(MODEL));
    Path input = csv("x.csv", "a,b,c,d\n0.1,0.2,0.3,0.4\n0.1," + SECRET + ",0.3,0.4\n");
    assertRefusedByPlace(predict(input), input, "line 3, column 2: not a number");
    Path nan = csv("nan.csv", "0.1,0.2,0.3,0.4\n0.1,0.2,NaN,0.4\n");
    assertRefusedByPlace(predict(nan), nan, "line 2, column 3: not a finite number");
  }

  @Test
  void predictRefusesNonFiniteIdxFloats() throws IOException {
    Assumptions.assumeTrue(Files.exists(MODEL));
    Path idx = tmp.resolve("x.idx");
    // IDX: 0, 0, type 0x0D (float), 2 dims: 2 x 4, big-endian floats
    ByteBuffer b = ByteBuffer.allocate(4 + 8 + 8 * 4);
    b.put(new byte[] {0, 0, 0x0D, 2}).putInt(2).putInt(4);
    for (float v :
        new float[] {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, Float.POSITIVE_INFINITY, 0.7f, 0.8f}) {
      b.putFloat(v);
    }
    Files.write(idx, b.array());
    assertRefusedByPlace(predict(idx), idx, "element 5 (example 1) is not a finite");
  }

  private static CommandRun predict(Path input) {
    return CommandRun.of("predict", "--model", MODEL.toString(), "--input", input.toString());
  }
}
