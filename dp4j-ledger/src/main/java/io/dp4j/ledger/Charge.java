package io.dp4j.ledger;

import io.dp4j.accounting.DpEvent;

/** {@code steps} repetitions of a run's step event, as composed into a dataset's ε. */
record Charge(DpEvent event, long steps) {}
