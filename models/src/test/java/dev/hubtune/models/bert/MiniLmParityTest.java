package dev.hubtune.models.bert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.hubtune.models.apps.EncoderModel;
import dev.hubtune.models.family.PretrainedModel;
import dev.hubtune.models.nn.Activation;
import dev.hubtune.models.weights.OnnxWeights;
import dev.hubtune.models.weights.WeightTensor;
import dev.hubtune.tokenizers.Batch;
import dev.hubtune.tokenizers.TextTokenizer;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * all-MiniLM-L6-v2 from its Maven jar: our TensorFlow graph with the ONNX file's weights against
 * ONNX Runtime running the same file, on single texts, pairs and padded batches.
 */
@Tag("slow")
class MiniLmParityTest {

    private static final Logger LOG = LoggerFactory.getLogger(MiniLmParityTest.class);

    @TempDir static Path dir;
    private static EncoderModel model;
    private static TextTokenizer tokenizer;
    private static OrtSession ort;

    static final List<String> TEXTS =
            List.of(
                    "The quick brown fox jumps over the lazy dog.",
                    "hubtune fine-tunes transformers from Java.",
                    "A man is eating food.",
                    "A man is riding a horse.",
                    "Ceci n'est pas une pipe — c'est un test.",
                    "東京は日本の首都です",
                    "Short",
                    "Emoji 😀 and numbers 3.14159 and URLs https://example.com/a?b=c",
                    "This sentence is much longer than the others, so the batch needs padding on every other row to match it.",
                    "!!!",
                    "Café naïve résumé",
                    "How do I reset my password?",
                    "The weather is lovely today.",
                    "Stocks fell sharply after the announcement.",
                    "She plays the violin beautifully.",
                    "Transformers use self-attention.");

    static final List<List<String>> PAIRS =
            List.of(
                    List.of("What is the capital of France?", "Paris is the capital of France."),
                    List.of("Is it raining?", "The sun is shining and the sky is clear."),
                    List.of(
                            "Who wrote Hamlet?",
                            "Hamlet is a tragedy written by William Shakespeare sometime between 1599 and 1601."),
                    List.of("ok", "fine"),
                    List.of("Translate: dog", "chien"),
                    List.of("A question with accents: où est la gare ?", "La gare est à droite."));

    @BeforeAll
    static void load() throws Exception {
        Path onnx = dir.resolve("model.onnx");
        for (String[] f :
                new String[][] {
                    {"all-minilm-l6-v2.onnx", "model.onnx"},
                    {"all-minilm-l6-v2-tokenizer.json", "tokenizer.json"}
                }) {
            try (InputStream in =
                    MiniLmParityTest.class.getClassLoader().getResourceAsStream(f[0])) {
                Files.copy(in, dir.resolve(f[1]));
            }
        }
        Map<String, WeightTensor> weights = OnnxWeights.read(onnx);
        // all-MiniLM-L6-v2's config.json: 12 heads, exact GELU, eps 1e-12 (heads are not visible in
        // weights).
        BertConfig config = BertConfig.infer(weights, 12, Activation.GELU, 1e-12);
        assertEquals(
                new BertConfig(30522, 384, 6, 12, 1536, 512, 2, 1e-12, Activation.GELU), config);
        model = EncoderModel.load(PretrainedModel.of(new BertFamily(), config, weights));
        tokenizer = TextTokenizer.builder().setModelDir(dir).optMaxLength(128).build();
        ort =
                OrtEnvironment.getEnvironment()
                        .createSession(onnx.toString(), new OrtSession.SessionOptions());
    }

    @AfterAll
    static void close() throws Exception {
        model.close();
        tokenizer.close();
        ort.close();
    }

