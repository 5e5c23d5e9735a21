package io.dp4j.spark;

import io.dp4j.nn.Sequential;
import io.dp4j.privacy.cluster.ModelFactory;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;

/**
 * The compiled models of one JVM (an executor, or the driver in local mode), per {@link
 * ModelFactory}: building a TensorFlow graph and session takes far longer than a partition's step,
 * so each is built once and reused by later tasks. Tasks run concurrently in one executor, so a
 * model is lent to one task at a time; there are at most as many as concurrent tasks. Their native
 * graphs and sessions are closed when the JVM exits.
 */
final class ExecutorModels {
  private static final Map<ModelFactory, Queue<Sequential>> IDLE = new ConcurrentHashMap<>();
  private static final Queue<Sequential> ALL = new ConcurrentLinkedQueue<>();

  static {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> ALL.forEach(Sequential::close), "dp4j-spark-models"));
  }

  private ExecutorModels() {}

  /** Applies {@code work} to an idle model of {@code factory} holding {@code weights}. */
  static <R> R withModel(
      ModelFactory factory, List<float[]> weights, Function<Sequential, R> work) {
    Queue<Sequential> idle = IDLE.computeIfAbsent(factory, f -> new ConcurrentLinkedQueue<>());
    Sequential model = idle.poll();
    if (model == null) {
      model = factory.create();
      ALL.add(model);
    }
    try {
      model.setWeights(weights);
      return work.apply(model);
    } finally {
      idle.add(model);
    }
  }
}
