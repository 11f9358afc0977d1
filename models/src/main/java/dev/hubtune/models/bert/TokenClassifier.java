package dev.hubtune.models.bert;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.runtime.TensorFlowRuntime;
import dev.hubtune.models.runtime.Tensors;
import dev.hubtune.models.weights.Variables;
import dev.hubtune.models.weights.WeightTensor;
import dev.hubtune.tokenizers.Encoded;
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
 * Labels every token of a text with an HF {@code BertForTokenClassification} model (its {@code
 * config.json} has {@code id2label}): named entities, part-of-speech tags.
 */
public final class TokenClassifier implements AutoCloseable {

    /**
     * One token's label.
     *
     * @param token the token
     * @param start first character of the token in the text
     * @param end one past its last character
     * @param label the most likely label
     * @param score its probability
     */
    public record TokenLabel(String token, int start, int end, String label, float score) {}

    private final Graph graph;
    private final Session session;
    private final BertGraph bert;
    private final TokenClassificationHead head;
    private final TextTokenizer tokenizer;
    private final List<String> labels;

    private TokenClassifier(
            Graph graph,
            Session session,
            BertGraph bert,
            TokenClassificationHead head,
            TextTokenizer tokenizer,
            List<String> labels) {
        this.graph = graph;
        this.session = session;
        this.bert = bert;
        this.head = head;
        this.tokenizer = tokenizer;
        this.labels = labels;
    }

    /** Loads the token classifier in {@code dir}. */
    public static TokenClassifier load(Path dir) throws ModelException, TokenizerException {
        List<String> labels = labels(dir);
        BertConfig config = PretrainedBert.config(dir);
        Map<String, WeightTensor> weights = PretrainedBert.weights(dir);
        TensorFlowRuntime.load();
        Graph graph = new Graph();
        try {
            Ops tf = Ops.create(graph);
            BertGraph bert = BertGraph.build(tf, config);
            TokenClassificationHead head = TokenClassificationHead.build(bert, labels.size());
            Variables.requireFit(bert.variables(), weights, "a token classifier with " + labels);
            Session session = new Session(graph);
            Variables.assign(tf, session, bert.variables(), weights);
            TextTokenizer tokenizer =
                    TextTokenizer.builder()
                            .setModelDir(dir)
                            .optMaxLength(config.maxPositions())
                            .build();
            return new TokenClassifier(graph, session, bert, head, tokenizer, labels);
        } catch (ModelException | TokenizerException | RuntimeException e) {
            graph.close();
            throw e;
        }
    }

    /** The labels in id order, from {@code config.json}'s {@code id2label}. */
    public List<String> labels() {
        return labels;
    }

    /** The label of every token of {@code text} (special tokens left out). */
    public List<TokenLabel> predict(String text) throws TokenizerException {
        Encoded encoded = tokenizer.encode(text);
        float[] flat;
        try (BertInputs inputs = BertInputs.of(tokenizer.pad(List.of(encoded)));
                Result r = inputs.feed(session.runner(), bert).fetch(head.probabilities).run()) {
            flat = Tensors.floats((TFloat32) r.get(0));
        }
        int c = labels.size();
        List<TokenLabel> out = new ArrayList<>();
        for (int t = 0; t < encoded.length(); t++) {
            if (encoded.specialTokensMask()[t] != 0) {
                continue;
            }
            int best = 0;
            for (int k = 1; k < c; k++) {
                if (flat[t * c + k] > flat[t * c + best]) {
                    best = k;
                }
            }
            out.add(
                    new TokenLabel(
                            encoded.tokens()[t],
                            encoded.charStarts()[t],
                            encoded.charEnds()[t],
                            labels.get(best),
                            flat[t * c + best]));
        }
        return out;
    }

    private static List<String> labels(Path dir) throws ModelException {
        Path file = dir.resolve("config.json");
        try {
            JsonObject config = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
            if (!config.has("id2label")) {
                throw new ModelException(
                        file
                                + " has no id2label: this is not a token-classification model"
                                + " (BertForTokenClassification)");
            }
            JsonObject id2label = config.getAsJsonObject("id2label");
            List<String> labels = new ArrayList<>();
            for (int i = 0; i < id2label.size(); i++) {
                if (!id2label.has(Integer.toString(i))) {
                    throw new ModelException(file + ": id2label has no entry for id " + i);
                }
                labels.add(id2label.get(Integer.toString(i)).getAsString());
            }
            return labels;
        } catch (IOException | RuntimeException e) {
            throw new ModelException("cannot read labels from " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        session.close();
        graph.close();
        tokenizer.close();
    }
}
