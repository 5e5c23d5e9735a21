/**
 * Training on a table held by a cluster, for callers that must not depend on the cluster's
 * libraries (the {@code dp4j} command): an engine found by {@link java.util.ServiceLoader} opens
 * the table and trains a {@link io.dp4j.privacy.TrainingPlan} on it.
 */
package io.dp4j.privacy.cluster;
