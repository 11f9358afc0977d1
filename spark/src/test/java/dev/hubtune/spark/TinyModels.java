package dev.hubtune.spark;

import dev.hubtune.models.bert.BertInit;
import dev.hubtune.models.export.ExportMetadata;
import dev.hubtune.models.family.Pooling;
import dev.hubtune.models.testing.TinyBert;
import dev.hubtune.models.weights.WeightTensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Tiny generated models and texts over their vocabulary (w0…w34) for the Spark tests. */
final class TinyModels {

    private TinyModels() {}

    /**
     * A tiny BERT sequence classifier (labels neg, pos) in HF format at {@code root/classifier}:
     * seeded random weights, normal(0, 0.2) so that texts get clearly different probabilities.
     */
    static Path classifier(Path root) throws Exception {
        Path vocab = TinyBert.vocab(Files.createDirectories(root.resolve("classifier-vocab")));
        Map<String, WeightTensor> w = BertInit.randomPretraining(TinyBert.CONFIG, 5, 0.2f);
        Random r = new Random(11);
        w.put("classifier.weight", WeightTensor.normal(r, 0.5f, TinyBert.CONFIG.hiddenSize(), 2));
        w.put("classifier.bias", WeightTensor.zeros(2));
        return TinyBert.export(
                TinyBert.CONFIG,
                w,
                ExportMetadata.sequenceClassifier(List.of("neg", "pos"), Pooling.POOLER),
                vocab,
                root.resolve("classifier"));
    }

    /** {@code n} seeded texts of 3 to 12 words w0…w34. */
    static List<String> texts(int n, long seed) {
        Random r = new Random(seed);
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int words = 3 + r.nextInt(10);
            StringBuilder sb = new StringBuilder();
            for (int k = 0; k < words; k++) {
                sb.append(k == 0 ? "" : " ").append('w').append(r.nextInt(35));
            }
            out.add(sb.toString());
        }
        return out;
    }
}
