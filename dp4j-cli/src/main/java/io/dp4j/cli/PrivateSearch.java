package io.dp4j.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dp4j.accounting.DpEvent;
import io.dp4j.accounting.EpsilonAndOrder;
import io.dp4j.accounting.GaussianDpEvent;
import io.dp4j.accounting.PoissonTrials;
import io.dp4j.accounting.RdpAccountant;
import io.dp4j.accounting.RepeatAndSelectRdp;
import io.dp4j.accounting.TrialCountDistribution;
import io.dp4j.accounting.TruncatedNegativeBinomialTrials;
import java.io.IOException;
import java.io.PrintWriter;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code dp4j sweep --private}: private hyperparameter tuning by random search with a random number
 * of trials (Papernot and Steinke 2022, "Hyperparameter Tuning with Renyi Differential Privacy",
 * arXiv:2110.03620).
 *
 * <p>K is drawn from {@link SecureRandom}; each trial takes a configuration of the grid uniformly
 * at random, trains on the training data less a validation split (its last examples), and scores
 * itself by its count of correct validation predictions plus Gaussian noise (sensitivity 1 under
 * adding or removing one example), so that each trial — training and score — is a DP mechanism on
 * the whole training data. Only the best trial's configuration, its noisy validation accuracy and
 * its accuracy on the held-out test data are reported.
 *
 * <p>The bound: one trial's RDP at each order is at most the largest, over the configurations, of
 * that configuration's DP-SGD RDP plus the score's Gaussian RDP α/(2σ_v²) (a random choice of
 * configuration is a mixture, whose Rényi divergence is at most the largest of its parts'). {@link
 * RepeatAndSelectRdp} turns that curve into the search's, and {@link RdpAccountant} into ε at δ.
 */
final class PrivateSearch {

  /** One point of the grid; a null learning rate keeps the train options'. */
  record Config(double targetEpsilon, Float learningRate) {
    String describe() {
      return "target epsilon "
          + targetEpsilon
          + (learningRate == null ? "" : ", learning rate " + learningRate);
    }
  }

  /** The best trial so far: its configuration, noisy validation score and run. */
  private record Best(Config config, double noisyCorrect, TrainModelCommand.Result run) {}

  private final TrainModelCommand train;
  private final List<Config> grid;
  private final TrialCountDistribution trials;
  private final double validationNoise;
  private final SecureRandom random = new SecureRandom();

  PrivateSearch(
      TrainModelCommand train,
      List<Config> grid,
      TrialCountDistribution trials,
      double validationNoise) {
    this.train = train;
    this.grid = List.copyOf(grid);
    this.trials = trials;
    this.validationNoise = validationNoise;
  }

