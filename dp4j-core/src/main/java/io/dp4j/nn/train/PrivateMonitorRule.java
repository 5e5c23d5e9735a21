package io.dp4j.nn.train;

/**
 * Under DP training, a callback that acts on a monitored figure (stopping early, keeping the best
 * epoch) must read only figures DP does not need to cover: a {@code val_} metric of validation data
 * the user declared not private. Training loss and metrics are computed without noise on the
 * private batches, so an epoch chosen by them would carry information past ε.
 */
public final class PrivateMonitorRule {
  private PrivateMonitorRule() {}

  /**
   * @param who the callback, for the message ("EarlyStopping")
   * @throws IllegalArgumentException if {@code model} trains with DP and {@code monitor} is not a
   *     validation metric of data declared not private
   */
  public static void require(String who, String monitor, TrainableModel model) {
    if (!model.isDifferentiallyPrivate()) {
      return;
    }
    if (!monitor.startsWith("val_")) {
      throw new IllegalArgumentException(
          who
              + " monitor \""
              + monitor
              + "\" is computed without noise on the private training batches, so under DP"
              + " training the epoch it picks would leak past epsilon; monitor a val_ metric of"
              + " validation data declared not private (fit(..., validationData.declaredNotPrivate()))");
    }
    if (!model.validationDeclaredNotPrivate()) {
      throw new IllegalArgumentException(
          who
              + " monitor \""
              + monitor
              + "\" under DP training needs validationData declared not private: pass"
              + " validationData.declaredNotPrivate() to fit if no one in it needs DP's"
              + " protection; DP does not cover the validation data, so its statistics must not"
              + " steer training otherwise");
    }
  }
}
