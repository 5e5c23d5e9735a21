/**
 * Privacy accounting: DP events, the RDP and PLD accountants ({@link
 * io.dp4j.accounting.AccountantKind} names the built-in ones), noise calibration and privacy
 * statements. {@link io.dp4j.accounting.RunShape} is the one function that turns a run's shape (q,
 * σ, steps, examples per clipping unit) into its DP event, with the σ/2 microbatch rule. Pure Java:
 * no TensorFlow, no database (the budget ledger is the module {@code dp4j-ledger}).
 */
package io.dp4j.accounting;
