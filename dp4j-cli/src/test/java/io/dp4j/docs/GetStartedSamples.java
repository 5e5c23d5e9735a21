package io.dp4j.docs;

import io.dp4j.accounting.DpSgdBudget;
import io.dp4j.data.Dataset;
import io.dp4j.data.PoissonSampler;
import io.dp4j.data.table.ColumnSpec;
import io.dp4j.data.table.PrivateDataLoader;
import io.dp4j.data.table.TableSchema;
import io.dp4j.nn.Sequential;
import io.dp4j.nn.layers.ActivationFunction;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.losses.Reduction;
import io.dp4j.nn.losses.SparseCategoricalCrossentropy;
import io.dp4j.nn.optimizers.Adam;
import io.dp4j.nn.optimizers.SGD;
import io.dp4j.nn.train.History;
import io.dp4j.nn.train.Metric;
import io.dp4j.privacy.DPKerasSGDOptimizer;
import io.dp4j.privacy.DPSequential;
import io.dp4j.privacy.ModelPrivacy;
import io.dp4j.privacy.PrivacySpent;
import io.dp4j.privacy.TrainingPlan;
import io.dp4j.privacy.TrainingResult;
import io.dp4j.privacy.keras.PrivateKerasModel;
import java.util.List;
import java.util.SplittableRandom;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/** The code of docs/getting-started.md; each region is shown there verbatim. */
public final class GetStartedSamples {
  private GetStartedSamples() {}