    private static float[][][] reference(Batch batch) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        long[][] ids = new long[batch.batchSize()][batch.length()];
        long[][] mask = new long[batch.batchSize()][batch.length()];
        long[][] types = new long[batch.batchSize()][batch.length()];
        for (int b = 0; b < batch.batchSize(); b++) {
            for (int t = 0; t < batch.length(); t++) {
                int i = b * batch.length() + t;
                ids[b][t] = batch.inputIds()[i];
                mask[b][t] = batch.attentionMask()[i];
                types[b][t] = batch.typeIds()[i];
            }
        }
        try (OnnxTensor a = OnnxTensor.createTensor(env, ids);
                OnnxTensor m = OnnxTensor.createTensor(env, mask);
                OnnxTensor ty = OnnxTensor.createTensor(env, types);
                OrtSession.Result r =
                        ort.run(
                                Map.of(
                                        "input_ids",
                                        a,
                                        "attention_mask",
                                        m,
                                        "token_type_ids",
                                        ty))) {
            return (float[][][]) r.get(0).getValue();
        }
    }

    private static double compare(Batch batch) throws Exception {
        float[][][] ours = model.sequenceOutput(batch);
        float[][][] ref = reference(batch);
        double max = 0;
        for (int b = 0; b < ours.length; b++) {
            for (int t = 0; t < batch.length(); t++) {
                if (batch.attentionMask()[b * batch.length() + t] == 0) {
                    continue; // padding rows are not outputs anyone uses
                }
                for (int h = 0; h < ours[b][t].length; h++) {
                    max = Math.max(max, Math.abs(ours[b][t][h] - ref[b][t][h]));
                }
            }
        }
        return max;
    }

    @Test
    void lastHiddenStateMatchesOnnxRuntimeWithin1e4() throws Exception {
        double single = 0;
        for (String text : TEXTS) {
            single = Math.max(single, compare(tokenizer.encodeBatch(List.of(text))));
        }
        double padded = compare(tokenizer.encodeBatch(TEXTS));
        double pairs =
                compare(
                        tokenizer.encodeBatch(
                                PAIRS.stream().map(p -> p.get(0)).toList(),
                                PAIRS.stream().map(p -> p.get(1)).toList()));
        LOG.info(
                "max |ours - ONNX Runtime| over {} inputs: single {}, padded batch {}, pairs {}",
                TEXTS.size() * 2 + PAIRS.size(),
                single,
                padded,
                pairs);
        assertTrue(single < 1e-4, "single texts: " + single);
        assertTrue(padded < 1e-4, "padded batch: " + padded);
        assertTrue(pairs < 1e-4, "pairs: " + pairs);
    }

    @Test
    void normalizedSentenceEmbeddingsMatchWithin1e5() throws Exception {
        Batch batch = tokenizer.encodeBatch(TEXTS);
        float[][] ours = model.embeddings(batch, true);
        float[][][] ref = reference(batch);
        double max = 0;
        for (int b = 0; b < ours.length; b++) {
            // sentence-transformers: mean over real tokens, then L2 normalisation.
            double[] mean = new double[ours[b].length];
            int count = 0;
            for (int t = 0; t < batch.length(); t++) {
                if (batch.attentionMask()[b * batch.length() + t] == 1) {
                    count++;
                    for (int h = 0; h < mean.length; h++) {
                        mean[h] += ref[b][t][h];
                    }
                }
            }
            double norm = 0;
            for (int h = 0; h < mean.length; h++) {
                mean[h] /= count;
                norm += mean[h] * mean[h];
            }
            norm = Math.sqrt(norm);
            for (int h = 0; h < mean.length; h++) {
                max = Math.max(max, Math.abs(ours[b][h] - mean[h] / norm));
            }
        }
        LOG.info("max |embedding - reference| = {}", max);
        assertTrue(max < 1e-5, "embeddings: " + max);
        // And the embeddings mean something: paraphrase-like pairs are closer than unrelated ones.
        assertTrue(
                dot(ours[2], ours[3]) > dot(ours[2], ours[13]),
                "man eating vs man riding > man eating vs stocks");
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
