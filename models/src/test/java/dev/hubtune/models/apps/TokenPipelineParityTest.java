package dev.hubtune.models.apps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hubtune.models.testing.EncoderParity;
import dev.hubtune.models.weights.Safetensors;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TokenClassifier#entities} groups sub-tokens into words and words into entities as
 * transformers' {@code pipeline("token-classification", aggregation_strategy=...)} does, for every
 * strategy: the fixture ({@code tools/reference/token_pipeline_reference.py}) holds the pipeline's
 * entities (type, character span, score) on a tiny {@code BertForTokenClassification} whose
 * parameters are the encoder fixtures' formula values and whose WordPiece vocabulary splits names
 * into several sub-tokens and has unknown words; hubtune loads the same checkpoint and tokenizer.
 */
class TokenPipelineParityTest {

    @TempDir Path dir;

    private static JsonObject reference() throws Exception {
        try (InputStream in =
                TokenPipelineParityTest.class.getResourceAsStream(
                        "/reference/token-pipeline/token-pipeline-reference.json")) {
            return JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8))
                    .getAsJsonObject();
        }
    }

    private Path checkpoint(JsonObject ref) throws Exception {
        Path model = dir.resolve("model");
        Files.createDirectories(model);
        Files.writeString(model.resolve("config.json"), new Gson().toJson(ref.get("config")));
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (var e : ref.getAsJsonObject("parameters").entrySet()) {
            JsonArray a = e.getValue().getAsJsonArray();
            long[] shape = new long[a.size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = a.get(i).getAsLong();
            }
            shapes.put(e.getKey(), shape);
        }
        Safetensors.write(
                model.resolve("model.safetensors"),
                EncoderParity.formula(shapes),
                Map.of("format", "pt"));
        try (InputStream in =
                getClass().getResourceAsStream("/reference/token-pipeline/tokenizer.json")) {
            Files.write(model.resolve("tokenizer.json"), in.readAllBytes());
        }
        return model;
    }

    @Test
    void everyAggregationGroupsAsTransformersPipeline() throws Exception {
        JsonObject ref = reference();
        List<String> texts = new ArrayList<>();
        ref.getAsJsonArray("texts").forEach(t -> texts.add(t.getAsString()));
        int entities = 0;
        try (TokenClassifier ner = TokenClassifier.load(checkpoint(ref))) {
            for (var strategy : ref.getAsJsonObject("entities").entrySet()) {
                TokenClassifier.Aggregation how =
                        TokenClassifier.Aggregation.parse(strategy.getKey());
                JsonArray perText = strategy.getValue().getAsJsonArray();
                for (int i = 0; i < texts.size(); i++) {
                    String what = how + " on '" + texts.get(i) + "'";
                    List<TokenClassifier.Entity> found = ner.entities(texts.get(i), how);
                    List<String> expected = new ArrayList<>();
                    for (JsonElement e : perText.get(i).getAsJsonArray()) {
                        JsonObject o = e.getAsJsonObject();
                        expected.add(
                                o.get("type").getAsString()
                                        + "@"
                                        + o.get("start").getAsInt()
                                        + ".."
                                        + o.get("end").getAsInt());
                    }
                    assertEquals(
                            expected,
                            found.stream()
                                    .map(e -> e.type() + "@" + e.start() + ".." + e.end())
                                    .toList(),
                            what);
                    for (int k = 0; k < found.size(); k++) {
                        double score =
                                perText.get(i)
                                        .getAsJsonArray()
                                        .get(k)
                                        .getAsJsonObject()
                                        .get("score")
                                        .getAsDouble();
                        assertEquals(score, found.get(k).score(), 1e-5, what + " entity " + k);
                        TokenClassifier.Entity e = found.get(k);
                        assertEquals(texts.get(i).substring(e.start(), e.end()), e.text());
                    }
                    entities += found.size();
                }
            }
        }
        assertTrue(entities >= 50, "entities compared: " + entities);
    }

    @Test
    void aTextLongerThanTheModelIsReadInWindows() throws Exception {
        JsonObject ref = reference();
        List<String> texts = new ArrayList<>();
        ref.getAsJsonArray("texts").forEach(t -> texts.add(t.getAsString()));
        String text = String.join(" ", texts.subList(0, 3));
        Path model = checkpoint(ref);
        try (TokenClassifier whole = TokenClassifier.load(model);
                TokenClassifier windows = TokenClassifier.load(model, 16)) {
            List<TokenClassifier.TokenLabel> all = whole.predict(text);
            List<TokenClassifier.TokenLabel> windowed = windows.predict(text);
            assertTrue(all.size() > 3 * 14, "the text needs several windows: " + all.size());
            // every token once, in order, to the text's end (not cut at 16 tokens)
            assertEquals(
                    all.stream().map(t -> t.token() + "@" + t.start() + ".." + t.end()).toList(),
                    windowed.stream()
                            .map(t -> t.token() + "@" + t.start() + ".." + t.end())
                            .toList());
            assertEquals(text.length(), windowed.get(windowed.size() - 1).end());
            List<TokenClassifier.Entity> late =
                    windows.entities(text, TokenClassifier.Aggregation.FIRST).stream()
                            .filter(e -> e.start() > text.indexOf(texts.get(2)))
                            .toList();
            assertTrue(!late.isEmpty(), "entities past the first windows");
            // a text that fits is read as one window, as by the model's full length
            String shortText = texts.get(0);
            assertEquals(
                    whole.entities(shortText, TokenClassifier.Aggregation.AVERAGE),
                    windows.entities(shortText, TokenClassifier.Aggregation.AVERAGE));
        }
    }
}
