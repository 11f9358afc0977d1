package dev.hubtune.finetune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hubtune.models.apps.DecoderModel;
import dev.hubtune.models.apps.TextClassifier;
import dev.hubtune.models.family.ModelFamilies;
import dev.hubtune.models.lora.LoraConfig;
import dev.hubtune.models.lora.PeftAdapter;
import dev.hubtune.models.weights.Safetensors;
import dev.hubtune.models.weights.WeightTensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoRA fine-tuning on the shared loop: only the adapters and the head train (and only they have
 * Adam moments in the checkpoints), the base stays bit for bit, the run exports a PEFT adapter and
 * the merged model (which predicts what base + adapter predict), a run interrupted and resumed ends
 * where an uninterrupted one does, a PEFT adapter continues training, and a decoder trains with
 * LoRA through the causal-LM task.
 */
class LoraTrainerTest {

    @TempDir static Path dir;
    static Path pretrained;
    static Path data;

    @BeforeAll
    static void setUp() throws Exception {
        pretrained = ClassifierTrainerTest.tinyModel(dir);
        data = ClassifierTrainerTest.syntheticCsv(dir.resolve("train.csv"), 800, 3);
    }

    private static ClassifierTrainer.Builder trainer(Path out) {
        return ClassifierTrainer.builder()
                .setModelDir(pretrained)
                .setTrainFile(data)
                .setTextColumn("text")
                .setLabelColumn("label")
                .setOutputDir(out)
                .optEpochs(6)
                .optBatchSize(16)
                .optLearningRate(5e-3)
                .optMaxLength(32)
                .optSeed(7)
                .optThreads(2)
                .optLora(LoraConfig.builder().optRank(8).optAlpha(16).build());
    }