  /** 1,000 points in two Gaussian blobs: 2 features, label 0 or 1. */
  static Dataset blobs(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] x = new float[2 * n];
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      int label = r.nextInt(2);
      x[2 * i] = (float) (r.nextGaussian() + (label == 0 ? -1.5 : 1.5));
      x[2 * i + 1] = (float) r.nextGaussian();
      y[i] = label;
    }
    return new Dataset(x, new long[] {2}, y, new long[0]);
  }

  static Table blobTable(int n, long seed) {
    Dataset d = blobs(n, seed);
    double[] x1 = new double[n];
    double[] x2 = new double[n];
    String[] side = new String[n];
    for (int i = 0; i < n; i++) {
      x1[i] = d.features()[2 * i];
      x2[i] = d.features()[2 * i + 1];
      side[i] = d.labels()[i] == 0 ? "left" : "right";
    }
    return Table.create(
        "blobs",
        DoubleColumn.create("x1", x1),
        DoubleColumn.create("x2", x2),
        StringColumn.create("side", side));
  }

  /** The first way: a DP optimizer with a plain Sequential and a per-example loss. */
  static void dpOptimizer() {
    // [START dp-optimizer]
    Dataset train = blobs(1000, 1); // synthetic: 2 features, labels 0 and 1
    try (Sequential model =
        new Sequential(
            Dense.builder()
                .setUnits(16)
                .optActivation(ActivationFunction.RELU)
                .optInputShape(2)
                .build(),
            new Dense(2))) { // logits
      model.compile(
          new DPKerasSGDOptimizer(1.0, 1.1, 0, 0.25f), // C, sigma, microbatches (0: none), lr
          new SparseCategoricalCrossentropy(true, Reduction.NONE), // one loss per example
          Metric.ACCURACY);
      ModelPrivacy privacy = ModelPrivacy.of(model); // the model's privacy log, delta and epsilon
      privacy.setTargetDelta(1e-5);
      PoissonSampler sampler = PoissonSampler.withExpectedBatchSize(train.size(), 50);
      model.fit(train, sampler, 1); // 1 epoch = 20 steps at q = 0.05
      PrivacySpent spent = privacy.privacySpent(1e-5);
      System.out.printf(
          "epsilon %.3f at delta %s after %d steps%n", spent.epsilon(), 1e-5, spent.steps());
    }
    // [END dp-optimizer]
  }

  /** The second way: DPSequential with an ordinary optimizer and loss. */
  static void dpSequential() {
    // [START dp-sequential]
    Dataset train = blobs(1000, 2);
    try (DPSequential model =
        new DPSequential(
            1.0, // l2NormClip C
            1.1, // noiseMultiplier sigma
            Dense.builder()
                .setUnits(16)
                .optActivation(ActivationFunction.RELU)
                .optInputShape(2)
                .build(),
            new Dense(2))) {
      model.compile(new Adam(0.01f), new SparseCategoricalCrossentropy(true), Metric.ACCURACY);
      model.setTargetDelta(1e-5);
      model.fit(train, PoissonSampler.withExpectedBatchSize(train.size(), 50), 1);
      System.out.printf("epsilon %.3f%n", model.privacySpent(1e-5).epsilon());
    }
    // [END dp-sequential]
  }

  /** A training plan: sigma calibrated to a target epsilon, then one run with both epsilons. */
  static void trainingPlan() {
    // [START training-plan]
    Dataset train = blobs(1000, 5);
    TrainingPlan plan =
        TrainingPlan.builder()
            .setExamples(train.size())
            .setExpectedBatchSize(50) // q = 0.05, 20 steps per epoch
            .optEpochs(2)
            .optTargetEpsilon(2.0) // sigma calibrated so that epsilon (RDP) <= 2
            .build(); // delta defaults to 1e-4, a power of ten <= 1/(10n)
    try (Sequential model =
        new Sequential(
            Dense.builder()
                .setUnits(16)
                .optActivation(ActivationFunction.RELU)
                .optInputShape(2)
                .build(),
            new Dense(2))) {
      model.compile(
          new DPKerasSGDOptimizer(1.0, plan.noiseMultiplier(), 0, 0.25f),
          new SparseCategoricalCrossentropy(true, Reduction.NONE));
      TrainingResult result = plan.run(model, train);
      System.out.printf(
          "sigma %.4f, %d steps: epsilon %.3f (RDP) / %.3f (PLD) at delta %s%n",
          plan.noiseMultiplier(),
          plan.steps(),
          result.rdp().epsilon(),
          result.pld().epsilon(),
          plan.delta());
    }
    // [END training-plan]
  }

  /** The third way: wrap any model in a PrivateKerasModel and feed it a table. */
  static void privateKerasModel() {
    // [START private-keras-model]
    Table table = blobTable(1000, 3); // columns x1, x2 (numbers) and side ("left" or "right")
    TableSchema features =
        TableSchema.of(ColumnSpec.numeric("x1", -5, 5), ColumnSpec.numeric("x2", -5, 5));
    TableSchema label = TableSchema.of(ColumnSpec.index("side", List.of("left", "right")));
    PrivateDataLoader loader = new PrivateDataLoader(table, features, label, 50); // q = 0.05

    DpSgdBudget budget = PrivateKerasModel.getPrivacyBudget(loader.size(), 50, 1, 1.1, 1e-5);
    System.out.printf(
        "before training: epsilon %.3f (RDP) / %.3f (PLD)%n",
        budget.epsilonRdp(), budget.epsilonPld());

    Sequential sequential =
        new Sequential(
            Dense.builder()
                .setUnits(16)
                .optActivation(ActivationFunction.RELU)
                .optInputShape(2)
                .build(),
            Dense.builder().setUnits(2).optActivation(ActivationFunction.SOFTMAX).build());
    PrivateKerasModel model = new PrivateKerasModel(sequential, 1.0, 1.1); // C, sigma
    model.compile(new SGD(0.5f), new SparseCategoricalCrossentropy(), Metric.ACCURACY);
    History history = model.fit(loader, 1, 1e-5); // epochs, target delta
    System.out.printf("after training: epsilon %.3f%n", history.get("epsilon").get(0));
    sequential.close(); // releases the TensorFlow graph
    // [END private-keras-model]
  }

  /** Microbatches of more than one example: the sensitivity doubles, and so does the noise. */
  static void microbatches() {
    // [START microbatches]
    Dataset train = blobs(1000, 4);
    try (Sequential model =
        new Sequential(
            Dense.builder()
                .setUnits(16)
                .optActivation(ActivationFunction.RELU)
                .optInputShape(2)
                .build(),
            new Dense(2))) {
      // 10 microbatches of an expected 5 examples each: clipping per microbatch
      model.compile(
          new DPKerasSGDOptimizer(1.0, 2.2, 10, 0.25f),
          new SparseCategoricalCrossentropy(true, Reduction.NONE));
      ModelPrivacy privacy = ModelPrivacy.of(model);
      privacy.setTargetDelta(1e-5);
      model.fit(train, PoissonSampler.withExpectedBatchSize(train.size(), 50), 1);
      PrivacySpent spent = privacy.privacySpent(1e-5);
      System.out.printf("epsilon %.3f%n", spent.epsilon());
      spent.sensitivityNote().ifPresent(System.out::println);
    }
    // [END microbatches]
  }
}
