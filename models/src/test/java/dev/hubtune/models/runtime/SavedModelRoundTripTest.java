package dev.hubtune.models.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/** A small inference graph exported as a SavedModel loads through DJL with identical outputs. */
class SavedModelRoundTripTest {

    @BeforeAll
    static void load() throws Exception {
        TensorFlowRuntime.load();
    }

    @Test
    void exportedGraphServesIdenticalOutputsThroughDjlCriteria(@TempDir Path dir) throws Exception {
        int[][] ids = {{1, 4, 2, 0}, {3, 3, 1, 2}};
        float[][] expected;
        Path exported = dir.resolve("savedmodel");
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
                                            org.tensorflow.op.random.RandomStandardNormal.seed(
                                                    7L)));
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
                try (Result r = session.runner().feed(inputIds, input).fetch(probabilities).run()) {
                    expected = StdArrays.array2dCopyOf((TFloat32) r.get(0));
                }
                SavedModelBundle.exporter(exported.toString())
                        .withSession(session)
                        .withSignature(signature)
                        .export();
            }
        }

        Criteria<NDList, NDList> criteria =
                Criteria.builder()
                        .setTypes(NDList.class, NDList.class)
                        .optEngine("TensorFlow")
                        .optModelPath(exported)
                        .optTranslator(new NoopTranslator())
                        .build();
        try (ZooModel<NDList, NDList> model = criteria.loadModel();
                Predictor<NDList, NDList> predictor = model.newPredictor();
                NDManager manager = NDManager.newBaseManager("TensorFlow")) {
            NDArray input = manager.create(ids);
            input.setName("input_ids");
            NDList out = predictor.predict(new NDList(input));
            float[] flat = out.get(0).toFloatArray();
            for (int i = 0; i < expected.length; i++) {
                float[] row = new float[expected[i].length];
                System.arraycopy(flat, i * row.length, row, 0, row.length);
                assertArrayEquals(expected[i], row, 0f, "row " + i);
            }
        }
    }
}