  /** The law of K the options name ({@code eta} null: 1, the geometric distribution). */
  static TrialCountDistribution distribution(String name, double mean, Double eta) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "poisson" -> {
        if (eta != null) {
          throw new IllegalArgumentException(
              "--eta goes with --trials-distribution negative-binomial");
        }
        yield new PoissonTrials(mean);
      }
      case "negative-binomial", "negative_binomial" -> {
        TruncatedNegativeBinomialTrials law =
            TruncatedNegativeBinomialTrials.withMean(eta == null ? 1 : eta, mean);
        if (law.gamma() < TruncatedNegativeBinomialTrials.MIN_SAMPLING_GAMMA) {
          throw new IllegalArgumentException(
              "--mean-trials "
                  + mean
                  + " with --eta "
                  + law.eta()
                  + " gives gamma "
                  + law.gamma()
                  + ", too heavy a tail to draw K from; lower the mean or raise eta");
        }
        yield law;
      }
      default ->
          throw new IllegalArgumentException(
              "--trials-distribution must be poisson or negative-binomial, got \"" + name + "\"");
    };
  }

  /** Describes the law of K for people. */
  static String describe(TrialCountDistribution law) {
    if (law instanceof TruncatedNegativeBinomialTrials t) {
      String name = t.eta() == 1 ? "geometric, " : t.eta() == 0 ? "logarithmic, " : "";
      return String.format(
          Locale.ROOT,
          "truncated negative binomial (%seta %s, gamma %.6g, mean %.4g)",
          name,
          t.eta(),
          t.gamma(),
          t.mean());
    }
    return String.format(Locale.ROOT, "Poisson (mean %.4g)", law.mean());
  }

  /**
   * Plans every configuration's bound, draws K, runs the trials and reports the best.
   *
   * @return the exit code
   */
  int run(PrintWriter log, PrintWriter out, boolean json) throws IOException {
    double[] orders = RdpAccountant.defaultOrders();
    // every configuration a trial may draw, bounded before any training
    Map<Double, double[]> planned = new LinkedHashMap<>();
    double[] trialRdp = new double[orders.length];
    double delta = Double.NaN;
    int validationExamples = 0;
    train.planOnly = true;
    for (Config c : grid) {
      if (planned.containsKey(c.targetEpsilon())) {
        continue; // the learning rate changes no privacy figure
      }
      TrainModelCommand.Result plan = train.run(c.targetEpsilon());
      if (plan.exitCode() != 0) {
        return plan.exitCode();
      }
      delta = plan.delta();
      validationExamples = plan.validationExamples();
      double[] curve = rdpOf(orders, plan.events());
      planned.put(c.targetEpsilon(), curve);
      RdpAccountant trial = new RdpAccountant(orders);
      plan.events().forEach(trial::compose);
      double[] withScore = trial.compose(new GaussianDpEvent(validationNoise)).rdp();
      for (int i = 0; i < orders.length; i++) {
        trialRdp[i] = Math.max(trialRdp[i], withScore[i]);
      }
    }
    train.planOnly = false;
    EpsilonAndOrder perTrial = RdpAccountant.epsilonAndOrder(orders, trialRdp, delta);
    EpsilonAndOrder search =
        RdpAccountant.epsilonAndOrder(
            orders, RepeatAndSelectRdp.rdp(orders, trialRdp, trials), delta);

    long k = trials.sample(random);
    log.printf(
        Locale.ROOT,
        "Private search (Papernot and Steinke 2022): K ~ %s, drawn with SecureRandom: K = %d"
            + " trial%s, each a configuration drawn at random from %d. Keep K to yourself: the"
            + " epsilon below covers releasing the best configuration, not K nor any other"
            + " trial.%n",
        describe(trials),
        k,
        k == 1 ? "" : "s",
        grid.size());
    log.flush();
    Best best = null;
    for (long t = 1; t <= k; t++) {
      Config c = grid.get(random.nextInt(grid.size()));
      log.printf(Locale.ROOT, "trial %d of %d...%n", t, k);
      log.flush();
      if (c.learningRate() != null) {
        train.learningRate = c.learningRate();
      }
      TrainModelCommand.Result r = train.run(c.targetEpsilon());
      if (r.exitCode() != 0) {
        return r.exitCode();
      }
      requireAsPlanned(orders, planned.get(c.targetEpsilon()), r.events());
      if (Double.isNaN(r.validationAccuracy())) {
        throw new IllegalArgumentException(
            "the private search scores each trial by its validation accuracy: use a"
                + " classification loss");
      }
      double correct = Math.rint(r.validationAccuracy() * r.validationExamples());
      double noisy = correct + validationNoise * random.nextGaussian();
      if (best == null || noisy > best.noisyCorrect()) {
        best = new Best(c, noisy, r);
      }
    }
    print(log, best, perTrial, search, delta, validationExamples);
    if (json) {
      out.println(Json.write(json(k, best, perTrial, search, delta, validationExamples)));
      out.flush();
    }
    return 0;
  }

  /** The noisy count as an accuracy, clipped to [0, 1] (post-processing: no privacy cost). */
  private static double noisyAccuracy(Best best, int validationExamples) {
    return Math.min(1, Math.max(0, best.noisyCorrect() / validationExamples));
  }

  private static double[] rdpOf(double[] orders, List<DpEvent> events) {
    RdpAccountant accountant = new RdpAccountant(orders);
    for (DpEvent e : events) {
      accountant.compose(e);
    }
    return accountant.rdp();
  }

  /** A trial that took other steps than its plan would not be covered by the bound. */
  private static void requireAsPlanned(double[] orders, double[] planned, List<DpEvent> ran) {
    double[] actual = rdpOf(orders, ran);
    for (int i = 0; i < orders.length; i++) {
      if (actual[i] > planned[i] * (1 + 1e-12)) {
        throw new IllegalStateException(
            "a trial spent more than its plan at order "
                + orders[i]
                + " ("
                + actual[i]
                + " > "
                + planned[i]
                + "): the search bound would not cover it");
      }
    }
  }

  private void print(
      PrintWriter log,
      Best best,
      EpsilonAndOrder perTrial,
      EpsilonAndOrder search,
      double delta,
      int validationExamples) {
    log.println();
    if (best == null) {
      log.println("No trial ran (K = 0): nothing is released.");
    } else {
      log.println("Best configuration: " + best.config().describe());
      log.printf(
          Locale.ROOT,
          "  validation accuracy %.4f (noisy: sigma %s on its count of correct examples among"
              + " %d, clipped to [0, 1])%n",
          noisyAccuracy(best, validationExamples),
          validationNoise,
          validationExamples);
      if (!Double.isNaN(best.run().testAccuracy())) {
        log.printf(
            Locale.ROOT, "  test accuracy %.4f (held-out test data)%n", best.run().testAccuracy());
      }
    }
    log.printf(
        Locale.ROOT,
        "The whole search spent epsilon %s (RDP, order %s) at delta = %s; one trial (training and"
            + " its noisy validation score, the largest over the grid) %s.%n",
        EpsilonFormat.text(search.epsilon(), 3),
        search.order(),
        delta,
        EpsilonFormat.text(perTrial.epsilon(), 3));
    log.flush();
  }

  private ObjectNode json(
      long k,
      Best best,
      EpsilonAndOrder perTrial,
      EpsilonAndOrder search,
      double delta,
      int validationExamples) {
    ObjectNode node = Json.object();
    node.put("private", true);
    node.put("trials", k);
    ObjectNode law = node.putObject("distribution");
    if (trials instanceof TruncatedNegativeBinomialTrials t) {
      law.put("name", "negative-binomial");
      law.put("eta", t.eta());
      law.put("gamma", t.gamma());
    } else {
      law.put("name", "poisson");
    }
    law.put("mean", trials.mean());
    EpsilonFormat.putJson(node, "epsilon", search.epsilon());
    node.put("epsilon_order", search.order());
    EpsilonFormat.putJson(node, "epsilon_per_trial", perTrial.epsilon());
    node.put("delta", delta);
    node.put("accountant", "rdp");
    ArrayNode configs = node.putArray("grid");
    for (Config c : grid) {
      ObjectNode g = configs.addObject();
      g.put("target_epsilon", c.targetEpsilon());
      if (c.learningRate() != null) {
        g.put("learning_rate", c.learningRate());
      }
    }
    ObjectNode validation = node.putObject("validation");
    validation.put("examples", validationExamples);
    validation.put("noise_multiplier", validationNoise);
    if (best == null) {
      node.putNull("best");
    } else {
      ObjectNode b = node.putObject("best");
      b.put("target_epsilon", best.config().targetEpsilon());
      if (best.config().learningRate() != null) {
        b.put("learning_rate", best.config().learningRate());
      }
      b.put("noise_multiplier", best.run().noiseMultiplier());
      b.put("validation_accuracy", noisyAccuracy(best, validationExamples));
      if (Double.isNaN(best.run().testAccuracy())) {
        b.putNull("test_accuracy");
      } else {
        b.put("test_accuracy", best.run().testAccuracy());
      }
    }
    node.put(
        "dp_coverage_note",
        "epsilon covers releasing the best configuration and its noisy validation accuracy"
            + " (Papernot and Steinke 2022, the RDP bound of the best of K trials, K random);"
            + " it does not cover releasing trials (K) or any other trial's result;"
            + " best.test_accuracy is computed on held-out test data");
    return node;
  }
}
