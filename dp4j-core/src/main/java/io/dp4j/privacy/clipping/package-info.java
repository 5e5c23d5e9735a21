/**
 * Per-example (per-unit) gradient norms and clipped sums, one {@link
 * io.dp4j.privacy.clipping.ClippingRule} per layer type, found through the {@link
 * io.dp4j.privacy.clipping.ClippingRegistry}. {@link io.dp4j.privacy.DpStep} calls a layer's rule
 * with its input a_l and output gradient G_l grouped by clipping unit; the rule returns the units'
 * squared norms and, from the clip factors, the clipped sum of each parameter (or both from shared
 * work, {@link io.dp4j.privacy.clipping.LayerClipping}). Adding a layer with parameters means one
 * rule registered in {@link io.dp4j.privacy.clipping.ClippingRegistry#defaults()} (and one Keras
 * codec); without a rule, a DP compile refuses the layer by name. See docs/clipping-registry.md.
 */
package io.dp4j.privacy.clipping;
