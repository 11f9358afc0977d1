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

    /** Loads the token classifier in {@code dir}, with windows of the model's longest input. */
    public static TokenClassifier load(Path dir) throws ModelException, TokenizerException {
        return load(dir, 0);
    }

    /**
     * Loads the token classifier in {@code dir}; a text longer than {@code maxLength} tokens (0:
     * the model's longest input) is read in overlapping windows of that length.
     */
    public static TokenClassifier load(Path dir, int maxLength)
            throws ModelException, TokenizerException {
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
                            .optMaxLength(
                                    maxLength > 0
                                            ? Math.min(maxLength, model.config().maxPositions())
                                            : model.config().maxPositions())
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
        List<TokenLabel> out = new ArrayList<>();
        for (Token t : tokens(text)) {
            int best = argMax(t.probabilities(), 0, t.probabilities().length);
            out.add(
                    new TokenLabel(
                            t.piece(),
                            t.start(),
                            t.end(),
                            labels.get(best),
                            t.probabilities()[best]));
        }
        return out;
    }

    /** One token of a text (no special tokens) and its label probabilities. */
    private record Token(long id, String piece, int start, int end, float[] probabilities) {}

    /**
     * The tokens of {@code text} with their probabilities. A text longer than the model's length is
     * read in overlapping windows (a quarter of the length shared), and each token takes its
     * probabilities from the window where it has the most context on both sides (the rule training
     * evaluates long sentences by), so nothing past the first window is lost.
     */
    private List<Token> tokens(String text) throws TokenizerException {
        Encoded whole = tokenizer.encode(text);
        boolean truncated = whole.length() >= tokenizer.maxLength() && !reachesEnd(whole, text);
        List<Encoded> windows =
                truncated
                        ? tokenizer.encodeWindows(text, tokenizer.maxLength() / 4)
                        : List.of(whole);
        float[] flat;
        int length;
        try (InputTensors inputs = InputTensors.of(tokenizer.pad(windows));
                Result r =
                        inputs.feed(loaded.session().runner(), loaded.backbone().inputs())
                                .fetch(loaded.heads().probabilities)
                                .run()) {
            flat = Tensors.floats((TFloat32) r.get(0));
            length = (int) ((TFloat32) r.get(0)).shape().get(1);
        }
        int c = labels.size();
        // by (start, end): the same token seen in several windows
        java.util.TreeMap<Long, Token> byOffset = new java.util.TreeMap<>();
        Map<Long, Integer> context = new java.util.HashMap<>();
        for (int w = 0; w < windows.size(); w++) {
            Encoded e = windows.get(w);
            int first = -1;
            int last = -1;
            for (int t = 0; t < e.length(); t++) {
                if (e.specialTokensMask()[t] == 0) {
                    first = first < 0 ? t : first;
                    last = t;
                }
            }
            for (int t = 0; t < e.length(); t++) {
                if (e.specialTokensMask()[t] != 0) {
                    continue;
                }
                // one window: every token as it is, even two with one span (bytes of a character)
                long key =
                        windows.size() == 1
                                ? t
                                : ((long) e.charStarts()[t] << 32)
                                        | (e.charEnds()[t] & 0xffffffffL);
                int ctx = Math.min(t - first, last - t);
                if (context.getOrDefault(key, -1) < ctx) {
                    context.put(key, ctx);
                    int base = (w * length + t) * c;
                    byOffset.put(
                            key,
                            new Token(
                                    e.ids()[t],
                                    e.tokens()[t],
                                    e.charStarts()[t],
                                    e.charEnds()[t],
                                    java.util.Arrays.copyOfRange(flat, base, base + c)));
                }
            }
        }
        return new ArrayList<>(byOffset.values());
    }

    /** Whether the encoding's last token reaches the text's last non-blank character. */
    private static boolean reachesEnd(Encoded e, String text) {
        int end = text.stripTrailing().length();
        for (int t = e.length() - 1; t >= 0; t--) {
            if (e.specialTokensMask()[t] == 0) {
                return e.charEnds()[t] >= end;
            }
        }
        return end == 0;
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
     * aggregation_strategy=...)} does (outside, {@code O}, is left out). A text longer than the
     * model is read in overlapping windows (see {@link #predict}).
     */
    public List<Entity> entities(String text, Aggregation aggregation) throws TokenizerException {
        // gather_pre_entities: which tokens continue a word. With a word-aware vocabulary (a
        // continuing-subword prefix, WordPiece's ##) a piece whose string is longer than its span
        // is a continuation; otherwise the pipeline's heuristic: no space just before it.
        boolean wordAware = tokenizer.continuingSubwordPrefix().isPresent();
        int unk = tokenizer.unknownId().orElse(-1);
        List<float[]> tokenScores = new ArrayList<>();
        List<int[]> spans = new ArrayList<>();
        List<Boolean> subword = new ArrayList<>();
        for (Token token : tokens(text)) {
            int start = token.start();
            int end = token.end();
            float[] p = token.probabilities();
            boolean isSubword;
            if (token.id() == unk) {
                isSubword = false;
            } else if (wordAware) {
                String piece = token.piece();
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
