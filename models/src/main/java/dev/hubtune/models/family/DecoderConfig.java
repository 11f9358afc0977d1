package dev.hubtune.models.family;

/** What generation needs of a decoder's config. */
public interface DecoderConfig extends FamilyConfig {

    /** Begin-of-text id (the prompt of an empty prompt). */
    int bosTokenId();

    /** End-of-text id: generation stops there. */
    int eosTokenId();
}
