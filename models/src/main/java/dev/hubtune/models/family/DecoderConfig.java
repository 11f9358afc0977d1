package dev.hubtune.models.family;

/** What generation needs of a decoder's config. */
public interface DecoderConfig extends FamilyConfig {

    /** Begin-of-text id (the prompt of an empty prompt). */
    int bosTokenId();

    /** End-of-text id: generation stops there. */
    int eosTokenId();

    /**
     * Every id generation stops at (Llama 3 and chat models have several: end of text, end of
     * turn); the end-of-text id alone by default.
     */
    default java.util.Set<Integer> stopTokenIds() {
        return java.util.Set.of(eosTokenId());
    }
}
