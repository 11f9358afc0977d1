package dev.hubtune.models.bert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubtune.models.ModelException;
import dev.hubtune.models.apps.EncoderModel;
import dev.hubtune.models.apps.TokenClassifier;
import dev.hubtune.models.export.ExportMetadata;
import dev.hubtune.models.family.Backbone;
import dev.hubtune.models.family.InputTensors;
import dev.hubtune.models.heads.TokenClassificationHead;
import dev.hubtune.models.nn.BuildContext;
import dev.hubtune.models.testing.TinyBert;
import dev.hubtune.models.weights.Variables;
import dev.hubtune.models.weights.WeightTensor;
import dev.hubtune.tokenizers.Batch;
import dev.hubtune.tokenizers.TextTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/** The token-classification head against plain-Java arithmetic on the encoder's hidden states. */
class TokenClassifierTest {

    @TempDir Path dir;

    private static Map<String, WeightTensor> weights() {
        Map<String, WeightTensor> w = new LinkedHashMap<>(TinyBert.weights(4));
        Random r = new Random(9);
        w.put("classifier.weight", WeightTensor.normal(r, 0.5f, 32, 3));
        w.put("classifier.bias", WeightTensor.normal(r, 0.5f, 3));
        return w;
    }

    @Test
    void labelsEveryTokenAsTheArithmeticSays() throws Exception {
        Map<String, WeightTensor> w = weights();
        Path model =
                TinyBert.export(
                        TinyBert.CONFIG,
                        w,
                        ExportMetadata.tokenClassifier(List.of("O", "B-X", "I-X")),
                        TinyBert.vocab(Files.createDirectories(dir.resolve("v"))),
                        dir.resolve("ner"));
        String text = "w1 w2 w3 w4 w5";
        float[][] hidden;
        try (EncoderModel encoder = TinyBert.load(TinyBert.CONFIG, w);
                TextTokenizer tok = TextTokenizer.builder().setModelDir(model).build()) {
            hidden = encoder.sequenceOutput(tok.encodeBatch(List.of(text)))[0];
        }
        try (TokenClassifier classifier = TokenClassifier.load(model)) {
            assertEquals(List.of("O", "B-X", "I-X"), classifier.labels());
            List<TokenClassifier.TokenLabel> labels = classifier.predict(text);
            assertEquals(5, labels.size(), "special tokens are left out: " + labels);
            for (int i = 0; i < 5; i++) {
                float[] logits = logits(w, hidden[i + 1]); // +1: [CLS]
                int best = 0;
                for (int k = 1; k < 3; k++) {
                    best = logits[k] > logits[best] ? k : best;
                }
                assertEquals(List.of("O", "B-X", "I-X").get(best), labels.get(i).label());
                assertEquals("w" + (i + 1), labels.get(i).token());
                assertEquals(text.indexOf("w" + (i + 1)), labels.get(i).start());
            }
        }
    }

    @Test
    void lossCountsOnlyLabelledTokens() throws Exception {
        Map<String, WeightTensor> w = weights();
        try (TextTokenizer tok = TextTokenizer.builder().setModelDir(TinyBert.vocab(dir)).build();
                Graph g = new Graph()) {
            Batch batch = tok.encodeBatch(List.of("w1 w2 w3"));
            float[][] hidden;
            try (EncoderModel encoder = TinyBert.load(TinyBert.CONFIG, w)) {
                hidden = encoder.sequenceOutput(batch)[0];
            }
            Ops tf = Ops.create(g);
            Backbone bert = new BertFamily().build(BuildContext.inference(tf), TinyBert.CONFIG);
            TokenClassificationHead head = TokenClassificationHead.build(bert, 3);
            int[] gold = {-100, 2, 0, 1, -100}; // [CLS] w1 w2 w3 [SEP]
            try (Session s = new Session(g);
                    InputTensors inputs = InputTensors.of(batch);
                    TInt32 labels =
                            TInt32.tensorOf(Shape.of(1, 5), DataBuffers.of(gold, true, false))) {
                Variables.assign(tf, s, bert.context().parameters().variables(), w);
                try (Result r =
                        inputs.feed(s.runner(), bert.inputs())
                                .feed(head.labels, labels)
                                .fetch(head.loss.mean())
                                .run()) {
                    double expected = 0;
                    for (int t = 1; t <= 3; t++) {
                        float[] l = logits(w, hidden[t]);
                        double max = Math.max(l[0], Math.max(l[1], l[2]));
                        double sum = 0;
                        for (float v : l) {
                            sum += Math.exp(v - max);
                        }
                        expected += -(l[gold[t]] - max - Math.log(sum)) / 3;
                    }
                    assertEquals(expected, ((TFloat32) r.get(0)).getFloat(), 1e-5);
                }
            }
        }
    }

    @Test
    void aModelWithoutLabelsIsRefused() throws Exception {
        ModelException e =
                assertThrows(
                        ModelException.class,
                        () -> TokenClassifier.load(TinyBert.huggingFaceDir(dir)));
        assertTrue(e.getMessage().contains("no id2label"), e.getMessage());
    }

    private static float[] logits(Map<String, WeightTensor> w, float[] x) {
        WeightTensor k = w.get("classifier.weight");
        float[] out = w.get("classifier.bias").data().clone();
        for (int j = 0; j < 3; j++) {
            for (int i = 0; i < x.length; i++) {
                out[j] += x[i] * k.data()[i * 3 + j];
            }
        }
        return out;
    }
}
