package io.dp4j.data.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A table cell that cannot be trained on is refused by its place, never by its value (private
 * data); NaN and infinities in a numeric column are refused before any step.
 */
class NonFiniteCellsTest {
  private static final String SECRET = "SECRETVAL42";

  @TempDir Path dir;

  private PrivateDataLoader load(String content) throws Exception {
    Path csv = dir.resolve("d.csv");
    Files.writeString(csv, content);
    return PrivateDataLoader.fromCsv(
        csv,
        TableSchema.of(ColumnSpec.numeric("size")),
        TableSchema.of(ColumnSpec.index("label", List.of("no", "yes"))),
        2);
  }

  @Test
  void refusesInfiniteNumbersByRow() {
    for (String value : new String[] {"Infinity", "-Infinity", "1e39"}) {
      assertThatThrownBy(() -> load("size,label\n1.5,yes\n" + value + ",no\n"))
          .as(value)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("column \"size\", row 2 (line 3")
          .hasMessageContaining("not a finite number")
          .hasMessageNotContaining(value);
    }
  }

  @Test
  void refusesNaNAsMissingOrNonFinite() {
    assertThatThrownBy(() -> load("size,label\n1.5,yes\nNaN,no\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("column \"size\"");
  }

  @Test
  void aTextCellInANumericColumnIsNotShown() {
    StringBuilder rows = new StringBuilder("size,label\n");
    for (int i = 0; i < 300; i++) {
      rows.append(i).append(",yes\n");
    }
    rows.append(SECRET).append(",no\n");
    assertThatThrownBy(() -> load(rows.toString()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("column \"size\"")
        .hasMessageNotContaining(SECRET);
  }

  @Test
  void theParserMessageOfARaggedRowIsNotPassedOn() {
    assertThatThrownBy(() -> load("size,label\n1,yes\n2,no," + SECRET + "\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("d.csv")
        .hasMessageNotContaining(SECRET)
        .satisfies(e -> assertThat(e.getCause()).isNull());
  }

  @Test
  void scaledColumnsClipInfinitiesIntoTheirDeclaredRange() throws Exception {
    Path csv = dir.resolve("s.csv");
    Files.writeString(csv, "size,label\nInfinity,yes\n-Infinity,no\n");
    PrivateDataLoader loader =
        PrivateDataLoader.fromCsv(
            csv,
            TableSchema.of(ColumnSpec.numeric("size", 0, 10)),
            TableSchema.of(ColumnSpec.index("label", List.of("no", "yes"))),
            2);
    assertThat(loader.dataset().features()).containsExactly(1f, 0f);
  }
}
