package dev.hubtune.models.family;

import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TInt32;

/**
 * The input placeholders of a backbone, int32 {@code [batch, length]}, named {@code input_ids},
 * {@code attention_mask} and {@code token_type_ids} as in HF and in serving signatures. Families
 * without padding masks or token types (GPT-2 training graphs, DistilBERT) leave those null.
 *
 * @param inputIds token ids
 * @param attentionMask 1 for real tokens, 0 for padding; null when the family takes none
 * @param tokenTypeIds segment ids; null when the family has no token types
 */
public record BackboneInputs(
        Placeholder<TInt32> inputIds,
        Placeholder<TInt32> attentionMask,
        Placeholder<TInt32> tokenTypeIds) {}
