package dev.hubtune.models.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.inference.Predictor;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import dev.hubtune.models.apps.EncoderModel;
import dev.hubtune.models.testing.TinyBert;
import dev.hubtune.tokenizers.TextTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An exported BERT SavedModel served by DJL gives the same embeddings as before export. */
class SavedModelServingTest {

    @Test
    void djlServesTheExportWithIdenticalEmbeddings(@TempDir Path dir) throws Exception {
        TinyBert.vocab(dir);
        Path out = dir.resolve("served");
        List<String> texts = List.of("w1 w2 w3", "w7 w7 w8 w9 w10 w11");
        float[][] expected;
        try (EncoderModel model = TinyBert.load(TinyBert.CONFIG, TinyBert.weights(3));
                TextTokenizer tok = TextTokenizer.builder().setModelDir(dir).build()) {
            expected =
                    new float[][] {
                        model.embeddings(tok.encodeBatch(texts.subList(0, 1)), true)[0],
                        model.embeddings(tok.encodeBatch(texts.subList(1, 2)), true)[0]
                    };
            model.exportSavedModel(dir, out);
        }
        assertTrue(Files.isRegularFile(out.resolve("saved_model.pb")));
        assertTrue(Files.isRegularFile(out.resolve("hubtune.json")));
        for (String url : List.of(out.toUri().toString(), "hubtune://" + out.toUri().getPath())) {
            Criteria<String, float[]> criteria =
                    Criteria.builder()
                            .setTypes(String.class, float[].class)
                            .optEngine("TensorFlow")
                            .optModelUrls(url)
                            .optTranslatorFactory(new EmbeddingTranslatorFactory())
                            .build();
            try (ZooModel<String, float[]> model = criteria.loadModel();
                    Predictor<String, float[]> p = model.newPredictor()) {
                for (int i = 0; i < texts.size(); i++) {
                    assertArrayEquals(
                            expected[i], p.predict(texts.get(i)), 1e-6f, url + " " + texts.get(i));
                }
            }
        }
    }
}
