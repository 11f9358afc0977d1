package dev.hubtune.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hubtune.models.apps.TokenClassifier;
import dev.hubtune.tokenizers.data.TaggedSentence;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * NER end to end: {@code bert-tiny} (random initialisation) learns {@link TinyNer}'s entities from
 * a CoNLL file and finds the entities of validation sentences whose names it never saw; the export
 * is a transformers {@code BertForTokenClassification} with {@code id2label}, and {@code
 * TokenClassifier} finds entities in new text with it.
 */
class TokenClassifierTrainerTest {

    @TempDir static Path dir;
    static Path model;
    static Path train;
    static Path validation;
    static List<TaggedSentence> validationSentences;

    @BeforeAll
    static void setUp() throws Exception {
        model = TinyNer.bertTiny(dir);
        TinyNer data = new TinyNer(21);
        train = TinyNer.conll(dir.resolve("train.conll"), data.sentences(1200, false));
        validationSentences = data.sentences(300, true);
        validation = TinyNer.jsonl(dir.resolve("validation.jsonl"), validationSentences);
    }

    private static TokenClassifierTrainer.Builder trainer(Path out) {
        return TokenClassifierTrainer.builder()
                .setModelDir(model)
                .setTrainFile(train)
                .optValidationFile(validation)
                .setOutputDir(out)
                .optEpochs(6)
                .optBatchSize(16)
                .optLearningRate(1e-3)
                .optMaxLength(24)
                .optStride(8)
                .optSeed(7)
                .optThreads(2);
    }

    @Tag("slow")
    @Test
    void learnsEntitiesWithUnseenNamesAndExportsATransformersTokenClassifier() throws Exception {
        TrainingReport<TokenClassificationMetrics> report =
                trainer(dir.resolve("run")).build().train();
        TokenClassificationMetrics best = report.best().metrics();
        System.out.println("NER on unseen names: " + best.summary());
        assertTrue(best.f1() >= 0.9, report.evaluations().toString());
        assertEquals(java.util.Set.of("LOC", "ORG", "PER"), best.types().keySet());
        assertTrue(Files.isRegularFile(dir.resolve("run/report.png")));
        String lastLine =
                Files.readAllLines(dir.resolve("run/metrics.jsonl")).stream()
                        .filter(l -> l.startsWith("{\"type\":\"eval\""))
                        .toList()
                        .get(report.evaluations().size() - 1);
        assertTrue(lastLine.contains("\"f1\"") && lastLine.contains("\"PER\""), lastLine);

        Path export = report.exported();
        JsonObject config =
                JsonParser.parseString(Files.readString(export.resolve("config.json")))
                        .getAsJsonObject();
        assertEquals(
                "BertForTokenClassification",
                config.getAsJsonArray("architectures").get(0).getAsString());
        assertEquals("O", config.getAsJsonObject("id2label").get("6").getAsString());

        String text = "yesterday Zuvaki Mopelu flew to New Dalifu .";
        try (TokenClassifier ner = TokenClassifier.load(export)) {
            List<TokenClassifier.Entity> found =
                    ner.entities(text, TokenClassifier.Aggregation.FIRST);
            assertEquals(
                    List.of("PER:Zuvaki Mopelu", "LOC:New Dalifu"),
                    found.stream().map(e -> e.type() + ":" + e.text()).toList(),
                    found.toString());
            assertEquals(text.indexOf("New"), found.get(1).start());
            assertTrue(found.get(0).score() > 0.5f, found.toString());
            for (TokenClassifier.Aggregation how : TokenClassifier.Aggregation.values()) {
                assertTrue(!ner.entities(text, how).isEmpty(), how.toString());
            }
        }
    }

    /**
     * LoRA through the shared loop: the task builds in the loop's context, so adapters sit on the
     * attention's query and value and only they and the token classifier train; the adapter is
     * written for PEFT with the classifier among the modules to save.
     */
    @Tag("slow")
    @Test
    void loraTrainsOnlyAdaptersAndTheClassifierAndSavesAPeftAdapter() throws Exception {
        long[] counts = new long[2];
        TrainingListener parameters =
                new TrainingListener() {
                    @Override
                    public void parameters(long trainable, long total, boolean lora) {
                        counts[0] = trainable;
                        counts[1] = total;
                    }
                };
        TrainingReport<TokenClassificationMetrics> report =
                trainer(dir.resolve("lora"))
                        .optLearningRate(3e-3)
                        .optLora(
                                dev.hubtune.models.lora.LoraConfig.builder()
                                        .optRank(8)
                                        .optAlpha(16)
                                        .build())
                        .optListener(parameters)
                        .build()
                        .train();
        System.out.println(
                "NER with LoRA: "
                        + report.best().metrics().summary()
                        + ", "
                        + counts[0]
                        + " of "
                        + counts[1]
                        + " parameters trained");
        assertTrue(counts[0] > 0 && counts[0] * 5 < counts[1], java.util.Arrays.toString(counts));
        // A random tiny base with frozen weights: far from full fine-tuning's 0.94, far above the
        // untrained head's ~0.
        assertTrue(report.best().metrics().f1() > 0.3, report.evaluations().toString());
        JsonObject adapterConfig =
                JsonParser.parseString(
                                Files.readString(dir.resolve("lora/adapter/adapter_config.json")))
                        .getAsJsonObject();
        assertEquals("TOKEN_CLS", adapterConfig.get("task_type").getAsString());
        assertTrue(
                adapterConfig.get("modules_to_save").toString().contains("classifier"),
                adapterConfig.toString());
        assertTrue(Files.isRegularFile(dir.resolve("lora/adapter/adapter_model.safetensors")));
        assertEquals(
                "BertForTokenClassification",
                JsonParser.parseString(Files.readString(report.exported().resolve("config.json")))
                        .getAsJsonObject()
                        .getAsJsonArray("architectures")
                        .get(0)
                        .getAsString());
    }

    @Test
    void badDataGetsOneLineThatSaysWhatToDo() throws Exception {
        Path oneColumn = dir.resolve("one-column.conll");
        Files.writeString(oneColumn, "Kalo B-PER\nworks\n");
        FinetuneException e =
                assertThrows(
                        FinetuneException.class,
                        () -> trainer(dir.resolve("bad1")).setTrainFile(oneColumn).build().train());
        assertTrue(e.getMessage().contains(":2 has a single column"), e.getMessage());

        Path bilou = dir.resolve("bilou.conll");
        Files.writeString(bilou, "Kalo U-PER\nworks O\n\nBa B-PER\nDo L-PER\n");
        e =
                assertThrows(
                        FinetuneException.class,
                        () ->
                                trainer(dir.resolve("bad2"))
                                        .setTrainFile(bilou)
                                        .optValidationFile(bilou)
                                        .optStrict(Seqeval.Scheme.IOB2)
                                        .build()
                                        .train());
        assertTrue(e.getMessage().contains("--tag-scheme"), e.getMessage());

        Path unseenTag = dir.resolve("unseen.conll");
        Files.writeString(unseenTag, "Kalo B-MISC\n");
        e =
                assertThrows(
                        FinetuneException.class,
                        () ->
                                trainer(dir.resolve("bad3"))
                                        .optValidationFile(unseenTag)
                                        .build()
                                        .train());
        assertTrue(e.getMessage().contains("'B-MISC'"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
    }
}
