package dev.hubtune.models.decoding;

/**
 * Generated token ids.
 *
 * @param ids the new tokens (without the end-of-text token that stopped them)
 * @param stoppedAtEndOfText whether the end-of-text token ended generation
 */
public record Continuation(int[] ids, boolean stoppedAtEndOfText) {}
