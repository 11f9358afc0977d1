/**
 * Task heads on any {@link dev.hubtune.models.family.Backbone}: sequence and token classification,
 * masked and causal language modelling. Each head owns its parameters (and their initialisation)
 * and its loss; the family decides only what the head sees, through the backbone.
 */
package dev.hubtune.models.heads;
