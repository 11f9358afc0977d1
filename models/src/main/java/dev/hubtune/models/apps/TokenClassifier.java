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
        float[] flat = probabilities(encoded);
        int c = labels.size();
        List<TokenLabel> out = new ArrayList<>();
        for (int t = 0; t < encoded.length(); t++) {
            if (encoded.specialTokensMask()[t] != 0) {
                continue;
            }
            int best = argMax(flat, t * c, c);
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

    /**
     * How token predictions become entities, as transformers' token-classification pipeline's
     * {@code aggregation_strategy} does it.
     */
    public enum Aggregation {
        /** Every token with its own label, no grouping ({@code type} is the full label). */
        NONE,
        /** Adjacent tokens of one type grouped, each token's own label (sub-words may split). */
        SIMPLE,
        /** A word takes its first sub-token's label (the one training labels). */
        FIRST,
        /** A word takes the label of its sub-tokens' mean probabilities. */
        AVERAGE,
        /** A word takes the label of its most confident sub-token. */
        MAX;

        /** The aggregation named {@code name}, case-insensitively. */
        public static Aggregation parse(String name) {
            try {
                return valueOf(name.trim().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "unknown aggregation '"
                                + name
                                + "'; choose none, simple, first, average"
                                + " or max",
                        e);
            }
        }
    }

    /**
     * An entity found in a text.
     *
     * @param type its type ({@code PER}; with {@link Aggregation#NONE} the token's label, {@code
     *     B-PER})
     * @param text the text it covers, {@code text.substring(start, end)}
     * @param start first character
     * @param end one past the last character
     * @param score mean probability of its words' labels
     */
    public record Entity(String type, String text, int start, int end, float score) {}

    /** A token's (or word's) label and probabilities, before grouping. */
    private record Scored(String label, float score, float[] probabilities, int start, int end) {}

    /**
     * The entities of {@code text}, with sub-tokens aggregated into words and adjacent words of one
     * type grouped exactly as transformers' {@code pipeline("token-classification",
     * aggregation_strategy=...)} does (outside, {@code O}, is left out). Texts longer than the
     * model are cut at its length.
     */
    public List<Entity> entities(String text, Aggregation aggregation) throws TokenizerException {
        Encoded encoded = tokenizer.encode(text);
        float[] flat = probabilities(encoded);
        int c = labels.size();
        // gather_pre_entities: which tokens continue a word. With a word-aware vocabulary (a
        // continuing-subword prefix, WordPiece's ##) a piece whose string is longer than its span
        // is a continuation; otherwise the pipeline's heuristic: no space just before it.
        boolean wordAware = tokenizer.continuingSubwordPrefix().isPresent();
        int unk = tokenizer.unknownId().orElse(-1);
        List<float[]> tokenScores = new ArrayList<>();
        List<int[]> spans = new ArrayList<>();
        List<Boolean> subword = new ArrayList<>();
        for (int t = 0; t < encoded.length(); t++) {
            if (encoded.specialTokensMask()[t] != 0) {
                continue;
            }
            int start = encoded.charStarts()[t];
            int end = encoded.charEnds()[t];
            float[] p = java.util.Arrays.copyOfRange(flat, t * c, t * c + c);
            boolean isSubword;
            if (encoded.ids()[t] == unk) {
                isSubword = false;
            } else if (wordAware) {
                String piece = encoded.tokens()[t];
                isSubword =
                        piece.codePointCount(0, piece.length()) != text.codePointCount(start, end);
            } else {
                isSubword =
                        start > 0
                                && text.substring(start - 1, Math.min(text.length(), start + 1))
                                                .indexOf(' ')
                                        < 0;
            }
            tokenScores.add(p);
            spans.add(new int[] {start, end});
            subword.add(isSubword);
        }
        List<Scored> scored = new ArrayList<>();
        if (aggregation == Aggregation.NONE || aggregation == Aggregation.SIMPLE) {
            for (int i = 0; i < tokenScores.size(); i++) {
                scored.add(scoredOf(tokenScores.get(i), spans.get(i)[0], spans.get(i)[1]));
            }
        } else {
            int from = 0;
            for (int i = 1; i <= tokenScores.size(); i++) {
                if (i == tokenScores.size() || !subword.get(i)) {
                    if (i > from) {
                        scored.add(
                                word(
                                        tokenScores.subList(from, i),
                                        spans.get(from)[0],
                                        spans.get(i - 1)[1],
                                        aggregation));
                    }
                    from = i;
                }
            }
        }
        List<Entity> out = new ArrayList<>();
        if (aggregation == Aggregation.NONE) {
            for (Scored s : scored) {
                if (!s.label().equals("O")) {
                    out.add(
                            new Entity(
                                    s.label(),
                                    text.substring(s.start(), s.end()),
                                    s.start(),
                                    s.end(),
                                    s.score()));
                }
            }
            return out;
        }
        // group_entities: a word joins the group before it when it has the same type and is not
        // a B-; a label without B-/I- counts as I- of itself.
        List<Scored> group = new ArrayList<>();
        for (Scored s : scored) {
            if (!group.isEmpty()) {
                String[] tag = tag(s.label());
                String[] last = tag(group.get(group.size() - 1).label());
                if (!(tag[1].equals(last[1]) && !tag[0].equals("B"))) {
                    addGroup(group, text, out);
                    group = new ArrayList<>();
                }
            }
            group.add(s);
        }
        if (!group.isEmpty()) {
            addGroup(group, text, out);
        }
        return out;
    }

    private Scored scoredOf(float[] p, int start, int end) {
        int best = argMax(p, 0, p.length);
        return new Scored(labels.get(best), p[best], p, start, end);
    }

    /** aggregate_word: one word's label from its sub-tokens' probabilities. */
    private Scored word(List<float[]> pieces, int start, int end, Aggregation aggregation) {
        float[] p;
        switch (aggregation) {
            case FIRST -> p = pieces.get(0);
            case MAX -> {
                p = pieces.get(0);
                for (float[] q : pieces) {
                    if (q[argMax(q, 0, q.length)] > p[argMax(p, 0, p.length)]) {
                        p = q;
                    }
                }
            }
            default -> {
                p = new float[pieces.get(0).length];
                for (float[] q : pieces) {
                    for (int k = 0; k < p.length; k++) {
                        p[k] += q[k] / pieces.size();
                    }
                }
            }
        }
        return scoredOf(p, start, end);
    }

    private static String[] tag(String label) {
        if (label.startsWith("B-")) {
            return new String[] {"B", label.substring(2)};
        }
        if (label.startsWith("I-")) {
            return new String[] {"I", label.substring(2)};
        }
        return new String[] {"I", label};
    }

    private static void addGroup(List<Scored> group, String text, List<Entity> out) {
        String label = group.get(0).label();
        int dash = label.indexOf('-');
        String type = dash < 0 ? label : label.substring(dash + 1);
        if (type.equals("O")) {
            return;
        }
        double sum = 0;
        for (Scored s : group) {
            sum += s.score();
        }
        int start = group.get(0).start();
        int end = group.get(group.size() - 1).end();
        out.add(
                new Entity(
                        type,
                        text.substring(start, end),
                        start,
                        end,
                        (float) (sum / group.size())));
    }

    private float[] probabilities(Encoded encoded) {
        try (InputTensors inputs = InputTensors.of(tokenizer.pad(List.of(encoded)));
                Result r =
                        inputs.feed(loaded.session().runner(), loaded.backbone().inputs())
                                .fetch(loaded.heads().probabilities)
                                .run()) {
            return Tensors.floats((TFloat32) r.get(0));
        }
    }

    private static int argMax(float[] v, int offset, int n) {
        int best = 0;
        for (int k = 1; k < n; k++) {
            if (v[offset + k] > v[offset + best]) {
                best = k;
            }
        }
        return best;
    }

    @Override
    public void close() {
        loaded.close();
        tokenizer.close();
    }
}
