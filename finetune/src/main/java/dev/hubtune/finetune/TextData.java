package dev.hubtune.finetune;

import dev.hubtune.models.ModelException;
import dev.hubtune.models.apps.ModelLengths;
import dev.hubtune.models.family.ModelFamilies;
import dev.hubtune.models.family.ModelTask;
import dev.hubtune.models.family.PretrainedModel;
import dev.hubtune.tokenizers.Encoded;
import dev.hubtune.tokenizers.TextTokenizer;
import dev.hubtune.tokenizers.TokenizerException;
import dev.hubtune.tokenizers.data.DatasetReader;
import dev.hubtune.tokenizers.data.Example;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The data side the text-level tasks share (multi-label, regression, embeddings): the model and its
 * tokenizer, and the examples of a CSV/TSV/JSONL file split into training and validation (a seeded
 * share of the training file, or a validation file).
 *
 * @param model the pretrained model, weights loaded
 * @param tokenizer its tokenizer, truncating to the task's length
 * @param train training examples
 * @param validation validation examples
 */
record TextData(
        PretrainedModel model,
        TextTokenizer tokenizer,
        List<Example> train,
        List<Example> validation)
        implements AutoCloseable {

    /**
     * Reads the data of {@code s} with these columns; {@code pair} and {@code label} may be null.
     */
    static TextData read(
            TrainingSettings s,
            ModelTask task,
            int maxLength,
            String text,
            String pair,
            String label)
            throws FinetuneException, ModelException, TokenizerException {
        PretrainedModel described = ModelFamilies.describe(s.modelDir());
        described.require(task);
        PretrainedModel model = described.withWeights();
        TextTokenizer tokenizer =
                TextTokenizer.builder()
                        .setModelDir(model.dir())
                        .optMaxLength(ModelLengths.clamp(maxLength, model, true))
                        .build();
        try {
            HeldOut<Example> split =
                    HeldOut.split(s, f -> examples(f, text, pair, label), Example::line);
            List<Example> train = split.train();
            List<Example> validation = split.validation();
            if (train.isEmpty()) {
                throw new FinetuneException(
                        s.trainFile()
                                + " gives no training examples; check the file and the column names");
            }
            if (validation.isEmpty()) {
                throw new FinetuneException(
                        "no validation examples: give --validation FILE or a larger training file");
            }
            return new TextData(model, tokenizer, train, validation);
        } catch (FinetuneException | TokenizerException | RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    /** Every example of {@code file}. */
    static List<Example> examples(Path file, String text, String pair, String label)
            throws TokenizerException {
        DatasetReader.Builder rb = DatasetReader.builder().setFile(file).setTextColumn(text);
        if (pair != null) {
            rb.optTextPairColumn(pair);
        }
        if (label != null) {
            // An empty cell is each task's to judge: no labels (multi-label), or its own error.
            rb.optLabelColumn(label).optAllowEmptyLabels(true);
        }
        List<Example> out = new ArrayList<>();
        try (DatasetReader r = rb.build()) {
            Optional<Example> e;
            while ((e = r.next()).isPresent()) {
                out.add(e.get());
            }
        } catch (IOException e) {
            throw new TokenizerException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** The text (or pair) of {@code e}, encoded. */
    Encoded encode(Example e) throws TokenizerException {
        return e.pair().isPresent()
                ? tokenizer.encode(e.text(), e.pair().get())
                : tokenizer.encode(e.text());
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
