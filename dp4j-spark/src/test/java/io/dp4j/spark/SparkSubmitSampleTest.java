package io.dp4j.spark;

import static org.assertj.core.api.Assertions.assertThat;

import io.dp4j.io.keras.KerasModel;
import io.dp4j.io.keras.ModelIO;
import io.dp4j.io.keras.PrivacyRecord;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** docs/spark.md's spark-submit application, run in local[2] on a Parquet table it writes. */
class SparkSubmitSampleTest {
  @TempDir Path tmp;

  @Test
  void theSampleTrainsWithinItsTargetAndSavesItsPrivacyRecord() throws IOException {
    SparkSession spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("dp4j-sample-test")
            .config("spark.ui.enabled", "false")
            .getOrCreate();
    try {
      Random r = new Random(3);
      List<Row> rows = new ArrayList<>();
      for (int i = 0; i < 500; i++) {
        int y = r.nextInt(3);
        double[] x = new double[4];
        for (int j = 0; j < 4; j++) {
          x[j] = r.nextGaussian() + (j == y ? 1.5 : 0);
        }
        rows.add(RowFactory.create(x, y));
      }
      StructType schema =
          new StructType()
              .add("features", DataTypes.createArrayType(DataTypes.DoubleType))
              .add("label", DataTypes.IntegerType);
      String parquet = tmp.resolve("table.parquet").toString();
      spark.createDataFrame(rows, schema).write().parquet(parquet);
      Path out = tmp.resolve("model.keras");

      double epsilon = SparkSubmitSample.train(spark, parquet, out);

      assertThat(epsilon).isGreaterThan(0).isLessThanOrEqualTo(3.0);
      try (KerasModel saved = ModelIO.load(out)) {
        PrivacyRecord record = saved.privacyRecord().orElseThrow();
        // 500 rows, batch 50: q = 0.1, 10 steps an epoch, 2 epochs
        assertThat(record.steps()).isEqualTo(20);
        assertThat(record.samplingRate()).isEqualTo(0.1);
        assertThat(record.epsilon()).isEqualTo(epsilon);
      }
    } finally {
      spark.stop();
    }
  }
}
