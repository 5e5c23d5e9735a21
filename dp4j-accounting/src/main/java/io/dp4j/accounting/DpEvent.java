package io.dp4j.accounting;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * A differentially private mechanism, described as data so that any {@link PrivacyAccountant} can
 * account for it (the event model of Google's {@code dp_accounting}).
 *
 * <p>Events are immutable and validated when built. Training code emits events; it never calls
 * privacy formulas itself.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = GaussianDpEvent.class, name = "gaussian"),
  @JsonSubTypes.Type(value = PoissonSampledDpEvent.class, name = "poisson_sampled"),
  @JsonSubTypes.Type(value = SelfComposedDpEvent.class, name = "self_composed"),
  @JsonSubTypes.Type(value = ComposedDpEvent.class, name = "composed"),
  @JsonSubTypes.Type(value = RepeatAndSelectDpEvent.class, name = "repeat_and_select")
})
public sealed interface DpEvent
    permits GaussianDpEvent,
        PoissonSampledDpEvent,
        SelfComposedDpEvent,
        ComposedDpEvent,
        RepeatAndSelectDpEvent {}
