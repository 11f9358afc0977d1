package dev.hubtune.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link Seqeval} against seqeval 1.2.2 itself: the fixture of {@code
 * tools/reference/seqeval_reference.py} holds seeded random gold and predicted tag sequences of
 * every scheme, well-formed and not, with seqeval's entities and scores in the default mode and in
 * strict mode under each scheme that can read them.
 */
class SeqevalParityTest {

    private static final double TOLERANCE = 1e-12;

    private static JsonArray cases() throws Exception {
        try (InputStream in =
                SeqevalParityTest.class.getResourceAsStream("/reference/seqeval-reference.json")) {
            return JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8))
                    .getAsJsonObject()
                    .getAsJsonArray("cases");
        }
    }

    private static List<List<String>> sequences(JsonArray a) {
        List<List<String>> out = new ArrayList<>();
        for (JsonElement s : a) {
            List<String> tags = new ArrayList<>();
            s.getAsJsonArray().forEach(t -> tags.add(t.getAsString()));
            out.add(tags);
        }
        return out;
    }

    private static void assertScores(JsonObject expected, Seqeval.Scores actual, String what) {
        assertEquals(expected.get("precision").getAsDouble(), actual.precision(), TOLERANCE, what);
        assertEquals(expected.get("recall").getAsDouble(), actual.recall(), TOLERANCE, what);
        assertEquals(expected.get("f1").getAsDouble(), actual.f1(), TOLERANCE, what);
        // With no entity type at all seqeval's macro average is NaN (numpy's mean of nothing);
        // hubtune says 0, which a metrics line (JSON) can hold.
        double macro = expected.get("macro_f1").getAsDouble();
        assertEquals(Double.isNaN(macro) ? 0 : macro, actual.macroF1(), TOLERANCE, what);
        assertEquals(expected.get("accuracy").getAsDouble(), actual.accuracy(), TOLERANCE, what);
        JsonObject types = expected.getAsJsonObject("types");
        assertEquals(types.keySet(), actual.types().keySet(), what + " types");
        for (Map.Entry<String, JsonElement> e : types.entrySet()) {
            JsonObject t = e.getValue().getAsJsonObject();
            Seqeval.TypeScore a = actual.types().get(e.getKey());
            String w = what + " " + e.getKey();
            assertEquals(t.get("precision").getAsDouble(), a.precision(), TOLERANCE, w);
            assertEquals(t.get("recall").getAsDouble(), a.recall(), TOLERANCE, w);
            assertEquals(t.get("f1").getAsDouble(), a.f1(), TOLERANCE, w);
            assertEquals(t.get("support").getAsLong(), a.support(), w);
        }
    }

    @Test
    void defaultModeMatchesSeqeval() throws Exception {
        int checked = 0;
        for (JsonElement c : cases()) {
            JsonObject o = c.getAsJsonObject();
            String name = o.get("name").getAsString();
            List<List<String>> gold = sequences(o.getAsJsonArray("gold"));
            List<List<String>> predicted = sequences(o.getAsJsonArray("predicted"));
            List<String> expected = new ArrayList<>();
            for (JsonElement e : o.getAsJsonArray("default_entities")) {
                JsonArray a = e.getAsJsonArray();
                // seqeval: (type, start, end inclusive) over the joined sentences
                expected.add(
                        a.get(0).getAsString() + "@" + a.get(1) + ".." + (a.get(2).getAsInt() + 1));
            }
            List<String> actual =
                    Seqeval.entities(gold).stream()
                            .map(e -> e.type() + "@" + e.start() + ".." + e.end())
                            .toList();
            assertEquals(expected, actual, name + " entities");
            assertScores(
                    o.getAsJsonObject("default"),
                    Seqeval.evaluate(gold, predicted, Seqeval.Mode.DEFAULT, null),
                    name + " default");
            checked++;
        }
        assertEquals(36, checked);
    }

    @Test
    void strictModeMatchesSeqevalUnderEveryScheme() throws Exception {
        int checked = 0;
        for (JsonElement c : cases()) {
            JsonObject o = c.getAsJsonObject();
            String name = o.get("name").getAsString();
            List<List<String>> gold = sequences(o.getAsJsonArray("gold"));
            List<List<String>> predicted = sequences(o.getAsJsonArray("predicted"));
            for (Map.Entry<String, JsonElement> s : o.getAsJsonObject("strict").entrySet()) {
                Seqeval.Scheme scheme = Seqeval.Scheme.valueOf(s.getKey());
                JsonObject expected = s.getValue().getAsJsonObject();
                List<String> entities = new ArrayList<>();
                for (JsonElement e : expected.getAsJsonArray("entities")) {
                    JsonArray a = e.getAsJsonArray();
                    entities.add(
                            a.get(0)
                                    + ":"
                                    + a.get(1).getAsString()
                                    + "@"
                                    + a.get(2)
                                    + ".."
                                    + a.get(3));
                }
                List<String> actual =
                        Seqeval.strictEntities(gold, scheme).stream()
                                .sorted(
                                        Comparator.comparingInt(Seqeval.Entity::sentence)
                                                .thenComparing(Seqeval.Entity::type)
                                                .thenComparingInt(Seqeval.Entity::start)
                                                .thenComparingInt(Seqeval.Entity::end))
                                .map(
                                        e ->
                                                e.sentence()
                                                        + ":"
                                                        + e.type()
                                                        + "@"
                                                        + e.start()
                                                        + ".."
                                                        + e.end())
                                .toList();
                assertEquals(entities, actual, name + " " + scheme + " entities");
                assertScores(
                        expected,
                        Seqeval.evaluate(gold, predicted, Seqeval.Mode.STRICT, scheme),
                        name + " strict " + scheme);
                checked++;
            }
        }
        assertTrue(checked >= 36 * 2, "strict cases checked: " + checked);
    }

    @Test
    void theDocumentedExamplesAndErrors() {
        // seqeval's docstring: [B-PER, I-PER, O, B-LOC] holds PER 0..2 and LOC 3..4
        List<List<String>> s = List.of(List.of("B-PER", "I-PER", "O", "B-LOC"));
        assertEquals(
                List.of(new Seqeval.Entity(0, "PER", 0, 2), new Seqeval.Entity(0, "LOC", 3, 4)),
                Seqeval.strictEntities(s, Seqeval.Scheme.IOB2));
        // The default mode accepts an entity that starts with I-; strict IOB2 does not.
        List<List<String>> loose = List.of(List.of("O", "I-PER", "I-PER", "O"));
        assertEquals(1, Seqeval.entities(loose).size());
        assertTrue(Seqeval.strictEntities(loose, Seqeval.Scheme.IOB2).isEmpty());
        assertEquals(Seqeval.Scheme.BILOU, Seqeval.detect(List.of(List.of("U-PER", "B-X", "L-X"))));
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                Seqeval.strictEntities(
                                        List.of(List.of("E-PER")), Seqeval.Scheme.IOB2));
        assertTrue(e.getMessage().contains("not a tag of the IOB2 scheme"), e.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        Seqeval.evaluate(
                                List.of(List.of("O")),
                                List.of(List.of("O", "O")),
                                Seqeval.Mode.DEFAULT,
                                null));
    }
}
