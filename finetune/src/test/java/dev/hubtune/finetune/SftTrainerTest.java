package dev.hubtune.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubtune.models.apps.TextGenerator;
import dev.hubtune.models.decoding.GenerationConfig;
import dev.hubtune.models.init.ModelInitializer;
import dev.hubtune.tokenizers.chat.ChatMessage;
import dev.hubtune.tokenizers.testing.Gpt2Files;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Supervised fine-tuning of a fresh tiny Llama (one byte per token) on made-up facts asked in two
 * ways: with the loss on the assistant's tokens only, it learns every answer, and the exported
 * model gives them through its chat template in a new generator.
 */
@Tag("slow")
class SftTrainerTest {

    @TempDir Path dir;

    private static String word(Random r, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append((char) ('a' + r.nextInt(26)));
        }
        return sb.toString();
    }

    private static String json(String user, String assistant) {
        return "{\"messages\": [{\"role\": \"user\", \"content\": \""
                + user
                + "\"}, {\"role\": \"assistant\", \"content\": \""
                + assistant
                + "\"}]}\n";
    }

    @Test
    void aTinyLlamaLearnsItsAnswersAndGivesThemThroughItsChatTemplate() throws Exception {
        Path tokenizer = Gpt2Files.bytesWithChatTemplate(dir.resolve("tok"));
        Path base = ModelInitializer.create("llama-tiny", tokenizer, dir.resolve("base"), 3);
        // Question -> answer: a city and a colour for each of 6 made-up names.
        Random r = new Random(11);
        Map<String, String> facts = new LinkedHashMap<>();
        for (int i = 0; i < 6; i++) {
            String name = word(r, 4);
            facts.put("city of " + name, word(r, 5));
            facts.put("colour of " + name, word(r, 5));
        }
        List<String> questions = new ArrayList<>(facts.keySet());
        StringBuilder train = new StringBuilder();
        for (int i = 0; i < 240; i++) {
            String q = questions.get(r.nextInt(questions.size()));
            train.append(json(q, facts.get(q)));
        }
        StringBuilder validation = new StringBuilder();
        facts.forEach((q, a) -> validation.append(json(q, a)));
        TrainingReport<LanguageModelMetrics> report =
                SftTrainer.builder()
                        .setModelDir(base)
                        .setTrainFile(Files.writeString(dir.resolve("train.jsonl"), train))
                        .setOutputDir(dir.resolve("run"))
                        .optValidationFile(
                                Files.writeString(dir.resolve("validation.jsonl"), validation))
                        .optMaxSteps(150)
                        .optEvalEverySteps(100)
                        .optBatchSize(16)
                        .optLearningRate(3e-3)
                        .optWarmupRatio(0.05)
                        .optDropout(0)
                        .optThreads(2)
                        .build()
                        .train();
        LanguageModelMetrics best = report.best().metrics();
        // Every assistant token of every answer (5 letters, <|im_end|>, newline), none of the
        // question's.
        assertEquals(facts.size() * 7L, best.tokens(), report.evaluations().toString());
        assertEquals(1.0, best.accuracy(), 1e-9, report.evaluations().toString());

        List<String> wrong = new ArrayList<>();
        try (TextGenerator chat = TextGenerator.builder().setModelDir(report.exported()).build()) {
            assertTrue(chat.canChat());
            for (Map.Entry<String, String> fact : facts.entrySet()) {
                String got =
                        chat.chat(
                                        List.of(ChatMessage.user(fact.getKey())),
                                        GenerationConfig.greedy(12),
                                        text -> {})
                                .text();
                if (!got.equals(fact.getValue())) {
                    wrong.add(fact.getKey() + " -> " + got + " (not " + fact.getValue() + ")");
                }
            }
        }
        assertTrue(wrong.isEmpty(), wrong.toString());
    }
}
