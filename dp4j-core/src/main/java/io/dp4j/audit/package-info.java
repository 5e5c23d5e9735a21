/**
 * Privacy auditing of trained models: membership-inference attacks that measure how much a model's
 * outputs tell its training examples apart from other examples ({@link
 * io.dp4j.audit.MembershipInference}).
 */
package io.dp4j.audit;
