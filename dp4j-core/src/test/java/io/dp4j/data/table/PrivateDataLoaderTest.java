package io.dp4j.data.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dp4j.data.BatchSampler;
import io.dp4j.data.SamplingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.Table;

class PrivateDataLoaderTest {
  @TempDir Path dir;

  private static Table numbers(int n) {
    double[] x = new double[n];
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = i;
      y[i] = i % 2;
    }
    return Table.create("t", DoubleColumn.create("x", x), DoubleColumn.create("y", y));
  }

  @Test
  void batchSizesAreBinomialWithTheExpectedMeanAndVariance() {
    int n = 1000;
    int batchSize = 50;
    Table t = numbers(n);
    PrivateDataLoader loader =
        new PrivateDataLoader(t.selectColumns("x"), t.selectColumns("y"), batchSize)
            .withTestSeed(11);
    assertThat(loader.samplingRate()).isEqualTo(0.05);
    assertThat(loader.stepsPerEpoch()).isEqualTo(20);
    BatchSampler sampler = loader.sampler();
    assertThat(sampler.mode()).isEqualTo(SamplingMode.POISSON);
    assertThat(sampler.isPredictable()).isTrue();
    int[] inclusions = new int[n];
    double sum = 0;
    double sumSq = 0;
    int batches = 0;
    for (int epoch = 0; epoch < 200; epoch++) {
      for (int[] batch : sampler.nextEpoch()) {
        sum += batch.length;
        sumSq += (double) batch.length * batch.length;
        batches++;
        for (int i : batch) {
          inclusions[i]++;
        }
      }
    }
    assertThat(batches).isEqualTo(4000);
    double mean = sum / batches;
    double variance = sumSq / batches - mean * mean;
    // Binomial(1000, 0.05): mean 50 (std of the mean 0.11), variance 47.5 (std about 1.1)
    assertThat(mean).isCloseTo(50.0, org.assertj.core.data.Offset.offset(0.5));
    assertThat(variance).isCloseTo(47.5, org.assertj.core.data.Offset.offset(5.0));
    // every row is included at rate q: 4000 draws, mean 200, std 13.8; rows 0 and n-1 included
    int min = Integer.MAX_VALUE;
    int max = 0;
    for (int c : inclusions) {
      min = Math.min(min, c);
      max = Math.max(max, c);
    }
    assertThat(min).isGreaterThan(130);
    assertThat(max).isLessThan(270);
  }

  @Test
  void secureSamplingUnlessATestSeedIsSet() {
    Table t = numbers(10);
    PrivateDataLoader loader = new PrivateDataLoader(t.selectColumns("x"), t.selectColumns("y"), 3);
    assertThat(loader.sampler().isPredictable()).isFalse();
    assertThat(loader.testSeed()).isEmpty();
    assertThat(loader.withTestSeed(5).sampler().seed()).hasValue(5);
  }

  @Test
  void readsDeclaredColumnsFromCsvWithClassIdLabels() throws Exception {
    Path csv = dir.resolve("d.csv");
    Files.writeString(csv, "size,color,label\n1.5,red,yes\n2.5,blue,no\n3.5,red,no\n");
    PrivateDataLoader loader =
        PrivateDataLoader.fromCsv(
            csv,
            TableSchema.of(
                ColumnSpec.numeric("size"), ColumnSpec.oneHot("color", List.of("red", "blue"))),
            TableSchema.of(ColumnSpec.index("label", List.of("no", "yes"))),
            2);
    assertThat(loader.size()).isEqualTo(3);
    assertThat(loader.dataset().exampleShape()).containsExactly(3);
    assertThat(loader.dataset().labelShape()).isEmpty();
    assertThat(loader.dataset().features()).containsExactly(1.5f, 1, 0, 2.5f, 0, 1, 3.5f, 1, 0);
    assertThat(loader.dataset().labels()).containsExactly(1, 0, 0);
    assertThat(loader.labelSchema()).isPresent();

    PrivateDataLoader oneHotLabels =
        PrivateDataLoader.fromCsv(
            csv,
            TableSchema.of(ColumnSpec.numeric("size")),
            TableSchema.of(ColumnSpec.oneHot("label", List.of("no", "yes"))),
            2);
    assertThat(oneHotLabels.dataset().labelShape()).containsExactly(2);
    assertThat(oneHotLabels.dataset().labels()).containsExactly(0, 1, 1, 0, 1, 0);
  }

  @Test
  void refusesBadShapesAndSizes() {
    Table t = numbers(10);
    assertThatThrownBy(
            () -> new PrivateDataLoader(t.selectColumns("x"), numbers(9).selectColumns("y"), 2))
        .hasMessageContaining("10 rows")
        .hasMessageContaining("9");
    assertThatThrownBy(() -> new PrivateDataLoader(t.selectColumns("x"), t.selectColumns("y"), 11))
        .hasMessageContaining("batchSize must be in [1, rows] = [1, 10], got 11");
    assertThatThrownBy(
            () ->
                new PrivateDataLoader(
                    t,
                    TableSchema.of(ColumnSpec.numeric("x"), ColumnSpec.numeric("y")),
                    TableSchema.of(ColumnSpec.numeric("y")),
                    2))
        .hasMessageContaining("both as a feature and as a label");
  }
}
