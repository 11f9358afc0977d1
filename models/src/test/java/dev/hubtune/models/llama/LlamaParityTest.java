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
import dev.hubtune.models.testing.FormulaWeights;
import dev.hubtune.models.weights.Safetensors;
import dev.hubtune.models.weights.WeightTensor;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Llama, Qwen2, Mistral and Gemma against HF transformers 4.46 on tiny configs with formula weights
 * (golden file from {@code tools/reference/llama_reference.py}): logits within 1e-4, greedy tokens
 * identical, and the cached and uncached paths identical. The checkpoint is written with
 * transformers' own parameter names and shapes and read through the family's importer, so names and
 * layout are under test too.
 */
class LlamaParityTest {

    private static JsonObject reference;

    private static JsonObject reference() throws Exception {
        if (reference == null) {
            try (InputStream in =
                    LlamaParityTest.class.getResourceAsStream(
                            "/reference/llama-family-reference.json")) {
                reference =
                        JsonParser.parseString(
                                        new String(in.readAllBytes(), StandardCharsets.UTF_8))
                                .getAsJsonObject();
            }
        }
        return reference;
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "qwen2", "mistral", "gemma"})
    void logitsAndGreedyTokensEqualTransformers(String family, @TempDir Path dir) throws Exception {
        JsonObject c = reference().getAsJsonObject("cases").getAsJsonObject(family);
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (var e : c.getAsJsonObject("parameters").entrySet()) {
            shapes.put(e.getKey(), longs(e.getValue().getAsJsonArray()));
        }
        Map<String, WeightTensor> weights =
                FormulaWeights.llamaFamily(shapes, family.equals("gemma"));
        Files.writeString(dir.resolve("config.json"), c.getAsJsonObject("config").toString());
        Safetensors.write(dir.resolve("model.safetensors"), weights, Map.of("format", "pt"));
        assertEquals(family, ModelFamilies.describe(dir).config().modelType());

        try (DecoderModel model = DecoderModel.load(dir)) {
            JsonArray inputs = c.getAsJsonArray("inputs");
            int[][] ids = new int[inputs.size()][];
            for (int b = 0; b < ids.length; b++) {
                ids[b] = ints(inputs.get(b).getAsJsonArray());
            }
            float[][][] ours = model.logits(ids);
            JsonArray expected = c.getAsJsonArray("logits");
            double worst = 0;
            for (int b = 0; b < ids.length; b++) {
                for (int t = 0; t < ids[b].length; t++) {
                    JsonArray row = expected.get(b).getAsJsonArray().get(t).getAsJsonArray();
                    for (int v = 0; v < row.size(); v++) {
                        worst = Math.max(worst, Math.abs(row.get(v).getAsDouble() - ours[b][t][v]));
                    }
                }
            }
            assertTrue(worst < 1e-4, family + ": max |Δlogit| " + worst);

            int[] prompt = ints(c.getAsJsonArray("greedy_prompt"));
            int[] greedy = ints(c.getAsJsonArray("greedy_ids"));
            GenerationConfig cached =
                    GenerationConfig.builder()
                            .optMaxNewTokens(greedy.length)
                            .optStopAtEndOfText(false)
                            .build();
            GenerationConfig uncached =
                    GenerationConfig.builder()
                            .optMaxNewTokens(greedy.length)
                            .optStopAtEndOfText(false)
                            .optUseCache(false)
                            .build();
            assertArrayEquals(greedy, model.generate(prompt, cached).ids(), family + " cached");
            assertArrayEquals(greedy, model.generate(prompt, uncached).ids(), family + " uncached");
        }
    }

    private static int[] ints(JsonArray a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsInt();
        }
        return out;
    }

    private static long[] longs(JsonArray a) {
        long[] out = new long[a.size()];
        int i = 0;
        for (JsonElement e : a) {
            out[i++] = e.getAsLong();
        }
        return out;
    }
}
