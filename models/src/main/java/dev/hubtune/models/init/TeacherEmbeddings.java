package dev.hubtune.models.init;

import dev.hubtune.models.ModelException;
import dev.hubtune.models.family.Backbone;
import dev.hubtune.models.family.MaskedLmLayout;
import dev.hubtune.models.family.ModelFamilies;
import dev.hubtune.models.family.PretrainedModel;
import dev.hubtune.models.nn.BuildContext;
import dev.hubtune.models.rnn.RnnConfig;
import dev.hubtune.models.runtime.TensorFlowRuntime;
import dev.hubtune.models.runtime.Tensors;
import dev.hubtune.models.weights.Safetensors;
import dev.hubtune.models.weights.WeightTensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.op.linalg.SelfAdjointEig;
import org.tensorflow.op.math.Mean;
import org.tensorflow.types.TFloat32;

/**
 * A recurrent student's token embedding initialised from a transformer's (the teacher it is
 * distilled from, whose tokenizer it shares): the teacher's table as it is when the widths match,
 * else its principal components — the centred table projected onto the {@code embedding_size}
 * eigenvectors of its covariance with the largest eigenvalues, so the student starts from the
 * directions along which the teacher's tokens differ most — rescaled to the teacher's
 * per-coordinate standard deviation (a projection onto the top components has a larger spread than
 * any one coordinate had, which would saturate the gates at step 0).
 */
public final class TeacherEmbeddings {

    /** The recurrent encoder's embedding parameter ({@code RnnBackbone}'s). */
    static final String STUDENT_EMBEDDING = "embeddings.word_embeddings.weight";

    private TeacherEmbeddings() {}

    /**
     * Replaces the token embedding of the recurrent model in {@code studentDir} with {@code
     * teacherDir}'s, projected to the student's width; the weights file is rewritten atomically.
     *
     * @throws ModelException when the student is not a hubtune recurrent model, the teacher has no
     *     token embedding hubtune knows, its vocabulary is smaller than the student's, or the
     *     student's embedding is wider than the teacher's
     */
    public static void copyInto(Path studentDir, Path teacherDir) throws ModelException {
        PretrainedModel student = ModelFamilies.load(studentDir);
        if (!(student.config() instanceof RnnConfig config)) {
            throw new ModelException(
                    studentDir
                            + " is a "
                            + student.config().modelType()
                            + " model; embeddings from a teacher initialise a recurrent student"
                            + " ("
                            + RnnConfig.MODEL_TYPE
                            + ")");
        }
        WeightTensor table = tokenEmbedding(ModelFamilies.load(teacherDir));
        WeightTensor projected = project(table, config.vocabSize(), config.embeddingSize());
        Map<String, WeightTensor> weights = new LinkedHashMap<>(student.weights());
        weights.put(STUDENT_EMBEDDING, projected);
        try {
            Safetensors.write(
                    studentDir.resolve("model.safetensors"), weights, Map.of("format", "pt"));
        } catch (IOException e) {
            throw new ModelException(
                    "could not write " + studentDir.resolve("model.safetensors") + ": " + e, e);
        }
    }

    /** The teacher's token embedding table, found through its family's masked-LM layout. */
    static WeightTensor tokenEmbedding(PretrainedModel teacher) throws ModelException {
        TensorFlowRuntime.load();
        Optional<String> name;
        try (Graph g = new Graph()) {
            Backbone backbone =
                    teacher.family().build(BuildContext.inference(Ops.create(g)), teacher.config());
            name =
                    backbone.maskedLm()
                            .map(MaskedLmLayout::embedding)
                            .map(e -> e.table().op().name());
        }
        WeightTensor table = name.map(teacher.weights()::get).orElse(null);
        if (table == null || table.shape().length != 2) {
            throw new ModelException(
                    teacher.name()
                            + " ("
                            + teacher.family().displayName()
                            + ") has no token embedding table hubtune can copy; use a BERT-like"
                            + " encoder as the teacher, or a randomly initialised student");
        }
        return table;
    }

    /**
     * The first {@code rows} rows of {@code table [V, H]} in {@code dim ≤ H} columns: the table
     * itself when {@code dim == H}, else its top-{@code dim} principal components (see the class
     * comment).
     */
    static WeightTensor project(WeightTensor table, int rows, int dim) throws ModelException {
        long vocab = table.shape()[0];
        int width = Math.toIntExact(table.shape()[1]);
        if (rows > vocab) {
            throw new ModelException(
                    "the student's vocabulary has "
                            + rows
                            + " tokens but the teacher's embedding only "
                            + vocab
                            + " rows; create the student with the teacher's tokenizer");
        }
        if (dim > width) {
            throw new ModelException(
                    "the student's embedding_size "
                            + dim
                            + " is wider than the teacher's "
                            + width
                            + ": a student initialised from the teacher needs embedding_size ≤ "
                            + width);
        }
        float[] head = Arrays.copyOf(table.data(), rows * width);
        if (dim == width) {
            return new WeightTensor(new long[] {rows, width}, head);
        }
        TensorFlowRuntime.load();
        try (Graph g = new Graph();
                Session s = new Session(g)) {
            Ops tf = Ops.create(g);
            // fed, not a constant: a large vocabulary's table would not fit a 2 GB graph
            Placeholder<TFloat32> x =
                    tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(rows, width)));
            Operand<TFloat32> centred =
                    tf.math.sub(x, tf.math.mean(x, tf.constant(0), Mean.keepDims(true)));
            Operand<TFloat32> covariance =
                    tf.math.div(
                            tf.linalg.matMul(centred, centred, MatMul.transposeA(true)),
                            tf.constant((float) rows));
            // eigenvalues ascending: the last dim columns, largest first
            SelfAdjointEig<TFloat32> eig = tf.linalg.selfAdjointEig(covariance);
            Operand<TFloat32> top =
                    tf.reverse(
                            tf.slice(
                                    eig.v(),
                                    tf.constant(new int[] {0, width - dim}),
                                    tf.constant(new int[] {width, dim})),
                            tf.constant(new int[] {1}));
            Operand<TFloat32> components = tf.linalg.matMul(centred, top);
            Operand<TFloat32> scale =
                    tf.math.sqrt(
                            tf.math.divNoNan( // a table without spread stays all zeros
                                    tf.math.mean(
                                            tf.math.square(centred), tf.constant(new int[] {0, 1})),
                                    tf.math.mean(
                                            tf.math.square(components),
                                            tf.constant(new int[] {0, 1}))));
            try (TFloat32 fed =
                            TFloat32.tensorOf(
                                    Shape.of(rows, width), DataBuffers.of(head, true, false));
                    Result r =
                            s.runner().feed(x, fed).fetch(tf.math.mul(components, scale)).run()) {
                return new WeightTensor(
                        new long[] {rows, dim}, Tensors.floats((TFloat32) r.get(0)));
            }
        }
    }
}
