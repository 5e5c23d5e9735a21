package io.dp4j.nn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * State that a gradient transform keeps with a model across compiles (DP-SGD's privacy log and
 * noise source), one value per type, created on first use. The model never reads it; when it is
 * closed it closes what is {@link AutoCloseable} (releasing threads) but keeps the values, so that
 * a closed model's privacy log can still be read.
 */
final class ModelState implements AutoCloseable {
  private final Map<Class<?>, Object> values = new LinkedHashMap<>();

  synchronized <T> T get(Class<T> type, Supplier<? extends T> create) {
    Objects.requireNonNull(type, "type");
    Object value = values.get(type);
    if (value == null) {
      value = Objects.requireNonNull(create.get(), "created state");
      values.put(type, value);
    }
    return type.cast(value);
  }

  @Override
  public synchronized void close() {
    List<Object> all = new ArrayList<>(values.values());
    for (Object value : all) {
      if (value instanceof AutoCloseable closeable) {
        try {
          closeable.close();
        } catch (Exception e) {
          throw new IllegalStateException("closing model state " + value, e);
        }
      }
    }
  }
}
