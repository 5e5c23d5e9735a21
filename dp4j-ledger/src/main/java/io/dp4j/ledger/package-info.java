/**
 * The persistent privacy budget ledger (module {@code dp4j-ledger}): datasets registered with an
 * (ε, δ) allowance and the training runs charged against it, composed with a privacy accountant.
 *
 * <p>Entry point: {@link io.dp4j.ledger.PrivacyLedger}; a run is a {@link
 * io.dp4j.ledger.RunCharge}. The command line is {@code dp4j ledger create|show|list}, whose JSON
 * ({@link io.dp4j.ledger.LedgerJson}) is the stable interface for other tools.
 *
 * <p>{@code PrivacyLedger} is a small facade over parts with one job each: {@code LedgerStore}
 * keeps the rows ({@code SqliteLedgerStore} today; a server database implements the same
 * transactions), {@code AdmissionPolicy} decides from the budget, the recorded runs and the plan
 * whether a run fits (pure arithmetic, no database), {@code Composition} turns runs into ε's,
 * {@code StaleRunReaper} ends the runs of dead processes, and {@code LedgerPaths} finds the file
 * and checks its state (missing: created; empty: refused; write-protected: read-only).
 *
 * <p>Storage is one SQLite file (WAL journal, {@code synchronous=FULL}, {@code application_id}
 * "dp4j", {@code user_version} = schema version 1) with two tables: {@code datasets} (name,
 * epsilon_budget, delta, accountant, created_at) and {@code runs} (dataset_id, who, what,
 * started_at, updated_at, ended_at, step_event as JSON, q, sigma, planned_steps, steps charged,
 * accountant, status, and the host, pid and process start time that let a dead run be found). No ε
 * is stored: every ε is recomputed from the events, so a better accountant never leaves stale
 * numbers. The schema is internal; read the ledger through this API or the CLI's JSON. A file that
 * cannot be used fails with a {@link io.dp4j.ledger.LedgerException} naming the file, the problem
 * (damaged, read-only, empty) and the remedy.
 */
package io.dp4j.ledger;
