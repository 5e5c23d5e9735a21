package io.dp4j.cli;

import io.dp4j.nn.train.Metric;
import java.util.Arrays;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** A metric by its Keras name ({@code accuracy}, {@code binary_accuracy}, {@code auc}). */
final class MetricConverter implements ITypeConverter<Metric> {
  @Override
  public Metric convert(String value) {
    for (Metric metric : Metric.values()) {
      if (metric.key().equals(value.trim().toLowerCase(Locale.ROOT))) {
        return metric;
      }
    }
    throw new TypeConversionException(
        "unknown metric '"
            + value
            + "'; allowed: "
            + String.join(", ", Arrays.stream(Metric.values()).map(Metric::key).toList()));
  }
}