    @Test
    void trainsOnlyTheAdaptersAndTheHeadAndExportsAPeftAdapter() throws Exception {
        Path out = dir.resolve("lora-run");
        long[] counted = new long[2];
        TrainingReport<ClassificationMetrics> report =
                trainer(out)
                        .optEvalEverySteps(40)
                        .optListener(
                                new TrainingListener() {
                                    @Override
                                    public void parameters(
                                            long trainable, long total, boolean lora) {
                                        assertTrue(lora);
                                        counted[0] = trainable;
                                        counted[1] = total;
                                    }
                                })
                        .build()
                        .train();
        double accuracy = report.best().metrics().accuracy();
        assertTrue(
                accuracy >= 0.9, "validation accuracy " + accuracy + ": " + report.evaluations());

        // q and v of 2 layers (32·8 + 8·32 each), the pooler (32·32 + 32), the classifier (32·2 +
        // 2)
        long expected = 4 * (32 * 8 + 8 * 32) + (32 * 32 + 32) + (32 * 2 + 2);
        assertEquals(expected, report.trainableParameters());
        assertEquals(expected, counted[0]);
        assertEquals(report.totalParameters(), counted[1]);
        assertTrue(report.totalParameters() > 5 * expected, "" + report.totalParameters());

        // Checkpoints hold the adapters, the head and their Adam moments: nothing of the base.
        Set<String> trained = new TreeSet<>();
        for (int l = 0; l < 2; l++) {
            for (String m : List.of("query", "value")) {
                String module = "encoder.layer." + l + ".attention.self." + m;
                trained.add(module + ".lora_A.weight");
                trained.add(module + ".lora_B.weight");
            }
        }
        trained.addAll(
                List.of(
                        "pooler.dense.weight",
                        "pooler.dense.bias",
                        "classifier.weight",
                        "classifier.bias"));
        Path best = out.resolve("checkpoints/best/variables.safetensors");
        assertEquals(trained, new TreeSet<>(Safetensors.read(best).keySet()));
        Path step;
        try (Stream<Path> s = Files.list(out.resolve("checkpoints"))) {
            step =
                    s.filter(p -> p.getFileName().toString().startsWith("step-"))
                            .findFirst()
                            .orElseThrow();
        }
        Set<String> withMoments = new TreeSet<>(trained);
        trained.forEach(n -> withMoments.addAll(List.of(n + ".adam_m", n + ".adam_v")));
        assertEquals(
                withMoments,
                new TreeSet<>(Safetensors.read(step.resolve("variables.safetensors")).keySet()));

        // The PEFT adapter: PEFT's config and key names.
        Path adapter = out.resolve("adapter");
        assertEquals(adapter, report.adapter());
        JsonObject config =
                JsonParser.parseString(Files.readString(adapter.resolve("adapter_config.json")))
                        .getAsJsonObject();
        assertEquals("LORA", config.get("peft_type").getAsString());
        assertEquals("SEQ_CLS", config.get("task_type").getAsString());
        assertEquals(8, config.get("r").getAsInt());
        assertEquals(16, config.get("lora_alpha").getAsDouble());
        assertEquals("[\"query\",\"value\"]", config.get("target_modules").toString());
        assertEquals("[\"classifier\",\"pooler\"]", config.get("modules_to_save").toString());
        assertEquals(
                pretrained.toAbsolutePath().normalize().toString(),
                config.get("base_model_name_or_path").getAsString());
        Map<String, WeightTensor> saved =
                Safetensors.read(adapter.resolve("adapter_model.safetensors"));
        assertArrayEquals(
                new long[] {8, 32},
                saved.get(
                                "base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight")
                        .shape());
        assertArrayEquals(
                new long[] {32, 8},
                saved.get(
                                "base_model.model.bert.encoder.layer.1.attention.self.value.lora_B.weight")
                        .shape());
        assertTrue(
                saved.containsKey("base_model.model.bert.pooler.dense.weight"),
                "" + saved.keySet());
        assertTrue(saved.containsKey("base_model.model.classifier.weight"), "" + saved.keySet());
        assertEquals(8 + 4, saved.size());

        // The base is untouched in the merged model, outside the adapted layers and the head.
        Map<String, WeightTensor> base = ModelFamilies.load(pretrained).weights();
        Map<String, WeightTensor> merged = ModelFamilies.load(report.exported()).weights();
        for (String n :
                List.of(
                        "encoder.layer.0.attention.self.key.weight",
                        "embeddings.word_embeddings.weight")) {
            assertArrayEquals(base.get(n).data(), merged.get(n).data(), 0f, n);
        }
        assertFalse(
                java.util.Arrays.equals(
                        base.get("encoder.layer.0.attention.self.query.weight").data(),
                        merged.get("encoder.layer.0.attention.self.query.weight").data()),
                "the adapters are merged into query");

        // Merged model and base + adapter predict the same, and what the best evaluation saw.
        List<String> texts =
                List.of("w1 w2 w7 w3", "w4 w5 w6", "w7", "w9 w9 w9 w10 w11", "w12 w7 w13 w14");
        try (TextClassifier m = TextClassifier.load(report.exported(), 32);
                TextClassifier a = TextClassifier.load(pretrained, 32, List.of(adapter))) {
            assertEquals(m.labels(), a.labels());
            var pm = m.predict(texts);
            var pa = a.predict(texts);
            for (int i = 0; i < texts.size(); i++) {
                assertEquals(pm.get(i).label(), pa.get(i).label());
                assertArrayEquals(pm.get(i).probabilities(), pa.get(i).probabilities(), 1e-5f);
            }
            // Switching back to the base changes the predictions: the adapter is what learned.
            a.useAdapter(null);
            var none = a.predict(texts);
            boolean differs = false;
            for (int i = 0; i < texts.size(); i++) {
                differs |=
                        Math.abs(none.get(i).probabilities()[0] - pa.get(i).probabilities()[0])
                                > 1e-3;
            }
            assertTrue(differs);
        }

        // Continued training from that adapter starts from its weights (a step with lr ~ 0).
        Path continued = dir.resolve("continued");
        TrainingReport<ClassificationMetrics> again =
                ClassifierTrainer.builder()
                        .setModelDir(pretrained)
                        .setTrainFile(data)
                        .setTextColumn("text")
                        .setLabelColumn("label")
                        .setOutputDir(continued)
                        .optMaxSteps(1)
                        .optLearningRate(1e-12)
                        .optMaxLength(32)
                        .optSeed(7)
                        .optThreads(2)
                        .optAdapter(adapter)
                        .build()
                        .train();
        assertEquals(report.best().metrics().accuracy(), again.best().metrics().accuracy(), 1e-12);
        Map<String, WeightTensor> before =
                Safetensors.read(adapter.resolve("adapter_model.safetensors"));
        Map<String, WeightTensor> after =
                Safetensors.read(continued.resolve("adapter/adapter_model.safetensors"));
        assertEquals(before.keySet(), after.keySet());
        for (String k : before.keySet()) {
            assertArrayEquals(before.get(k).data(), after.get(k).data(), 1e-6f, k);
        }
    }

