package io.dp4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.dp4j.data.table.ColumnSpec;
import io.dp4j.data.table.TableSchema;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A declared table schema read from JSON: the encodings of the feature columns and of the label.
 *
 * <pre>{@code
 * {"features": [{"name": "age", "type": "numeric", "min": 0, "max": 120},
 *               {"name": "color", "type": "one_hot", "categories": ["red", "blue"]}],
 *  "label": {"name": "diagnosis", "type": "index", "categories": ["malignant", "benign"]}}
 * }</pre>
 *
 * <p>Types: {@code numeric} (as is, or clipped to a declared {@code min}/{@code max} and scaled to
 * [0, 1]), {@code one_hot} and {@code index} (with the declared {@code categories}).
 */
record TableSchemaFile(TableSchema features, ColumnSpec label) {

  static TableSchemaFile read(Path file) {
    JsonNode root;
    // NIO, whose NoSuchFileException the CLI reports as "file not found" (bad usage)
    try (InputStream in = Files.newInputStream(file)) {
      root = Json.MAPPER.readTree(in);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot read the schema " + file + " as JSON: " + e.getMessage(), e);
    }
    JsonNode features = root.path("features");
    if (!features.isArray() || features.isEmpty()) {
      throw new IllegalArgumentException(
          "schema " + file + ": \"features\" must be a non-empty array of columns");
    }
    List<ColumnSpec> specs = new ArrayList<>();
    for (JsonNode column : features) {
      specs.add(column(file, column));
    }
    ColumnSpec label = root.has("label") ? column(file, root.get("label")) : null;
    return new TableSchemaFile(TableSchema.of(specs), label);
  }

  private static ColumnSpec column(Path file, JsonNode node) {
    String name = node.path("name").asText(null);
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("schema " + file + ": a column has no \"name\": " + node);
    }
    String type = node.path("type").asText("numeric");
    return switch (type) {
      case "numeric" -> {
        boolean hasMin = node.has("min");
        if (hasMin != node.has("max")) {
          throw new IllegalArgumentException(
              "schema " + file + ": column \"" + name + "\" needs both \"min\" and \"max\"");
        }
        yield hasMin
            ? ColumnSpec.numeric(name, node.get("min").asDouble(), node.get("max").asDouble())
            : ColumnSpec.numeric(name);
      }
      case "one_hot" -> ColumnSpec.oneHot(name, categories(file, name, node));
      case "index" -> ColumnSpec.index(name, categories(file, name, node));
      default ->
          throw new IllegalArgumentException(
              "schema "
                  + file
                  + ": column \""
                  + name
                  + "\" has type \""
                  + type
                  + "\"; expected numeric, one_hot or index");
    };
  }

  private static List<String> categories(Path file, String name, JsonNode node) {
    JsonNode categories = node.path("categories");
    if (!categories.isArray()) {
      throw new IllegalArgumentException(
          "schema " + file + ": column \"" + name + "\" needs a \"categories\" array");
    }
    List<String> out = new ArrayList<>();
    categories.forEach(c -> out.add(c.asText()));
    return out;
  }
}
