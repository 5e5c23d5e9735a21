/**
 * Privacy accounting: DP events, the RDP and PLD accountants, noise calibration and privacy
 * statements. Pure Java: no TensorFlow, no database (the budget ledger is the module {@code
 * dp4j-ledger}).
 */
package io.dp4j.accounting;
