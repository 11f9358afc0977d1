package dev.hubtune.models.apps;

import dev.hubtune.models.ModelException;
import dev.hubtune.models.export.ExportMetadata;
import dev.hubtune.models.export.SavedModelExport;
import dev.hubtune.models.family.InputTensors;
import dev.hubtune.models.family.ModelFamilies;
import dev.hubtune.models.family.ModelTask;
import dev.hubtune.models.family.PretrainedModel;
import dev.hubtune.models.heads.TokenClassificationHead;
import dev.hubtune.models.runtime.Tensors;
import dev.hubtune.tokenizers.Encoded;
import dev.hubtune.tokenizers.TextTokenizer;
import dev.hubtune.tokenizers.TokenizerException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.tensorflow.Result;
import org.tensorflow.types.TFloat32;

/**
 * Labels every token of a text with a transformers {@code *ForTokenClassification} model (its
 * {@code config.json} has {@code id2label}): named entities, part-of-speech tags.
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

    private final LoadedModel<TokenClassificationHead> loaded;
    private final TextTokenizer tokenizer;
    private final List<String> labels;

    private TokenClassifier(
            LoadedModel<TokenClassificationHead> loaded,
            TextTokenizer tokenizer,
            List<String> labels) {
        this.loaded = loaded;
        this.tokenizer = tokenizer;
        this.labels = labels;
    }

    /** Loads the token classifier in {@code dir}. */
    public static TokenClassifier load(Path dir) throws ModelException, TokenizerException {
        PretrainedModel model = ModelFamilies.describe(dir);
        List<String> labels = ExportMetadata.labels(model.json(), dir.resolve("config.json"));
        if (labels.isEmpty()) {
            throw new ModelException(
                    dir.resolve("config.json")
                            + " has no id2label: this is not a token-classification model"
                            + " (*ForTokenClassification)");
        }
        model.require(ModelTask.TOKEN_CLASSIFICATION);
        LoadedModel<TokenClassificationHead> loaded =
                LoadedModel.load(
                        model,
                        (backbone, weights, optional) ->
                                TokenClassificationHead.build(backbone, labels.size()),
                        "a token classifier with " + labels);
        try {
            TextTokenizer tokenizer =
                    TextTokenizer.builder()
                            .setModelDir(dir)
                            .optMaxLength(model.config().maxPositions())
                            .build();
            return new TokenClassifier(loaded, tokenizer, labels);
        } catch (TokenizerException | RuntimeException e) {
            loaded.close();
            throw e;
        }
    }

    /**
     * Exports this token classifier as a TensorFlow SavedModel (signature: the backbone's inputs to
     * {@code logits} and {@code probabilities}, {@code [batch, length, labels]}) with its
     * tokenizer.
     */
    public Path exportSavedModel(Path modelDir, Path out) throws ModelException {
        TokenClassificationHead head = loaded.heads();
        return SavedModelExport.write(
                loaded.session(),
                loaded.backbone().inputs(),
                Map.of("logits", head.logits, "probabilities", head.probabilities),
                modelDir,
                loaded.backbone().config().modelType(),
                "token-classification",
                out);
    }

    /** The labels in id order, from {@code config.json}'s {@code id2label}. */
    public List<String> labels() {
        return labels;
    }

    /** The label of every token of {@code text} (special tokens left out). */
    public List<TokenLabel> predict(String text) throws TokenizerException {
        Encoded encoded = tokenizer.encode(text);
        float[] flat;
        try (InputTensors inputs = InputTensors.of(tokenizer.pad(List.of(encoded)));
                Result r =
                        inputs.feed(loaded.session().runner(), loaded.backbone().inputs())
                                .fetch(loaded.heads().probabilities)
                                .run()) {
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

    @Override
    public void close() {
        loaded.close();
        tokenizer.close();
    }
}
