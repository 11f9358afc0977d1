package dev.hubtune.models.deberta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.hubtune.models.testing.EncoderParity;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * DeBERTa-v2 against transformers 4.46 (fixture from {@code
 * tools/reference/encoder_families_reference.py}): DeBERTa-v3's layout (8 log buckets on 10-token
 * inputs, shared keys, p2c|c2p, normalised relative embeddings, no absolute positions or token
 * types) and the unshared, unbucketed options with a span shorter than the inputs, absolute
 * positions, token types and embed_proj; last hidden state, ContextPooler classifier logits and
 * token logits within 1e-5 with padding.
 */
class DebertaV2ParityTest {

    @ParameterizedTest
    @ValueSource(strings = {"deberta-v2", "deberta-v2-unshared"})
    void outputsEqualTransformers(String family, @TempDir Path dir) throws Exception {
        EncoderParity.assertParity(family, dir, 1e-5);
    }

    @Test
    void logBucketsAsTransformersComputesThem() {
        // make_log_bucket_position(relative, 256, 512) of transformers for a few distances.
        assertEquals(0, DebertaV2Buckets.bucket(0, 256, 512));
        assertEquals(127, DebertaV2Buckets.bucket(127, 256, 512));
        assertEquals(128, DebertaV2Buckets.bucket(128, 256, 512));
        assertEquals(-128, DebertaV2Buckets.bucket(-128, 256, 512));
        assertEquals(129, DebertaV2Buckets.bucket(129, 256, 512));
        assertEquals(255, DebertaV2Buckets.bucket(511, 256, 512));
        assertEquals(-255, DebertaV2Buckets.bucket(-511, 256, 512));
    }

    @Test
    void aSpanThatDisagreesWithTheTableIsRefused(@TempDir Path dir) throws Exception {
        JsonObject c = EncoderParity.reference("deberta-v2").deepCopy();
        c.getAsJsonObject("config").addProperty("position_buckets", 256);
        String message = EncoderParity.loadError(EncoderParity.checkpoint(c, "sequence", 3, dir));
        assertNotNull(message);
        assertTrue(message.contains("rel_embeddings") && message.contains("[512, 32]"), message);
    }
}
