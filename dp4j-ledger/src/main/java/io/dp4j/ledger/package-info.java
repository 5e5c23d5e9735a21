/**
 * The persistent privacy budget ledger (module {@code dp4j-ledger}): datasets registered with an
 * (ε, δ) allowance and the training runs charged against it, composed with a privacy accountant.
 *
 * <p>Entry point: {@link io.dp4j.ledger.PrivacyLedger}; a run is a {@link
 * io.dp4j.ledger.RunCharge}. The command line is {@code dp4j ledger create|show|list}, whose JSON
 * ({@link io.dp4j.ledger.LedgerJson}) is the stable interface for other tools; {@code dp4j ledger
 * release} ends a run whose host is gone.
 *
 * <p>{@code PrivacyLedger} is a small facade over parts with one job each: {@code LedgerStore}
 * keeps the rows ({@code SqliteLedgerStore} in a file on this host, {@code PostgresLedgerStore} on
 * a server a team shares, both through {@code JdbcRows}), {@code AdmissionPolicy} decides from the
 * budget, the recorded runs and the plan whether a run fits (pure arithmetic, no database), {@code
 * Composition} turns runs into ε's, a {@code RunReaper} ends the runs of dead trainers ({@code
 * StaleRunReaper} by process in a file, {@code ExpiredLeaseReaper} by lease on a server, whose
 * leases a {@code Heartbeat} renews), and {@code LedgerPaths} finds the default ledger and checks a
 * file's state (missing: created; empty: refused; write-protected: read-only).
 *
 * <p>Storage is one SQLite file (WAL journal, {@code synchronous=FULL}, {@code application_id}
 * "dp4j", {@code user_version} = schema version 2), or a PostgreSQL database with the same tables
 * (and {@code ledger_meta} for the version), each with two tables: {@code datasets} (name,
 * epsilon_budget, delta, accountant, created_at) and {@code runs} (dataset_id, who, what,
 * started_at, updated_at, ended_at, step_event as JSON, q, sigma, planned_steps, steps charged,
 * accountant, status, why it ended, its lease on a server, and the host, pid and process start time
 * that let a dead run be found). Triggers keep history append-only in both databases. No ε is
 * stored: every ε is recomputed from the events, so a better accountant never leaves stale numbers.
 * The schema is internal; read the ledger through this API or the CLI's JSON. A file that cannot be
 * used fails with a {@link io.dp4j.ledger.LedgerException} naming the file, the problem (damaged,
 * read-only, empty) and the remedy.
 */
package io.dp4j.ledger;
