package io.dp4j.ledger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dp4j.accounting.PrivacyAccountants;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The stable JSON form of ledger statuses, as printed by {@code dp4j ledger show --json} and {@code
 * dp4j ledger list --json}, and read back by other tools.
 *
 * <p>A dataset is an object with {@code name}, {@code epsilon_budget}, {@code delta}, {@code
 * accountant}, {@code created}, {@code epsilon_spent}, {@code epsilon_committed}, {@code
 * epsilon_remaining} and {@code runs}: an array of runs, each with {@code id}, {@code who}, {@code
 * what}, {@code when} (start, ISO-8601 UTC), {@code ended} (or null), {@code q} and {@code sigma}
 * (null unless the step event is a sampled Gaussian), {@code steps} (charged), {@code
 * planned_steps}, {@code accountant}, {@code status} ("running", "finished", "interrupted"), {@code
 * epsilon} (the run alone) and {@code event} (the step event's JSON). A list is an array of
 * datasets. Fields may be added; none will be renamed or removed.
 */
public final class LedgerJson {
  private static final ObjectMapper JSON = JsonMapper.builder().build();

  private LedgerJson() {}

  /** A dataset's status as JSON. */
  public static String toJson(DatasetStatus status) {
    return write(node(status));
  }

  /** Several datasets' statuses as a JSON array. */
  public static String toJson(List<DatasetStatus> statuses) {
    ArrayNode array = JSON.createArrayNode();
    for (DatasetStatus status : statuses) {
      array.add(node(status));
    }
    return write(array);
  }

  /**
   * Reads a dataset's status written by {@link #toJson(DatasetStatus)}.
   *
   * @throws IllegalArgumentException if the text is not such JSON
   */
  public static DatasetStatus datasetFromJson(String json) {
    return dataset(parse(json));
  }

  /**
   * Reads a list written by {@link #toJson(List)}.
   *
   * @throws IllegalArgumentException if the text is not such JSON
   */
  public static List<DatasetStatus> datasetsFromJson(String json) {
    JsonNode node = parse(json);
    if (!node.isArray()) {
      throw new IllegalArgumentException("a ledger list's JSON must be an array");
    }
    List<DatasetStatus> result = new ArrayList<>();
    for (JsonNode element : node) {
      result.add(dataset(element));
    }
    return result;
  }

  private static ObjectNode node(DatasetStatus status) {
    ObjectNode node = JSON.createObjectNode();
    node.put("name", status.name());
    node.put("epsilon_budget", status.epsilonBudget());
    node.put("delta", status.delta());
    node.put("accountant", status.accountant());
    node.put("created", status.created().toString());
    node.put("epsilon_spent", status.epsilonSpent());
    node.put("epsilon_committed", status.epsilonCommitted());
    node.put("epsilon_remaining", status.epsilonRemaining());
    ArrayNode runs = node.putArray("runs");
    for (RunRecord run : status.runs()) {
      ObjectNode r = runs.addObject();
      r.put("id", run.id());
      r.put("who", run.who());
      r.put("what", run.what());
      r.put("when", run.started().toString());
      r.put("ended", run.ended() == null ? null : run.ended().toString());
      r.put("q", run.samplingProbability());
      r.put("sigma", run.noiseMultiplier());
      r.put("steps", run.steps());
      r.put("planned_steps", run.plannedSteps());
      r.put("accountant", run.accountant());
      r.put("status", run.status().label());
      r.put("epsilon", run.epsilon());
      r.set("event", parse(PrivacyAccountants.eventToJson(run.stepEvent())));
    }
    return node;
  }

  private static DatasetStatus dataset(JsonNode node) {
    List<RunRecord> runs = new ArrayList<>();
    for (JsonNode r : required(node, "runs")) {
      JsonNode ended = r.get("ended");
      runs.add(
          new RunRecord(
              required(r, "id").asLong(),
              required(r, "who").asText(),
              required(r, "what").asText(),
              Instant.parse(required(r, "when").asText()),
              ended == null || ended.isNull() ? null : Instant.parse(ended.asText()),
              PrivacyAccountants.eventFromJson(required(r, "event").toString()),
              nullableDouble(r, "q"),
              nullableDouble(r, "sigma"),
              required(r, "planned_steps").asLong(),
              required(r, "steps").asLong(),
              required(r, "accountant").asText(),
              RunStatus.fromLabel(required(r, "status").asText()),
              required(r, "epsilon").asDouble()));
    }
    return new DatasetStatus(
        required(node, "name").asText(),
        required(node, "epsilon_budget").asDouble(),
        required(node, "delta").asDouble(),
        required(node, "accountant").asText(),
        Instant.parse(required(node, "created").asText()),
        required(node, "epsilon_spent").asDouble(),
        required(node, "epsilon_committed").asDouble(),
        required(node, "epsilon_remaining").asDouble(),
        runs);
  }

  private static Double nullableDouble(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? null : value.asDouble();
  }

  private static JsonNode required(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null) {
      throw new IllegalArgumentException("ledger JSON lacks the field \"" + field + "\"");
    }
    return value;
  }

  private static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage(), e);
    }
  }

  private static String write(JsonNode node) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
