package dev.hubtune.finetune;

import dev.hubtune.models.ModelException;
import dev.hubtune.models.apps.ModelLengths;
import dev.hubtune.models.export.ExportMetadata;
import dev.hubtune.models.export.HfExport;
import dev.hubtune.models.family.Backbone;
import dev.hubtune.models.family.InputTensors;
import dev.hubtune.models.family.ModelFamilies;
import dev.hubtune.models.family.ModelTask;
import dev.hubtune.models.family.PretrainedModel;
import dev.hubtune.models.heads.TokenClassificationHead;
import dev.hubtune.models.nn.BuildContext;
import dev.hubtune.models.nn.ParameterStore;
import dev.hubtune.models.runtime.Tensors;
import dev.hubtune.models.weights.WeightTensor;
import dev.hubtune.tokenizers.Batch;
import dev.hubtune.tokenizers.TextTokenizer;
import dev.hubtune.tokenizers.TokenizerException;
import dev.hubtune.tokenizers.data.LabelVocabulary;
import dev.hubtune.tokenizers.data.TaggedSentence;
import dev.hubtune.tokenizers.data.TaggedSentenceReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Token classification (named entities, part-of-speech, chunks) on any encoder family: tagged
 * sentences from CoNLL or JSONL ({@link TaggedSentenceReader}), the family's {@code
 * *ForTokenClassification} head, labels on each word's first sub-token (the others ignored, as -100
 * in HF, or all labelled on request), overlapping windows for sentences longer than the model,
 * entity-level metrics with seqeval's semantics ({@link Seqeval}) on whole words, and export in HF
 * format with {@code id2label}.
 */
