package io.dp4j.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * Which figures of a command's {@code --json} ε covers. ε covers the trained model and whatever is
 * computed from it alone; a figure computed from the private data without noise (the training loss
 * and metrics, or metrics of rows held out of the same private file) is not covered, and a figure
 * computed on separate test data tells nothing about the training data beyond the model but is not
 * protected for the test examples themselves.
 */
final class DpCoverage {
  private DpCoverage() {}

  /**
   * Adds {@code "not_covered_by_dp"} (the keys computed on private data without DP) and {@code
   * "test_data_figures"} (the keys computed on held-out test data) to {@code node}, each listing
   * only keys {@code node} has, with a {@code "dp_coverage_note"} saying what the lists mean.
   */
  static void put(ObjectNode node, List<String> privateWithoutDp, List<String> testData) {
    list(node, "not_covered_by_dp", privateWithoutDp);
    list(node, "test_data_figures", testData);
    node.put(
        "dp_coverage_note",
        "epsilon covers the model; not_covered_by_dp lists figures computed without noise on"
            + " private data, which must not be published; test_data_figures are computed on"
            + " held-out test data, not the private training data");
  }

  private static void list(ObjectNode node, String field, List<String> keys) {
    ArrayNode array = node.putArray(field);
    for (String key : keys) {
      if (hasPath(node, key)) {
        array.add(key);
      }
    }
  }

  /** Whether {@code node} has the dotted path {@code key} ("history.loss"). */
  private static boolean hasPath(ObjectNode node, String key) {
    com.fasterxml.jackson.databind.JsonNode at = node;
    for (String part : key.split("\\.")) {
      at = at.get(part);
      if (at == null) {
        return false;
      }
    }
    return true;
  }
}
