package io.dp4j.cli;

import io.dp4j.data.Dataset;
import io.dp4j.nn.layers.Dense;
import io.dp4j.nn.layers.Flatten;
import io.dp4j.nn.layers.GroupNormalization;
import io.dp4j.nn.layers.Layer;
import io.dp4j.nn.layers.Scattering2D;
import io.dp4j.privacy.SecureGaussianNoise;
import io.dp4j.privacy.release.ChannelWhitening;
import java.util.List;
import java.util.Locale;

/**
 * {@code dp4j train --recipe}: the best setting found for a built-in data set. The model is Tramèr
 * and Boneh's (2021) ScatterNet + linear: a scattering transform (J = 2, L = 8: 81 maps of 7 × 7),
 * GroupNorm of 27 groups without parameters, a linear layer. Its front end has no parameters, so it
 * is computed once per example and cached ({@code FrozenFrontEnd}). Before DP-SGD, the features'
 * channels are whitened by a map fitted to their second moments released with the Gaussian
 * mechanism ({@link ChannelWhitening}); the release is one more DP event in the run's ε. The
 * hyperparameters were chosen on a validation split of the training set (its last 10,000 examples),
 * never on the test set (docs/recipes.md lists the runs).
 */
enum Recipe {
  MNIST("mnist", TrainModelCommand.DataChoice.mnist, 8192, 16f, 32f, 0.9, 60, 0.1, 0.99, true),
  FASHION_MNIST(
      "fashion-mnist",
      TrainModelCommand.DataChoice.fashion_mnist,
      8192,
      16f,
      32f,
      0.9,
      60,
      0.1,
      0.99,
      true);

  /**
   * The accountant of the σ calibration: PLD's ε is the tighter bound of the same noise, so the
   * same target allows a smaller σ (both ε are reported).
   */
  final AccountantChoice accountant = AccountantChoice.pld;

  /** The target ε of a recipe run that names none. */
  static final double DEFAULT_TARGET_EPSILON = 3;

  /** The δ of the recipes' ε, the literature's for MNIST and Fashion-MNIST (60,000 examples). */
  static final double DELTA = 1e-5;

  /** The images of the built-in data sets. */
  static final long[] IMAGE_SHAPE = {28, 28, 1};

  /**
   * From this target ε on, a recipe takes its larger learning rate: with less noise per step the
   * larger step trains further in the same steps (on the validation split at ε 3: MNIST 98.50%
   * against 98.37%, Fashion-MNIST 89.51% against 88.88%), where at ε 1 the noise it amplifies costs
   * more than it gains (Fashion-MNIST 87.21% against 87.90%).
   */
  static final double LARGER_STEP_FROM_EPSILON = 3;

  /** Tramèr and Boneh's groups for the 81 scattering channels of a grey image. */
  static final int GROUPS = 27;

  /** The scattering channels per position of the front end's output (J = 2, L = 8, order 2). */
  static final int CHANNELS = 81;

  /**
   * The channel whitening's release ({@link ChannelWhitening}): each example's 81 × 81 channel
   * moment matrix is clipped to Frobenius norm 5 (about the median of the training images', 5.2 on
   * Fashion-MNIST), and the sum gets Gaussian noise of σ 8 · 5. One such release beside DP-SGD's
   * hundreds of steps costs little: at ε 3 the calibrated σ of the steps rises by about 2%.
   */
  static final double WHITENING_CLIP_NORM = 5;

  static final double WHITENING_NOISE_MULTIPLIER = 8;

  /** The whitening's ridge, relative to the mean eigenvalue (chosen on the validation split). */
  static final double WHITENING_RIDGE = 0.1;

  final String label;
  final TrainModelCommand.DataChoice data;
  final int batchSize;
  final float learningRate;
  final float largerStepLearningRate;
  final double momentum;
  final int epochs;
  final double l2NormClip;
  final double ema;
  final boolean emaWarmup;

  Recipe(
      String label,
      TrainModelCommand.DataChoice data,
      int batchSize,
      float learningRate,
      float largerStepLearningRate,
      double momentum,
      int epochs,
      double l2NormClip,
      double ema,
      boolean emaWarmup) {
    this.label = label;
    this.data = data;
    this.batchSize = batchSize;
    this.learningRate = learningRate;
    this.largerStepLearningRate = largerStepLearningRate;
    this.momentum = momentum;
    this.epochs = epochs;
    this.l2NormClip = l2NormClip;
    this.ema = ema;
    this.emaWarmup = emaWarmup;
  }

  /**
   * The learning rate of a run at {@code targetEpsilon}: the larger one from {@link
   * #LARGER_STEP_FROM_EPSILON} on, else the smaller (also when σ is given instead of a target).
   */
  float learningRate(Double targetEpsilon) {
    return targetEpsilon != null && targetEpsilon >= LARGER_STEP_FROM_EPSILON
        ? largerStepLearningRate
        : learningRate;
  }

  /**
   * The recipe {@code name} names.
   *
   * @throws IllegalArgumentException naming the recipes there are
   */
  static Recipe parse(String name) {
    for (Recipe recipe : values()) {
      if (recipe.label.equals(name.toLowerCase(Locale.ROOT))) {
        return recipe;
      }
    }
    throw new IllegalArgumentException(
        "--recipe must be mnist or fashion-mnist, got \"" + name + "\"");
  }

  /** The model's layers (new ones on every call), for 28 × 28 × 1 images; it outputs logits. */
  List<Layer> layers() {
    return List.of(
        Scattering2D.builder().setJ(2).optL(8).optInputShape(IMAGE_SHAPE).build(),
        GroupNormalization.builder().setGroups(GROUPS).optCenter(false).optScale(false).build(),
        new Flatten(),
        new Dense(10));
  }

  /** The model, as the run's log names it. */
  String modelName() {
    return "ScatterNet(J=2, L=8) + GroupNorm("
        + GROUPS
        + ", no parameters) + private channel whitening + linear";
  }

  /**
   * Releases the channel moments of {@code train}'s front-end features (secure noise) and fits the
   * whitening the linear layer trains on.
   */
  static ChannelWhitening whitening(Dataset train, double ridge, double noiseMultiplier) {
    return ChannelWhitening.release(
        train, CHANNELS, WHITENING_CLIP_NORM, noiseMultiplier, ridge, SecureGaussianNoise.secure());
  }
}