final class TokenClassificationTask
        implements TrainingTask<TokenClassificationTask.Item, TokenClassificationMetrics> {

    private static final Logger LOG = LoggerFactory.getLogger(TokenClassificationTask.class);
    private static final int EVAL_BATCH = 64;

    /** HF's ignore index: tokens whose loss does not count. */
    static final int IGNORE = -100;

    /** One training window: its tokens and a label id (or {@link #IGNORE}) per token. */
    record Item(WordAlignment.Window window, int[] labels) {}

    /** A validation sentence: its windows and the gold label id of every word. */
    private record Sentence(TaggedSentence sentence, List<Item> windows) {}

    /**
     * What only token classification needs.
     *
     * @param tokensField JSONL field of the words
     * @param tagsField JSONL field of the tags
     * @param textField JSONL field of character-offset texts
     * @param entitiesField JSONL field of character-offset entities
     * @param tagColumn CoNLL tag column, or -1 for the last
     * @param maxLength tokens per window
     * @param stride tokens shared by consecutive windows of a long sentence
     * @param labelAllTokens label every sub-token of a word, not only the first
     * @param mode seqeval's mode
     * @param scheme the strict mode's scheme, or null to detect it
     * @param freezeEncoder train only the head
     */
    record Options(
            String tokensField,
            String tagsField,
            String textField,
            String entitiesField,
            int tagColumn,
            int maxLength,
            int stride,
            boolean labelAllTokens,
            Seqeval.Mode mode,
            Seqeval.Scheme scheme,
            boolean freezeEncoder) {}

    private final TrainingSettings s;
    private final Options o;
    private final PretrainedModel model;
    private final TextTokenizer tokenizer;
    private final LabelVocabulary labels;
    private final List<Item> train;
    private final List<Sentence> validation;
    private final int outside;
    private Backbone backbone;
    private TokenClassificationHead head;
    private Set<String> headParameters;

    private TokenClassificationTask(
            TrainingSettings s,
            Options o,
            PretrainedModel model,
            TextTokenizer tokenizer,
            LabelVocabulary labels,
            List<Item> train,
            List<Sentence> validation) {
        this.s = s;
        this.o = o;
        this.model = model;
        this.tokenizer = tokenizer;
        this.labels = labels;
        this.train = train;
        this.validation = validation;
        this.outside = labels.labels().contains("O") ? labels.labels().indexOf("O") : 0;
    }

    /** Reads, checks, aligns and encodes the data. */
    static TokenClassificationTask prepare(TrainingSettings s, Options o)
            throws FinetuneException, ModelException, TokenizerException {
        PretrainedModel described = ModelFamilies.describe(s.modelDir());
        described.require(ModelTask.TOKEN_CLASSIFICATION);
        PretrainedModel model = described.withWeights();
        TextTokenizer tokenizer =
                TextTokenizer.builder()
                        .setModelDir(model.dir())
                        .optMaxLength(ModelLengths.clamp(o.maxLength(), model, true))
                        .build();
        try {
            HeldOut<TaggedSentence> split = HeldOut.split(s, f -> read(f, o), TaggedSentence::line);
            List<TaggedSentence> trainSentences = split.train();
            List<TaggedSentence> validationSentences = split.validation();
            if (trainSentences.isEmpty() || validationSentences.isEmpty()) {
                throw new FinetuneException(
                        trainSentences.isEmpty()
                                ? s.trainFile() + " gives no training sentences"
                                : "no validation sentences: give --validation FILE or a larger"
                                        + " training file");
            }
            TreeSet<String> seen = new TreeSet<>();
            trainSentences.forEach(t -> seen.addAll(t.tags()));
            LabelVocabulary labels = LabelVocabulary.of(seen);
            if (labels.size() < 2) {
                throw new FinetuneException(
                        "the training data has a single tag ("
                                + labels.labels()
                                + "); token classification needs at least two");
            }
            checkScheme(trainSentences, o, s.trainFile());
            checkScheme(
                    validationSentences,
                    o,
                    s.validationFile() != null ? s.validationFile() : s.trainFile());
            int stride = Math.min(o.stride(), tokenizer.maxLength() / 2 - 1);
            if (stride != o.stride()) {
                LOG.info(
                        "stride {} lowered to {} for windows of {} tokens",
                        o.stride(),
                        stride,
                        tokenizer.maxLength());
            }
            int[] continuation = continuationLabels(labels);
            List<Item> train = new ArrayList<>();
            for (TaggedSentence t : trainSentences) {
                train.addAll(items(tokenizer, t, labels, stride, o.labelAllTokens(), continuation));
            }
            List<Sentence> validation = new ArrayList<>();
            int windowsOfLong = 0;
            for (TaggedSentence t : validationSentences) {
                List<Item> windows =
                        HeldOut.onValidation(
                                s, () -> items(tokenizer, t, labels, stride, false, continuation));
                windowsOfLong += windows.size() > 1 ? windows.size() : 0;
                validation.add(new Sentence(t, windows));
            }
            LOG.info(
                    "{} training windows from {} sentences, {} validation sentences ({} windows"
                            + " of long ones), {} tags {}",
                    train.size(),
                    trainSentences.size(),
                    validation.size(),
                    windowsOfLong,
                    labels.size(),
                    labels.labels());
            return new TokenClassificationTask(s, o, model, tokenizer, labels, train, validation);
        } catch (FinetuneException | TokenizerException | RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    private static List<TaggedSentence> read(Path file, Options o) throws TokenizerException {
        TaggedSentenceReader.Builder b =
                TaggedSentenceReader.builder()
                        .setFile(file)
                        .optTokensField(o.tokensField())
                        .optTagsField(o.tagsField())
                        .optTextField(o.textField())
                        .optEntitiesField(o.entitiesField());
        if (o.tagColumn() > 0) {
            b.optTagColumn(o.tagColumn());
        }
        return b.build().readAll();
    }

    /** In strict mode, the gold tags must be of the scheme: say so before training, not after. */
    private static void checkScheme(List<TaggedSentence> sentences, Options o, Path file)
            throws FinetuneException {
        if (o.mode() != Seqeval.Mode.STRICT) {
            return;
        }
        List<List<String>> tags = sentences.stream().map(TaggedSentence::tags).toList();
        try {
            Seqeval.strictEntities(tags, o.scheme() != null ? o.scheme() : Seqeval.detect(tags));
        } catch (IllegalArgumentException e) {
            throw new FinetuneException(
                    file
                            + ": "
                            + e.getMessage()
                            + "; pass the scheme the data uses (--tag-scheme) or drop --strict");
        }
    }

    /**
     * What a word's later sub-tokens are labelled when all are: its {@code I-} tag for a {@code B-}
     * tag (as HF's {@code label_all_tokens}), else its own.
     */
    private static int[] continuationLabels(LabelVocabulary labels) {
        int[] out = new int[labels.size()];
        for (int i = 0; i < out.length; i++) {
            String l = labels.label(i);
            String inside = l.startsWith("B-") ? "I-" + l.substring(2) : l;
            out[i] = labels.labels().contains(inside) ? labels.labels().indexOf(inside) : i;
        }
        return out;
    }

    private static List<Item> items(
            TextTokenizer tokenizer,
            TaggedSentence t,
            LabelVocabulary labels,
            int stride,
            boolean labelAll,
            int[] continuation)
            throws TokenizerException {
        int[] gold = new int[t.size()];
        for (int w = 0; w < gold.length; w++) {
            gold[w] = labels.id(t.tags().get(w), t.line());
        }
        List<Item> out = new ArrayList<>();
        for (WordAlignment.Window win : WordAlignment.windows(tokenizer, t, stride)) {
            int[] y = new int[win.words().length];
            for (int k = 0; k < y.length; k++) {
                int w = win.words()[k];
                y[k] =
                        w < 0
                                ? IGNORE
                                : win.first()[k]
                                        ? gold[w]
                                        : labelAll ? continuation[gold[w]] : IGNORE;
            }
            out.add(new Item(win, y));
        }
        return out;
    }

    @Override
    public List<Item> train() {
        return train;
    }

    @Override
    public int validationSize() {
        return validation.size();
    }

    @Override
    public int length(Item example) {
        return example.window().encoded().length();
    }

    @Override
    public Model build(BuildContext context) {
        backbone = model.family().build(context, model.config());
        ParameterStore parameters = context.parameters();
        Set<String> encoder = new TreeSet<>(parameters.parameters().keySet());
        head = TokenClassificationHead.build(backbone, labels.size());
        headParameters = new TreeSet<>(parameters.parameters().keySet());
        headParameters.removeAll(encoder);
        if (o.freezeEncoder()) {
            parameters.freeze(encoder::contains);
        }
        // The loss is a mean over the labelled tokens: towers weigh theirs by their token count.
        return new Model(
                head.loss.mean(),
                parameters,
                context.dropoutControl(),
                headParameters,
                head.loss.count(),
                true);
    }

    @Override
    public Map<String, WeightTensor> initialWeights() throws FinetuneException {
        return HeadWeights.initial(
                backbone.context().parameters(),
                model.weights(),
                headParameters,
                s.seed(),
                s.modelDir());
    }

    @Override
    public Feed feed(List<Item> batch) {
        Batch padded = pad(batch);
        InputTensors inputs = InputTensors.of(padded);
        TInt32 y = labelTensor(batch, padded.length());
        long tokens = batch.stream().mapToLong(i -> i.window().encoded().length()).sum();
        return new Feed(
                batch.size(),
                tokens,
                runner -> inputs.feed(runner, backbone.inputs()).feed(head.labels, y),
                inputs,
                y);
    }

    private static TInt32 labelTensor(List<Item> batch, int length) {
        int[] y = new int[batch.size() * length];
        java.util.Arrays.fill(y, IGNORE);
        for (int b = 0; b < batch.size(); b++) {
            int[] labels = batch.get(b).labels();
            System.arraycopy(labels, 0, y, b * length, labels.length);
        }
        return TInt32.tensorOf(Shape.of(batch.size(), length), DataBuffers.of(y));
    }

    @Override
    public TokenClassificationMetrics evaluate(Session session) {
        List<Item> windows = new ArrayList<>();
        validation.forEach(v -> windows.addAll(v.windows()));
        List<int[]> predicted = new ArrayList<>(windows.size());
        double lossSum = 0;
        double counted = 0;
        int classes = labels.size();
        for (int start = 0; start < windows.size(); start += EVAL_BATCH) {
            List<Item> chunk = windows.subList(start, Math.min(windows.size(), start + EVAL_BATCH));
            Batch padded = pad(chunk);
            int length = padded.length();
            try (InputTensors inputs = InputTensors.of(padded);
                    TInt32 y = labelTensor(chunk, length);
                    Result r =
                            inputs.feed(session.runner(), backbone.inputs())
                                    .feed(head.labels, y)
                                    .fetch(head.logits)
                                    .fetch(head.loss.sum())
                                    .fetch(head.loss.count())
                                    .run()) {
                float[] logits = Tensors.floats((TFloat32) r.get(0));
                for (int b = 0; b < chunk.size(); b++) {
                    int n = chunk.get(b).labels().length;
                    int[] best = new int[n];
                    for (int t = 0; t < n; t++) {
                        int base = (b * length + t) * classes;
                        int arg = 0;
                        for (int c = 1; c < classes; c++) {
                            if (logits[base + c] > logits[base + arg]) {
                                arg = c;
                            }
                        }
                        best[t] = arg;
                    }
                    predicted.add(best);
                }
                lossSum += ((TFloat32) r.get(1)).getFloat();
                counted += ((TFloat32) r.get(2)).getFloat();
            }
        }
        List<List<String>> gold = new ArrayList<>();
        List<List<String>> guessed = new ArrayList<>();
        long words = 0;
        int at = 0;
        for (Sentence v : validation) {
            List<WordAlignment.Window> wins = v.windows().stream().map(Item::window).toList();
            int[] merged =
                    WordAlignment.merge(
                            wins,
                            predicted.subList(at, at + wins.size()),
                            v.sentence().size(),
                            outside);
            at += wins.size();
            List<String> tags = new ArrayList<>(merged.length);
            for (int id : merged) {
                tags.add(labels.label(id));
            }
            gold.add(v.sentence().tags());
            guessed.add(tags);
            words += merged.length;
        }
        Seqeval.Scores scores;
        try {
            scores = Seqeval.evaluate(gold, guessed, o.mode(), o.scheme());
        } catch (IllegalArgumentException e) {
            // validation tags outside the scheme; checked for training data at prepare
            throw new IllegalStateException("validation tags: " + e.getMessage(), e);
        }
        return TokenClassificationMetrics.of(scores, lossSum / Math.max(1, counted), words);
    }

    private Batch pad(List<Item> items) {
        return tokenizer.pad(items.stream().map(i -> i.window().encoded()).toList());
    }

    @Override
    public Class<TokenClassificationMetrics> metricsType() {
        return TokenClassificationMetrics.class;
    }

    @Override
    public String fingerprint() {
        long h = 1125899906842597L;
        for (Item i : train) {
            for (long id : i.window().encoded().ids()) {
                h = 31 * h + id;
            }
            for (int y : i.labels()) {
                h = 31 * h + y;
            }
        }
        return "token-classification/"
                + labels.labels()
                + "/"
                + o.maxLength()
                + "/"
                + o.stride()
                + "/"
                + o.labelAllTokens()
                + "/"
                + o.freezeEncoder()
                + "/"
                + train.size()
                + "/"
                + Long.toHexString(h);
    }

    @Override
    public Path export(Map<String, WeightTensor> weights, Path dir) throws ModelException {
        ExportMetadata meta =
                ExportMetadata.tokenClassifier(labels.labels())
                        .withData(
                                new ExportMetadata.DataColumns(
                                        o.tokensField(),
                                        null,
                                        o.tagsField(),
                                        tokenizer.maxLength()));
        return HfExport.write(model.family(), model.config(), weights, meta, model.dir(), dir);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
