package dev.hubtune.models.gpt2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.apps.DecoderModel;
import dev.hubtune.models.decoding.GenerationConfig;
import dev.hubtune.models.family.ModelFamilies;
import dev.hubtune.models.family.PretrainedModel;
import dev.hubtune.models.nn.BuildContext;
import dev.hubtune.models.testing.FormulaWeights;
import dev.hubtune.models.weights.Safetensors;
import dev.hubtune.models.weights.WeightTensor;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.op.Ops;

/**
 * Our GPT-2 graph against HF transformers' {@code GPT2LMHeadModel} with the same weights (a formula
 * both sides compute; the golden logits and greedy ids come from {@code
 * tools/reference/gpt2_reference.py}), and the key/value cache against recomputing the prefix.
 */
class Gpt2ParityTest {

    private static JsonObject reference;
    private static Gpt2Config config;
    private static Map<String, WeightTensor> weights;
    private static DecoderModel model;

    @BeforeAll
    static void load() throws Exception {
        try (InputStream in =
                Gpt2ParityTest.class.getResourceAsStream("/reference/gpt2-tiny-reference.json")) {
            reference =
                    JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8))
                            .getAsJsonObject();
        }
        JsonObject c = reference.getAsJsonObject("config");
        config =
                new Gpt2Config(
                        c.get("vocab_size").getAsInt(),
                        c.get("n_positions").getAsInt(),
                        c.get("n_embd").getAsInt(),
                        c.get("n_layer").getAsInt(),
                        c.get("n_head").getAsInt(),
                        4 * c.get("n_embd").getAsInt(),
                        c.get("layer_norm_epsilon").getAsDouble(),
                        c.get("bos_token_id").getAsInt(),
                        c.get("eos_token_id").getAsInt());
        dev.hubtune.models.runtime.TensorFlowRuntime.load();
        try (Graph g = new Graph()) {
            weights =
                    FormulaWeights.of(
                            new Gpt2Family()
                                    .build(BuildContext.inference(Ops.create(g)), config)
                                    .context()
                                    .parameters()
                                    .variables());
        }
        model = DecoderModel.load(PretrainedModel.of(new Gpt2Family(), config, weights));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void logitsMatchHuggingFaceTransformers() {
        JsonArray inputs = reference.getAsJsonArray("inputs");
        int[][] ids = new int[inputs.size()][];
        for (int b = 0; b < ids.length; b++) {
            ids[b] = ints(inputs.get(b).getAsJsonArray());
        }
        float[][][] ours = model.logits(ids);
        JsonArray expected = reference.getAsJsonArray("logits");
        double max = 0;
        for (int b = 0; b < ids.length; b++) {
            for (int t = 0; t < ids[b].length; t++) {
                JsonArray row = expected.get(b).getAsJsonArray().get(t).getAsJsonArray();
                for (int v = 0; v < config.vocabSize(); v++) {
                    max = Math.max(max, Math.abs(ours[b][t][v] - row.get(v).getAsDouble()));
                }
            }
        }
        assertTrue(max < 1e-4, "max |Δ logit| vs transformers " + max);
    }

    @Test
    void greedyGenerationMatchesHuggingFaceAndTheCacheChangesNothing() throws Exception {
        int[] prompt = ints(reference.getAsJsonArray("greedy_prompt"));
        int[] expected = ints(reference.getAsJsonArray("greedy_ids"));
        GenerationConfig withCache =
                GenerationConfig.builder().optMaxNewTokens(expected.length).build();
        GenerationConfig without =
                GenerationConfig.builder()
                        .optMaxNewTokens(expected.length)
                        .optUseCache(false)
                        .build();
        assertArrayEquals(expected, model.generate(prompt, withCache).ids());
        assertArrayEquals(expected, model.generate(prompt, without).ids());

        GenerationConfig.Builder sampled =
                GenerationConfig.builder()
                        .optMaxNewTokens(25)
                        .optTemperature(1.3f)
                        .optTopK(40)
                        .optTopP(0.95f)
                        .optStopAtEndOfText(false);
        int[] a = model.generate(prompt, sampled.optSeed(7).build()).ids();
        int[] b = model.generate(prompt, sampled.optSeed(7).optUseCache(false).build()).ids();
        int[] c = model.generate(prompt, sampled.optSeed(8).optUseCache(true).build()).ids();
        assertArrayEquals(a, b, "sampling with and without the cache, same seed");
        assertNotEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(c));
    }

    @Test
    void tooLongRequestsAreRefusedWithTheLimit() {
        ModelException e =
                assertThrows(
                        ModelException.class,
                        () -> model.generate(new int[30], GenerationConfig.greedy(5)));
        assertTrue(e.getMessage().contains("32 positions"), e.getMessage());
    }

    @Test
    void huggingFaceFilesRoundTrip(@TempDir Path dir) throws Exception {
        Files.writeString(
                dir.resolve("config.json"), new com.google.gson.Gson().toJson(config.toHfConfig()));
        Map<String, WeightTensor> hf = new java.util.LinkedHashMap<>();
        weights.forEach((k, v) -> hf.put("transformer." + k, v));
        hf.put("lm_head.weight", weights.get("wte.weight"));
        Safetensors.write(dir.resolve("model.safetensors"), hf, Map.of("format", "pt"));
        assertEquals(config, ModelFamilies.describe(dir).config());
        try (DecoderModel again = DecoderModel.load(dir)) {
            int[][] ids = {{1, 2, 3, 4}};
            assertArrayEquals(model.logits(ids)[0][3], again.logits(ids)[0][3], 0f);
        }
    }

    private static int[] ints(JsonArray a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsInt();
        }
        return out;
    }
}
