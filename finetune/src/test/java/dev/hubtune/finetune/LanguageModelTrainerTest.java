package dev.hubtune.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubtune.models.apps.TextGenerator;
import dev.hubtune.models.decoding.GenerationConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training a fresh tiny GPT-2 on a small regular corpus, end to end. */
class LanguageModelTrainerTest {

    @TempDir static Path dir;
    static Path model;
    static Path corpus;

    static final GenerationConfig SAMPLING =
            GenerationConfig.builder()
                    .optMaxNewTokens(12)
                    .optTemperature(0.9f)
                    .optTopK(5)
                    .optSeed(3)
                    .build();

    @BeforeAll
    static void setUp() throws Exception {
        model = TinyGpt2Corpus.model(dir);
        corpus = TinyGpt2Corpus.corpus(dir.resolve("corpus.txt"), 1500, 3);
    }

    private static LanguageModelTrainer.Builder trainer(Path out) {
        return LanguageModelTrainer.builder()
                .setModelDir(model)
                .setTrainFile(corpus)
                .setOutputDir(out)
                .optBlockSize(64)
                .optBatchSize(16)
                .optLearningRate(3e-3)
                .optMaxSteps(150)
                .optEvalEverySteps(50)
                .optDropout(0)
                .optSeed(5)
                .optThreads(2)
                .optSamplePrompts(List.of("bob lives in", "heidi lives", "pat"))
                .optSampling(SAMPLING);
    }

    @Test
    void reachesThePerplexityFloorAndTheExportGeneratesLikeTheTrainingSession() throws Exception {
        Path out = dir.resolve("run");
        TrainingReport<LanguageModelMetrics> report = trainer(out).build().train();
        LanguageModelMetrics best = report.best().metrics();
        double floor = Math.exp(TinyGpt2Corpus.FLOOR_NATS); // 1.260
        assertTrue(
                best.perplexity() < 1.05 * floor,
                "validation perplexity "
                        + best.perplexity()
                        + " vs the corpus floor "
                        + floor
                        + ": "
                        + report.evaluations());
        assertTrue(report.tokensPerSecond() > 0);
        assertEquals(
                report.evaluations().size(),
                Files.readAllLines(out.resolve("metrics.jsonl")).stream()
                        .filter(l -> l.startsWith("{\"type\":\"eval\""))
                        .count());
        assertTrue(Files.size(out.resolve("report.png")) > 0);

        try (TextGenerator generator =
                TextGenerator.builder().setModelDir(report.exported()).build()) {
            // Greedy decoding completes every sentence of the corpus from its first three words.
            for (int i = 0; i < TinyGpt2Corpus.NAMES.size(); i++) {
                String prompt = TinyGpt2Corpus.NAMES.get(i) + " lives in";
                String text = generator.generate(prompt, GenerationConfig.greedy(6)).text();
                String expected = TinyGpt2Corpus.sentence(i).substring(prompt.length());
                assertTrue(text.startsWith(expected), prompt + " -> '" + text + "'");
            }
            // The exported model (cached decoding) continues the sample prompts exactly as the
            // training session (uncached, in the training graph) did at the best evaluation.
            assertEquals(3, best.samples().size());
            for (LanguageModelMetrics.Sample sample : best.samples()) {
                assertEquals(
                        sample.continuation(),
                        generator.generate(sample.prompt(), SAMPLING).text(),
                        "prompt '" + sample.prompt() + "'");
            }
        }
    }

    @Test
    void badCorporaAndSettingsAreRefusedWithAReason() throws Exception {
        FinetuneException tooLong =
                assertThrows(
                        FinetuneException.class,
                        () -> trainer(dir.resolve("b1")).optBlockSize(512).build().train());
        assertTrue(tooLong.getMessage().contains("256 positions"), tooLong.getMessage());

        Path empty = Files.writeString(dir.resolve("empty.txt"), "\n\n");
        FinetuneException none =
                assertThrows(
                        FinetuneException.class,
                        () -> trainer(dir.resolve("b2")).setTrainFile(empty).build().train());
        assertTrue(none.getMessage().contains("holds no text"), none.getMessage());

        Path tiny = Files.writeString(dir.resolve("tiny.txt"), TinyGpt2Corpus.sentence(0));
        FinetuneException small =
                assertThrows(
                        FinetuneException.class,
                        () -> trainer(dir.resolve("b3")).setTrainFile(tiny).build().train());
        assertTrue(small.getMessage().contains("--validation"), small.getMessage());

        assertThrows(
                IllegalArgumentException.class,
                () -> LanguageModelTrainer.builder().optMetric("macro_f1"));
    }
}
