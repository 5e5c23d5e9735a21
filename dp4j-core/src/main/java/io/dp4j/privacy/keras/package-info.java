/**
 * The hosted "private Keras" surface: {@link io.dp4j.privacy.keras.PrivateKerasModel} wraps an
 * ordinary {@link io.dp4j.nn.Sequential}, trains it with DP-SGD on a {@link
 * io.dp4j.data.table.PrivateDataLoader}'s Poisson batches through dp4j's one DP engine, reports ε
 * after every epoch, and can charge every step to a persistent {@link io.dp4j.ledger.PrivacyLedger}
 * (module {@code dp4j-ledger}) before the step's noisy gradient exists: {@code LedgerFit} admits
 * the run and trains with a {@link io.dp4j.nn.train.Trainer} whose before-step hook ({@code
 * LedgerStepCharge}, which always has a run to charge) records step s before step s runs; a hook
 * that throws stops the fit before the step.
 */
package io.dp4j.privacy.keras;
