package dev.hubtune.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hubtune.models.runtime.TensorFlowRuntime;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The embedding task's losses equal sentence-transformers' own loss classes on the same embeddings
 * ({@code tools/reference/embedding_loss_reference.py}, sentence-transformers 3.3.1):
 * multiple-negatives ranking on pairs and on triplets (negatives join the candidates), its
 * symmetric variant, at two scales, and the cosine-similarity loss of scored pairs. In a batch
 * without repeated texts the task feeds identity targets and no bias (the masking of other right
 * answers changes nothing), which is what this checks.
 */
class EmbeddingLossParityTest {

    private static float[][] matrix(JsonArray a) {
        float[][] m = new float[a.size()][];
        for (int i = 0; i < m.length; i++) {
            JsonArray row = a.get(i).getAsJsonArray();
            m[i] = new float[row.size()];
            for (int k = 0; k < m[i].length; k++) {
                m[i][k] = row.get(k).getAsFloat();
            }
        }
        return m;
    }

    private static float[][] stack(float[][] a, float[][] b) {
        float[][] out = new float[a.length + b.length][];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Identity targets {@code [rows, columns]}: row i's answer is candidate i. */
    private static float[][] targets(int rows, int columns) {
        float[][] t = new float[rows][columns];
        for (int i = 0; i < rows; i++) {
            t[i][i] = 1;
        }
        return t;
    }

    private static float run(Operand<TFloat32> loss, Graph graph) {
        try (Session session = new Session(graph);
                Result r = session.runner().fetch(loss).run()) {
            return ((TFloat32) r.get(0)).getFloat();
        }
    }

    @Test
    void lossesEqualSentenceTransformers() throws Exception {
        JsonObject ref;
        try (InputStream in =
                getClass().getResourceAsStream("/reference/embedding-loss-reference.json")) {
            ref =
                    JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8))
                            .getAsJsonObject();
        }
        TensorFlowRuntime.load();
        float[][] anchors = matrix(ref.getAsJsonArray("anchors"));
        float[][] positives = matrix(ref.getAsJsonArray("positives"));
        float[][] negatives = matrix(ref.getAsJsonArray("negatives"));
        JsonArray scoreArray = ref.getAsJsonArray("scores");
        float[] scores = new float[scoreArray.size()];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = scoreArray.get(i).getAsFloat();
        }
        int b = anchors.length;
        int checked = 0;
        for (JsonElement e : ref.getAsJsonArray("cases")) {
            JsonObject c = e.getAsJsonObject();
            String kind = c.get("loss").getAsString();
            try (Graph graph = new Graph()) {
                Ops tf = Ops.create(graph);
                Operand<TFloat32> a = EmbeddingTask.unitLength(tf, tf.constant(anchors), null);
                Operand<TFloat32> p = EmbeddingTask.unitLength(tf, tf.constant(positives), null);
                Operand<TFloat32> loss;
                if (kind.equals("cosine")) {
                    loss = EmbeddingTask.cosineLoss(tf, a, p, tf.constant(scores));
                } else {
                    float scale = c.get("scale").getAsFloat();
                    boolean triplets = kind.equals("triplets");
                    Operand<TFloat32> candidates =
                            triplets
                                    ? EmbeddingTask.unitLength(
                                            tf, tf.constant(stack(positives, negatives)), null)
                                    : p;
                    int n = triplets ? 2 * b : b;
                    loss =
                            EmbeddingTask.rankingLoss(
                                    tf,
                                    a,
                                    candidates,
                                    tf.constant(new float[b][n]),
                                    tf.constant(targets(b, n)),
                                    scale);
                    if (kind.equals("symmetric")) {
                        Operand<TFloat32> backward =
                                EmbeddingTask.rankingLoss(
                                        tf,
                                        p,
                                        a,
                                        tf.constant(new float[b][b]),
                                        tf.constant(targets(b, b)),
                                        scale);
                        loss = tf.math.mul(tf.math.add(loss, backward), tf.constant(0.5f));
                    }
                }
                assertEquals(
                        c.get("value").getAsDouble(),
                        run(loss, graph),
                        1e-5,
                        kind + (c.has("scale") ? " at scale " + c.get("scale") : ""));
                checked++;
            }
        }
        assertEquals(7, checked);
    }
}
