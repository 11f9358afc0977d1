package dev.hubtune.models.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hubtune.models.apps.DecoderModel;
import dev.hubtune.models.decoding.GenerationConfig;
import dev.hubtune.models.family.ModelFamilies;
import dev.hubtune.models.family.PretrainedModel;
import dev.hubtune.tokenizers.TextTokenizer;
import dev.hubtune.tokenizers.Truncation;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A directory holding only a GGUF runs as the Llama it was converted from: config and tokenizer
 * rebuilt from its metadata, q/k rows un-permuted, quantised tensors dequantised. Against
 * transformers loading the same file itself ({@code from_pretrained(gguf_file=…)}): the same token
 * ids, logits within 1e-4, greedy tokens identical (fixture from {@code
 * tools/reference/gguf_reference.py}).
 */
class GgufLlamaParityTest {

    @Test
    void aGgufDirectoryComputesWhatTransformersComputesFromIt(@TempDir Path dir) throws Exception {
        Path model = Files.createDirectories(dir.resolve("tiny"));
        try (InputStream in = getClass().getResourceAsStream("/reference/gguf/tiny-llama.gguf")) {
            Files.copy(in, model.resolve("tiny-llama.gguf"));
        }
        JsonObject ref;
        try (InputStream in =
                getClass().getResourceAsStream("/reference/gguf/gguf-reference.json")) {
            ref =
                    JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8))
                            .getAsJsonObject()
                            .getAsJsonObject("tiny");
        }
        PretrainedModel described = ModelFamilies.describe(model);
        assertEquals("llama", described.config().modelType());
        assertTrue(Files.isRegularFile(described.dir().resolve("tokenizer.json")));
        assertTrue(
                Files.readString(described.dir().resolve("tokenizer_config.json"))
                        .contains("<|im_start|>"),
                "the chat template is kept");
        String[] prompts = {
            "hello world, the quick brown fox", "Tokenizers split text into pieces"
        };
        try (DecoderModel decoder = DecoderModel.load(described);
                TextTokenizer tok =
                        TextTokenizer.builder()
                                .setModelDir(described.dir())
                                .optAddSpecialTokens(false)
                                .optTruncation(Truncation.NONE)
                                .optMaxLength(Integer.MAX_VALUE)
                                .build()) {
            JsonArray cases = ref.getAsJsonArray("cases");
            for (int c = 0; c < cases.size(); c++) {
                JsonObject row = cases.get(c).getAsJsonObject();
                int[] ids = ints(row.getAsJsonArray("ids"));
                long[] ours = tok.encode(prompts[c]).ids();
                assertArrayEquals(
                        java.util.Arrays.stream(ids).asLongStream().toArray(), ours, prompts[c]);
                float[][] logits = decoder.logits(new int[][] {ids})[0];
                double worst = 0;
                JsonArray expected = row.getAsJsonArray("logits");
                for (int t = 0; t < ids.length; t++) {
                    JsonArray r = expected.get(t).getAsJsonArray();
                    for (int v = 0; v < r.size(); v++) {
                        worst = Math.max(worst, Math.abs(r.get(v).getAsDouble() - logits[t][v]));
                    }
                }
                assertTrue(worst < 1e-4, "max |Δlogit| " + worst);
                int[] greedy = ints(row.getAsJsonArray("greedy_ids"));
                assertArrayEquals(
                        greedy,
                        decoder.generate(
                                        ids,
                                        GenerationConfig.builder()
                                                .optMaxNewTokens(greedy.length)
                                                .optStopAtEndOfText(false)
                                                .build())
                                .ids());
            }
        }
    }

    static int[] ints(JsonArray a) {
        int[] out = new int[a.size()];
        int i = 0;
        for (JsonElement e : a) {
            out[i++] = e.getAsInt();
        }
        return out;
    }
}
