/**
 * The seam between model families and everything else: a {@link
 * dev.hubtune.models.family.ModelFamily} reads a family's config and weights, builds its {@link
 * dev.hubtune.models.family.Backbone} and writes it back in Hugging Face's format; {@link
 * dev.hubtune.models.family.ModelFamilies} finds the family of a model directory by {@code
 * config.json}'s {@code model_type} (families register through {@link java.util.ServiceLoader}).
 * Heads, apps and training tasks see only these types.
 */
package dev.hubtune.models.family;
