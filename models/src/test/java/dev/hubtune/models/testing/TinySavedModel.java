package dev.hubtune.models.testing;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import java.nio.file.Path;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.StdArrays;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.random.RandomStandardNormal;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/** Exports a tiny inference graph (embedding, mean, softmax) as a SavedModel for serving tests. */
public final class TinySavedModel {

    private TinySavedModel() {}

    /**
     * Exports the model to {@code dir} and returns its probabilities for {@code ids} as computed by
     * the exporting session (the reference outputs).
     */
    public static float[][] export(Path dir, int[][] ids) throws java.io.IOException {
        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            Ops init = tf.withInitScope();
            var inputIds =
                    tf.withName("input_ids")
                            .placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
            // VariableV2 weights: the only kind the SavedModel exporter saves.
            Variable<TFloat32> embedding =
                    tf.withName("embedding")
                            .variable(
                                    init.random.randomStandardNormal(
                                            init.constant(new long[] {5, 3}),
                                            TFloat32.class,
                                            RandomStandardNormal.seed(7L)));
            var pooled =
                    tf.math.mean(tf.gather(embedding, inputIds, tf.constant(0)), tf.constant(1));
            var probabilities = tf.withName("probabilities").nn.softmax(pooled);
            Signature signature =
                    Signature.builder()
                            .key(Signature.DEFAULT_KEY)
                            .input("input_ids", inputIds)
                            .output("probabilities", probabilities)
                            .build();
            try (Session session = new Session(graph);
                    TInt32 input = TInt32.tensorOf(StdArrays.ndCopyOf(ids))) {
                session.initialize();
                float[][] expected;
                try (Result r = session.runner().feed(inputIds, input).fetch(probabilities).run()) {
                    expected = StdArrays.array2dCopyOf((TFloat32) r.get(0));
                }
                SavedModelBundle.exporter(dir.toString())
                        .withSession(session)
                        .withSignature(signature)
                        .export();
                return expected;
            }
        }
    }

    /** Runs {@code ids} through a SavedModel loaded by DJL from {@code the criteria builder}. */
    public static float[][] predictThroughDjl(Criteria.Builder<NDList, NDList> builder, int[][] ids)
            throws Exception {
        Criteria<NDList, NDList> criteria =
                builder.optEngine("TensorFlow").optTranslator(new NoopTranslator()).build();
        try (ZooModel<NDList, NDList> model = criteria.loadModel();
                Predictor<NDList, NDList> predictor = model.newPredictor();
                NDManager manager = NDManager.newBaseManager("TensorFlow")) {
            NDArray input = manager.create(ids);
            input.setName("input_ids");
            NDArray out = predictor.predict(new NDList(input)).get(0);
            long[] shape = out.getShape().getShape();
            float[] flat = out.toFloatArray();
            float[][] rows = new float[(int) shape[0]][(int) shape[1]];
            for (int i = 0; i < rows.length; i++) {
                System.arraycopy(flat, i * rows[i].length, rows[i], 0, rows[i].length);
            }
            return rows;
        }
    }
}
