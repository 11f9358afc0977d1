package dev.hubtune.tokenizers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.hubtune.hub.HubtuneHome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerRuntimeTest {

    @Test
    void nativesLoadOfflineWithTheCacheInTheHome(@TempDir Path dir) throws Exception {
        HubtuneHome home = HubtuneHome.fromEnvironment();
        String version = TokenizerRuntime.load(home);
        assertTrue(version.startsWith("0.36"), version);
        assertEquals("true", System.getProperty("ai.djl.offline"));
        assertTrue(
                Path.of(System.getProperty("DJL_CACHE_DIR")).startsWith(home.root()),
                System.getProperty("DJL_CACHE_DIR"));

        // A real WordPiece tokenizer from a local tokenizer.json works through the loaded natives.
        Path json = dir.resolve("tokenizer.json");
        Files.writeString(
                json,
                """
                {"version":"1.0","truncation":null,"padding":null,"added_tokens":[],
                 "normalizer":{"type":"BertNormalizer","clean_text":true,"handle_chinese_chars":true,
                               "strip_accents":null,"lowercase":true},
                 "pre_tokenizer":{"type":"BertPreTokenizer"},"post_processor":null,"decoder":null,
                 "model":{"type":"WordPiece","unk_token":"[UNK]","continuing_subword_prefix":"##",
                          "max_input_chars_per_word":100,
                          "vocab":{"[UNK]":0,"hello":1,"world":2,"##s":3,"!":4}}}
                """);
        try (HuggingFaceTokenizer tokenizer =
                HuggingFaceTokenizer.newInstance(json, Map.of("addSpecialTokens", "false"))) {
            Encoding encoding = tokenizer.encode("Hello worlds!");
            assertArrayEquals(new long[] {1, 2, 3, 4}, encoding.getIds());
        }
    }
}
