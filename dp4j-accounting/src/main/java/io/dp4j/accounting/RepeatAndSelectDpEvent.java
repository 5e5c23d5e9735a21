package io.dp4j.accounting;

import java.util.Objects;

/**
 * Private hyperparameter tuning: run {@code event} a random number K of times, K drawn from {@code
 * trials} independently of the data, and release only the best run (by a score the run computes
 * privately) — Papernot and Steinke 2022, "Hyperparameter Tuning with Renyi Differential Privacy"
 * (arXiv:2110.03620), and {@code dp_accounting}'s {@code RepeatAndSelectDpEvent}.
 *
 * <p>{@code event} must bound every trial: a trial that picks one of several configurations at
 * random is bounded by the event whose RDP is the largest at each order (a mixture's Rényi
 * divergence is at most the largest of its parts'). Only {@link RdpAccountant} supports it (the
 * bound is an RDP bound, see {@link RepeatAndSelectRdp}).
 *
 * @param event one trial
 * @param trials the law of K
 */
public record RepeatAndSelectDpEvent(DpEvent event, TrialCountDistribution trials)
    implements DpEvent {
  public RepeatAndSelectDpEvent {
    Objects.requireNonNull(event, "event");
    Objects.requireNonNull(trials, "trials");
  }
}