    /**
     * A LoRA run with accumulation and clipping, stopped after a checkpoint and resumed, ends with
     * the adapters an uninterrupted run ends with, bit for bit (one thread).
     */
    @Test
    void anInterruptedLoraRunResumesExactly() throws Exception {
        Path straight = dir.resolve("straight");
        Path stopped = dir.resolve("stopped");
        short_(straight).build().train();
        RuntimeException crash =
                assertThrows(
                        RuntimeException.class,
                        () ->
                                short_(stopped)
                                        .optListener(
                                                new TrainingListener() {
                                                    @Override
                                                    public void step(
                                                            int step,
                                                            int total,
                                                            double loss,
                                                            double lr,
                                                            double elapsed) {
                                                        if (step == 7) {
                                                            throw new IllegalStateException(
                                                                    "crash");
                                                        }
                                                    }
                                                })
                                        .build()
                                        .train());
        assertEquals("crash", crash.getMessage());
        assertFalse(Files.exists(stopped.resolve("adapter")));
        TrainingReport<ClassificationMetrics> resumed =
                short_(stopped).optResume(true).build().train();
        assertEquals(4, resumed.resumedFromStep());
        Map<String, WeightTensor> a =
                Safetensors.read(straight.resolve("adapter/adapter_model.safetensors"));
        Map<String, WeightTensor> b =
                Safetensors.read(stopped.resolve("adapter/adapter_model.safetensors"));
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k).data(), b.get(k).data(), 0f, k);
        }
    }

    private static ClassifierTrainer.Builder short_(Path out) {
        return trainer(out)
                .optMaxSteps(10)
                .optEvalEverySteps(4)
                .optGradientAccumulation(2)
                .optMaxGradNorm(0.5)
                .optBatchSize(8)
                .optThreads(1)
                .optLora(
                        LoraConfig.builder()
                                .optRank(4)
                                .optDropout(0.1)
                                .optTargetModules(List.of("query", "key", "value", "dense"))
                                .build());
    }

    @Test
    void badLoraSettingsAreRefusedBeforeTraining() throws Exception {
        FinetuneException unknown =
                assertThrows(
                        FinetuneException.class,
                        () ->
                                trainer(dir.resolve("bad"))
                                        .optLora(
                                                LoraConfig.builder()
                                                        .optTargetModules(List.of("q_proj"))
                                                        .build())
                                        .build()
                                        .train());
        assertTrue(unknown.getMessage().contains("q_proj"), unknown.getMessage());
        assertTrue(unknown.getMessage().contains("query"), unknown.getMessage());
        FinetuneException notAdapter =
                assertThrows(
                        FinetuneException.class,
                        () -> trainer(dir.resolve("bad2")).optAdapter(dir).build().train());
        assertTrue(
                notAdapter.getMessage().contains("not a PEFT adapter directory"),
                notAdapter.getMessage());
    }

    /**
     * SFT of a fresh tiny Llama with LoRA on its default q_proj / v_proj: the loss falls, and the
     * adapter carries LlamaForCausalLM's names.
     */
    @Test
    void sftTrainsALlamaWithLora() throws Exception {
        Path tokenizer =
                dev.hubtune.tokenizers.testing.Gpt2Files.bytesWithChatTemplate(dir.resolve("tok"));
        Path base =
                dev.hubtune.models.init.ModelInitializer.create(
                        "llama-tiny", tokenizer, dir.resolve("llama"), 3);
        StringBuilder jsonl = new StringBuilder();
        java.util.Random r = new java.util.Random(2);
        for (int i = 0; i < 400; i++) {
            String w = "" + (char) ('a' + r.nextInt(26)) + (char) ('a' + r.nextInt(26));
            jsonl.append("{\"messages\": [{\"role\": \"user\", \"content\": \"say ")
                    .append(w)
                    .append("\"}, {\"role\": \"assistant\", \"content\": \"")
                    .append(w)
                    .append("\"}]}\n");
        }
        Path out = dir.resolve("sft-lora");
        TrainingReport<LanguageModelMetrics> report =
                SftTrainer.builder()
                        .setModelDir(base)
                        .setTrainFile(Files.writeString(dir.resolve("sft.jsonl"), jsonl))
                        .setOutputDir(out)
                        .optMaxSteps(40)
                        .optEvalEverySteps(20)
                        .optBatchSize(16)
                        .optLearningRate(1e-2)
                        .optThreads(2)
                        .optLora(LoraConfig.defaults())
                        .build()
                        .train();
        double first = report.evaluations().get(0).metrics().loss();
        double last = report.evaluations().get(1).metrics().loss();
        assertTrue(last < first, first + " -> " + last);
        Map<String, WeightTensor> saved =
                Safetensors.read(out.resolve("adapter/adapter_model.safetensors"));
        assertTrue(
                saved.containsKey("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"),
                "" + saved.keySet());
        assertTrue(
                saved.keySet().stream().allMatch(k -> k.contains("_proj.lora_")),
                "" + saved.keySet());
    }

    /** A tiny GPT-2 learns the synthetic corpus through LoRA on c_attn (its Conv1D). */
    @Test
    void aDecoderTrainsWithLoraThroughTheCausalLmTask() throws Exception {
        Path model = TinyGpt2Corpus.model(dir.resolve("gpt2"));
        Path corpus = TinyGpt2Corpus.corpus(dir.resolve("corpus.txt"), 600, 3);
        Path out = dir.resolve("lm-lora");
        TrainingReport<LanguageModelMetrics> report =
                LanguageModelTrainer.builder()
                        .setModelDir(model)
                        .setTrainFile(corpus)
                        .setOutputDir(out)
                        .optBlockSize(64)
                        .optBatchSize(16)
                        .optLearningRate(1e-2)
                        .optMaxSteps(60)
                        .optEvalEverySteps(30)
                        .optDropout(0)
                        .optSeed(5)
                        .optThreads(2)
                        .optLora(LoraConfig.builder().optRank(8).optAlpha(16).build())
                        .build()
                        .train();
        double first = report.evaluations().get(0).metrics().perplexity();
        double last = report.evaluations().get(1).metrics().perplexity();
        assertTrue(last < first, first + " -> " + last);
        JsonObject config =
                JsonParser.parseString(Files.readString(out.resolve("adapter/adapter_config.json")))
                        .getAsJsonObject();
        assertEquals("CAUSAL_LM", config.get("task_type").getAsString());
        assertTrue(config.get("fan_in_fan_out").getAsBoolean());
        assertTrue(config.get("modules_to_save").isJsonNull());
        Map<String, WeightTensor> saved =
                Safetensors.read(out.resolve("adapter/adapter_model.safetensors"));
        assertTrue(
                saved.containsKey("base_model.model.transformer.h.0.attn.c_attn.lora_A.weight"),
                "" + saved.keySet());
        try (DecoderModel merged = DecoderModel.load(report.exported());
                DecoderModel adapted =
                        DecoderModel.load(
                                ModelFamilies.describe(model),
                                List.of(PeftAdapter.read(out.resolve("adapter"))))) {
            int[][] ids = {{1, 2, 3, 4, 5, 6}};
            float[][][] a = merged.logits(ids);
            float[][][] b = adapted.logits(ids);
            for (int t = 0; t < a[0].length; t++) {
                assertArrayEquals(a[0][t], b[0][t], 1e-4f);
            }
        }
    }
}
