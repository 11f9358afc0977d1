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
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Supervised fine-tuning of a fresh tiny Llama (one byte per token) on an instruction set,
 * "uppercase X" and "reverse X" over random four-letter words: with the loss on the assistant's
 * tokens only it learns the rules, not the words, and the exported model answers words it never
 * saw, through its chat template, as the rules say.
 */
@Tag("slow")
class SftTrainerTest {

    private static final int WORD = 4;

    @TempDir Path dir;

    private static String word(Random r) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < WORD; i++) {
            sb.append((char) ('a' + r.nextInt(26)));
        }
        return sb.toString();
    }

    private static String answer(String instruction, String word) {
        return instruction.equals("uppercase")
                ? word.toUpperCase(Locale.ROOT)
                : new StringBuilder(word).reverse().toString();
    }

    @Test
    void aTinyLlamaLearnsInstructionsAndAnswersWordsItNeverSaw() throws Exception {
        Path tokenizer = Gpt2Files.bytesWithChatTemplate(dir.resolve("tok"));
        Path base = ModelInitializer.create("llama-tiny", tokenizer, dir.resolve("base"), 3);
        Random r = new Random(11);
        Set<String> seen = new HashSet<>();
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < 4000; i++) {
            String w = word(r);
            seen.add(w);
            String instruction = r.nextBoolean() ? "uppercase" : "reverse";
            jsonl.append("{\"messages\": [{\"role\": \"user\", \"content\": \"")
                    .append(instruction)
                    .append(' ')
                    .append(w)
                    .append("\"}, {\"role\": \"assistant\", \"content\": \"")
                    .append(answer(instruction, w))
                    .append("\"}]}\n");
        }
        // Learning to copy is a phase change whose step varies with the seed, here as in
        // transformers + torch on the same model, data and schedule
        // (tools/reference/sft_copy_task_torch.py): at 3e-3 both plateau for hundreds of steps; at
        // 1e-3 torch's runs reach 0.85–1.0 token accuracy by step 500, and this seed 1.0 by 400.
        TrainingReport<LanguageModelMetrics> report =
                SftTrainer.builder()
                        .setModelDir(base)
                        .setTrainFile(Files.writeString(dir.resolve("train.jsonl"), jsonl))
                        .setOutputDir(dir.resolve("run"))
                        .optValidationFraction(0.05)
                        .optMaxSteps(700)
                        .optEvalEverySteps(200)
                        .optBatchSize(16)
                        .optLearningRate(1e-3)
                        .optWarmupRatio(0.05)
                        .optDropout(0)
                        .optThreads(2)
                        .build()
                        .train();
        LanguageModelMetrics best = report.best().metrics();
        // Each answer's letters, its <|im_end|> and the template's newline; none of the question's.
        assertEquals(0, best.tokens() % (WORD + 2), report.evaluations().toString());
        assertTrue(best.accuracy() > 0.99, report.evaluations().toString());

        int right = 0;
        List<String> wrong = new ArrayList<>();
        try (TextGenerator chat = TextGenerator.builder().setModelDir(report.exported()).build()) {
            assertTrue(chat.canChat());
            Random unseen = new Random(99);
            for (int asked = 0; asked < 20; ) {
                String w = word(unseen);
                if (seen.contains(w)) {
                    continue;
                }
                String instruction = asked++ % 2 == 0 ? "uppercase" : "reverse";
                String got =
                        chat.chat(
                                        List.of(ChatMessage.user(instruction + " " + w)),
                                        GenerationConfig.greedy(12),
                                        text -> {})
                                .text();
                if (got.equals(answer(instruction, w))) {
                    right++;
                } else {
                    wrong.add(instruction + " " + w + " -> " + got);
                }
            }
        }
        assertTrue(right >= 19, right + "/20 right; wrong: " + wrong);
    }
}
