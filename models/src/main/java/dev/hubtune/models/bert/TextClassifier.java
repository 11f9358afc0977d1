package dev.hubtune.models.bert;

import com.google.gson.Gson;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.runtime.TensorFlowRuntime;
import dev.hubtune.models.runtime.Tensors;
import dev.hubtune.models.weights.Variables;
import dev.hubtune.models.weights.WeightTensor;
import dev.hubtune.tokenizers.Batch;
import dev.hubtune.tokenizers.TextTokenizer;
import dev.hubtune.tokenizers.TokenizerException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * A fine-tuned text classifier loaded from its exported directory (HF format with {@code
 * classifier.*} weights and {@code labels.json}): texts or text pairs in, labels and probabilities
 * out.
 */
public final class TextClassifier implements AutoCloseable {

    /**
     * The result for one text.
     *
     * @param label the most probable label
     * @param score its probability
     * @param probabilities the probability of every label, in label-id order
     */
    public record Prediction(String label, float score, float[] probabilities) {}

    private final Graph graph;
    private final Session session;
    private final BertGraph bert;
    private final ClassificationHead head;
    private final TextTokenizer tokenizer;
    private final List<String> labels;

    private TextClassifier(
            Graph graph,
            Session session,
            BertGraph bert,
            ClassificationHead head,
            TextTokenizer tokenizer,
            List<String> labels) {
        this.graph = graph;
        this.session = session;
        this.bert = bert;
        this.head = head;
        this.tokenizer = tokenizer;
        this.labels = labels;
    }

    /** Loads the classifier exported in {@code dir}. */
    public static TextClassifier load(Path dir, int maxLength)
            throws ModelException, TokenizerException {
        Path labelsFile = dir.resolve("labels.json");
        if (!Files.isRegularFile(labelsFile)) {
            throw new ModelException(
                    dir
                            + " has no labels.json: it is not a classifier exported by hubtune"
                            + " finetune. Fine-tune one first (hubtune finetune REF --train FILE"
                            + " …); a GPT-2 continues text with hubtune generate");
        }
        List<String> labels;
        try {
            labels = List.of(new Gson().fromJson(Files.readString(labelsFile), String[].class));
        } catch (IOException | RuntimeException e) {
            throw new ModelException("cannot read " + labelsFile + ": " + e.getMessage(), e);
        }
        BertConfig config = PretrainedBert.config(dir);
        Map<String, WeightTensor> weights = PretrainedBert.weights(dir);
        if (!weights.containsKey(ClassificationHead.WEIGHT)) {
            throw new ModelException(
                    dir + " has no classifier weights; fine-tune it first (hubtune finetune)");
        }
        TensorFlowRuntime.load();
        TextTokenizer tokenizer =
                TextTokenizer.builder().setModelDir(dir).optMaxLength(maxLength).build();
        Graph graph = new Graph();
        try {
            Ops tf = Ops.create(graph);
            BertGraph bert = BertGraph.build(tf, config);
            ClassificationHead head = ClassificationHead.build(bert, labels.size(), pooling(dir));
            Variables.requireFit(
                    bert.variables(), weights, "a classifier with " + labels.size() + " labels");
            Session session = new Session(graph);
            Variables.assign(tf, session, bert.variables(), weights);
            return new TextClassifier(graph, session, bert, head, tokenizer, labels);
        } catch (ModelException e) {
            graph.close();
            tokenizer.close();
            throw e;
        } catch (RuntimeException e) {
            graph.close();
            tokenizer.close();
            throw new ModelException(
                    "cannot load the classifier in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The head's pooling recorded in {@code config.json} (HF's pooler when not recorded). */
    private static ClassificationHead.Pooling pooling(Path dir) throws ModelException {
        try {
            var config =
                    com.google.gson.JsonParser.parseString(
                                    Files.readString(dir.resolve("config.json")))
                            .getAsJsonObject();
            var name = config.get("hubtune_pooling");
            return ClassificationHead.Pooling.fromConfig(name == null ? null : name.getAsString());
        } catch (IOException | RuntimeException e) {
            throw new ModelException(
                    "cannot read the pooling of " + dir.resolve("config.json") + ": " + e, e);
        }
    }

    /**
     * Exports this classifier as a TensorFlow SavedModel (signature: {@code input_ids}, {@code
     * attention_mask}, {@code token_type_ids} to {@code logits} and {@code probabilities}) with its
     * tokenizer and labels, for DJL ({@link
     * dev.hubtune.models.serving.ClassificationTranslatorFactory}) or TF Serving.
     */
    public Path exportSavedModel(Path modelDir, Path out) throws ModelException {
        return BertExport.savedModel(
                dir ->
                        BertExport.writeSavedModel(
                                session,
                                bert,
                                Map.of("logits", head.logits, "probabilities", head.probabilities),
                                dir),
                modelDir,
                out,
                "text-classification");
    }

    /** The labels in id order. */
    public List<String> labels() {
        return labels;
    }

    /** Classifies texts. */
    public List<Prediction> predict(List<String> texts) throws TokenizerException {
        return predict(tokenizer.encodeBatch(texts));
    }

    /** Classifies text pairs. */
    public List<Prediction> predict(List<String> texts, List<String> pairs)
            throws TokenizerException {
        return predict(tokenizer.encodeBatch(texts, pairs));
    }

    private List<Prediction> predict(Batch batch) {
        try (BertInputs inputs = BertInputs.of(batch);
                Result r = inputs.feed(session.runner(), bert).fetch(head.probabilities).run()) {
            float[] flat = Tensors.floats((TFloat32) r.get(0));
            List<Prediction> out = new ArrayList<>();
            int c = labels.size();
            for (int b = 0; b < batch.batchSize(); b++) {
                float[] p = java.util.Arrays.copyOfRange(flat, b * c, (b + 1) * c);
                int best = 0;
                for (int k = 1; k < c; k++) {
                    if (p[k] > p[best]) {
                        best = k;
                    }
                }
                out.add(new Prediction(labels.get(best), p[best], p));
            }
            return out;
        }
    }

    @Override
    public void close() {
        session.close();
        graph.close();
        tokenizer.close();
    }
}
