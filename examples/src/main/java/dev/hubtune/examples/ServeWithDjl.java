package dev.hubtune.examples;

import ai.djl.inference.Predictor;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import dev.hubtune.hub.Hub;
import dev.hubtune.hub.ModelDir;
import dev.hubtune.models.apps.ModelExports;
import dev.hubtune.models.serving.EmbeddingTranslatorFactory;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Serving an exported model through DJL: export all-MiniLM-L6-v2 as a TensorFlow SavedModel, then
 * load it with DJL's {@code Criteria} and a {@code Predictor}, as a service would. Run:
 *
 * <pre>
 * mvn -B -q -DskipTests -pl examples -am package
 * java -cp "examples/target/classes:examples/target/lib/*" dev.hubtune.examples.ServeWithDjl /tmp/minilm-savedmodel
 * </pre>
 */
public final class ServeWithDjl {

    private ServeWithDjl() {}

    /** Exports (if the directory does not exist yet) and serves one prediction. */
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "target/minilm-savedmodel");
        run(dir, System.out);
    }

    static float[] run(Path dir, PrintStream out) throws Exception {
        if (!Files.exists(dir)) {
            ModelDir model = Hub.builder().build().pull("all-minilm-l6-v2");
            ModelExports.savedModel(model.path(), dir);
        }
        Criteria<String, float[]> criteria =
                Criteria.builder()
                        .setTypes(String.class, float[].class)
                        .optEngine("TensorFlow")
                        .optModelUrls("hubtune://" + dir.toAbsolutePath())
                        .optTranslatorFactory(new EmbeddingTranslatorFactory())
                        .build();
        try (ZooModel<String, float[]> model = criteria.loadModel();
                Predictor<String, float[]> predictor = model.newPredictor()) {
            float[] embedding = predictor.predict("Serving a hubtune export through DJL.");
            out.println("served " + dir + ": embedding of " + embedding.length + " dimensions");
            return embedding;
        }
    }
}
