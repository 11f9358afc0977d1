package dev.hubtune.finetune;

import dev.hubtune.models.ModelException;
import dev.hubtune.models.apps.SentenceEmbeddingConfig;
import dev.hubtune.models.export.ExportMetadata;
import dev.hubtune.models.export.HfExport;
import dev.hubtune.models.family.Backbone;
import dev.hubtune.models.family.InputTensors;
import dev.hubtune.models.family.ModelTask;
import dev.hubtune.models.family.Pooling;
import dev.hubtune.models.nn.BuildContext;
import dev.hubtune.models.runtime.Tensors;
import dev.hubtune.models.weights.WeightTensor;
import dev.hubtune.tokenizers.Encoded;
import dev.hubtune.tokenizers.TokenizerException;
import dev.hubtune.tokenizers.data.Example;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.ReduceSum;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Sentence-embedding fine-tuning (the retrieval model of semantic search and RAG) on any encoder
 * family, as sentence-transformers trains one: (anchor, positive) pairs or (anchor, positive,
 * negative) triplets with the multiple-negatives ranking loss — each anchor must pick its own
 * positive among every positive and negative of the batch, on cosine similarities times a scale
 * (20), optionally also each positive its anchor (symmetric) — or scored pairs with the cosine
 * similarity loss (squared error of cosine and score). Evaluation ranks every document of the data
 * for the validation queries (recall@k, MRR@10, nDCG@10) or correlates cosine with the validation
 * scores (Spearman). The export is a sentence-transformers directory.
 */
final class EmbeddingTask implements TrainingTask<EmbeddingTask.Item, EmbeddingMetrics> {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddingTask.class);
    private static final int EVAL_BATCH = 64;

    /** Added to the similarity of an in-batch "negative" that is really another right answer. */
    private static final float MASKED = -1e9f;

    /** The losses. */
    enum Loss {
        /** In-batch negatives, anchor → candidates. */
        MULTIPLE_NEGATIVES_RANKING,
        /** The same plus positive → anchors, averaged. */
        MULTIPLE_NEGATIVES_SYMMETRIC,
        /** Squared error of cosine similarity and score. */
        COSINE_SIMILARITY
    }

    /**
     * One training example.
     *
     * @param anchor the query (or first text)
     * @param positive its relevant document (or second text)
     * @param negative an irrelevant document, or null
     * @param score the pair's similarity (scored pairs), else 0
     * @param texts anchor, positive and negative texts, to spot duplicates in a batch
     */
    record Item(Encoded anchor, Encoded positive, Encoded negative, float score, String[] texts) {}

    /**
     * What only embedding training needs.
     *
     * @param anchorColumn the anchor (query) column
     * @param positiveColumn the positive (document) column
     * @param negativeColumn the negative column, or null
     * @param scoreColumn the score column of scored pairs, or null
     * @param maxLength tokens per text
     * @param scale the similarity scale of the ranking loss
     * @param symmetric also rank anchors for each positive
     * @param pooling the pooling, or null for the model's own (sentence-transformers files)
     * @param retrieval a separate retrieval set (BEIR layout) to evaluate on, or null to rank the
     *     data's own documents for the validation queries
     */
    record Options(
            String anchorColumn,
            String positiveColumn,
            String negativeColumn,
            String scoreColumn,
            int maxLength,
            double scale,
            boolean symmetric,
            Pooling pooling,
            RetrievalBenchmark retrieval) {}

    private final TrainingSettings s;
    private final Options o;
    private final TextData data;
    private final Loss loss;
    private final Pooling pooling;
    private final boolean normalize;
    private final List<Item> train;
    private final List<Item> validation;
    // Retrieval evaluation, by id (the text itself when the queries are the validation anchors).
    private final List<String> documents;
    private final Map<String, Encoded> encodedDocuments;
    private final Map<String, Set<String>> retrievalQueries;
    private final Map<String, Encoded> encodedQueries;
    private Backbone backbone;
    private Operand<TFloat32> embeddings;
    private Operand<TFloat32> modelLoss;
    private Placeholder<TInt32> anchorRows;
    private Placeholder<TInt32> candidateRows;
    private Placeholder<TInt32> positiveRows;
    private Placeholder<TFloat32> candidateBias;
    private Placeholder<TFloat32> anchorBias;
    private Placeholder<TFloat32> forwardTargets;
    private Placeholder<TFloat32> backwardTargets;
    private Placeholder<TFloat32> scores;

    private EmbeddingTask(
            TrainingSettings s,
            Options o,
            TextData data,
            Loss loss,
            SentenceEmbeddingConfig st,
            List<Item> train,
            List<Item> validation,
            List<String> documents,
            Map<String, Encoded> encodedDocuments,
            Map<String, Set<String>> retrievalQueries,
            Map<String, Encoded> encodedQueries) {
        this.s = s;
        this.o = o;
        this.data = data;
        this.loss = loss;
        this.pooling = o.pooling() != null ? o.pooling() : st.pooling();
        // sentence-transformers' own files decide; a plain encoder gets its default (normalised)
        this.normalize = st.normalize() || !st.fromFiles();
        this.train = train;
        this.validation = validation;
        this.documents = documents;
        this.encodedDocuments = encodedDocuments;
        this.retrievalQueries = retrievalQueries;
        this.encodedQueries = encodedQueries;
        LOG.info(
                "sentence embeddings: {} pooling{}, {} loss",
                pooling.configName(),
                normalize ? ", normalised" : "",
                loss.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '));
    }

    static EmbeddingTask prepare(TrainingSettings s, Options o)
            throws FinetuneException, ModelException, TokenizerException {
        if (o.negativeColumn() != null && o.scoreColumn() != null) {
            throw new FinetuneException(
                    "give a negative column (triplets) or a score column (scored pairs), not both");
        }
        String third = o.negativeColumn() != null ? o.negativeColumn() : o.scoreColumn();
        TextData data =
                TextData.read(
                        s,
                        ModelTask.EMBEDDING,
                        o.maxLength(),
                        o.anchorColumn(),
                        o.positiveColumn(),
                        third);
        try {
            SentenceEmbeddingConfig st = SentenceEmbeddingConfig.read(s.modelDir());
            if (o.pooling() == Pooling.POOLER) {
                throw new FinetuneException(
                        "sentence embeddings pool by mean or CLS (as sentence-transformers does);"
                                + " use --pooling mean or cls");
            }
            Loss loss =
                    o.scoreColumn() != null
                            ? Loss.COSINE_SIMILARITY
                            : o.symmetric()
                                    ? Loss.MULTIPLE_NEGATIVES_SYMMETRIC
                                    : Loss.MULTIPLE_NEGATIVES_RANKING;
            if (o.symmetric() && o.negativeColumn() != null) {
                throw new FinetuneException(
                        "the symmetric ranking loss takes (anchor, positive) pairs; drop the"
                                + " negative column or the symmetric option");
            }
            List<Item> train = items(data, data.train(), o, s.trainFile());
            List<Item> validation =
                    items(
                            data,
                            data.validation(),
                            o,
                            s.validationFile() != null ? s.validationFile() : s.trainFile());
            if (o.retrieval() != null && loss == Loss.COSINE_SIMILARITY) {
                throw new FinetuneException(
                        "a retrieval set evaluates ranking; scored pairs are evaluated by the"
                                + " Spearman correlation of cosine and score — drop the retrieval"
                                + " files or the score column");
            }
            // The corpus the validation queries search: every document of the data, or the
            // retrieval set's corpus.
            Map<String, Encoded> docs = new LinkedHashMap<>();
            Map<String, Set<String>> queries = new LinkedHashMap<>();
            Map<String, Encoded> queryEncodings = new LinkedHashMap<>();
            if (o.retrieval() != null) {
                for (var d : o.retrieval().corpus().entrySet()) {
                    docs.put(d.getKey(), data.tokenizer().encode(d.getValue()));
                }
                for (var q : o.retrieval().queries().entrySet()) {
                    queryEncodings.put(q.getKey(), data.tokenizer().encode(q.getValue()));
                    queries.put(q.getKey(), o.retrieval().relevant().get(q.getKey()));
                }
            } else if (loss != Loss.COSINE_SIMILARITY) {
                for (Item i : validation) {
                    queries.computeIfAbsent(i.texts()[0], k -> new HashSet<>()).add(i.texts()[1]);
                    queryEncodings.putIfAbsent(i.texts()[0], i.anchor());
                }
                for (List<Item> set : List.of(train, validation)) {
                    for (Item i : set) {
                        docs.putIfAbsent(i.texts()[1], i.positive());
                        if (i.negative() != null) {
                            docs.putIfAbsent(i.texts()[2], i.negative());
                        }
                    }
                }
            }
            LOG.info(
                    "{} training and {} validation examples{}",
                    train.size(),
                    validation.size(),
                    docs.isEmpty()
                            ? ""
                            : ", "
                                    + queries.size()
                                    + " queries against "
                                    + docs.size()
                                    + " documents"
                                    + (o.retrieval() != null ? " (the retrieval set)" : ""));
            return new EmbeddingTask(
                    s,
                    o,
                    data,
                    loss,
                    st,
                    train,
                    validation,
                    new ArrayList<>(docs.keySet()),
                    docs,
                    queries,
                    queryEncodings);
        } catch (FinetuneException | TokenizerException | RuntimeException e) {
            data.close();
            throw e;
        }
    }

    private static List<Item> items(TextData data, List<Example> examples, Options o, Path file)
            throws TokenizerException, FinetuneException {
        List<Item> out = new ArrayList<>(examples.size());
        for (Example e : examples) {
            String positive = e.pair().orElseThrow();
            Encoded a = data.tokenizer().encode(e.text());
            Encoded p = data.tokenizer().encode(positive);
            Encoded n = null;
            String negative = null;
            float score = 0;
            if (o.negativeColumn() != null) {
                negative = e.label().orElse("");
                if (negative.isBlank()) {
                    throw new FinetuneException(
                            file
                                    + ": the record at line "
                                    + e.line()
                                    + " has an empty '"
                                    + o.negativeColumn()
                                    + "'; every triplet needs a negative");
                }
                n = data.tokenizer().encode(negative);
            } else if (o.scoreColumn() != null) {
                String v = e.label().orElse("");
                try {
                    score = Float.parseFloat(v);
                } catch (NumberFormatException bad) {
                    score = Float.NaN;
                }
                if (!Float.isFinite(score)) {
                    throw new FinetuneException(
                            file
                                    + ": the record at line "
                                    + e.line()
                                    + " has '"
                                    + v
                                    + "' in column '"
                                    + o.scoreColumn()
                                    + "'; scored pairs need a number (e.g. a similarity in [0, 1])");
                }
            }
            out.add(new Item(a, p, n, score, new String[] {e.text(), positive, negative}));
        }
        return out;
    }

    @Override
    public List<Item> train() {
        return train;
    }

    @Override
    public int validationSize() {
        return loss == Loss.COSINE_SIMILARITY ? validation.size() : retrievalQueries.size();
    }

    @Override
    public int length(Item i) {
        int n = Math.max(i.anchor().length(), i.positive().length());
        return i.negative() == null ? n : Math.max(n, i.negative().length());
    }

    @Override
    public Model build(BuildContext context) {
        Ops tf = context.ops();
        backbone = data.model().family().build(context, data.model().config());
        embeddings = unitLength(tf, backbone.pooled(pooling), "sentence_embedding");
        anchorRows = tf.placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
        candidateRows = tf.placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
        Operand<TFloat32> anchors = tf.gather(embeddings, anchorRows, tf.constant(0));
        Operand<TFloat32> candidates = tf.gather(embeddings, candidateRows, tf.constant(0));
        if (loss == Loss.COSINE_SIMILARITY) {
            scores = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1)));
            modelLoss = tf.withName("loss").identity(cosineLoss(tf, anchors, candidates, scores));
        } else {
            float scale = (float) o.scale();
            candidateBias = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1)));
            forwardTargets = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1)));
            Operand<TFloat32> forward =
                    rankingLoss(tf, anchors, candidates, candidateBias, forwardTargets, scale);
            if (loss == Loss.MULTIPLE_NEGATIVES_SYMMETRIC) {
                positiveRows = tf.placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
                anchorBias = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1)));
                backwardTargets =
                        tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1)));
                Operand<TFloat32> positives = tf.gather(embeddings, positiveRows, tf.constant(0));
                Operand<TFloat32> backward =
                        rankingLoss(tf, positives, anchors, anchorBias, backwardTargets, scale);
                modelLoss =
                        tf.withName("loss")
                                .math
                                .mul(tf.math.add(forward, backward), tf.constant(0.5f));
            } else {
                modelLoss = tf.withName("loss").identity(forward);
            }
        }
        // Rows of a batch index into one embedding matrix (and ranking losses compare every
        // anchor with every candidate of the batch), so a batch cannot be split across towers.
        return new Model(
                modelLoss,
                context.parameters(),
                context.dropoutControl(),
                java.util.Set.of(),
                null,
                false);
    }

    /**
     * {@code x} scaled to unit length along its last axis, as torch's {@code normalize} (x /
     * max(|x|, 1e-12)): cosine similarity is then a dot product.
     *
     * @param name the result's op name, or null
     */
    static Operand<TFloat32> unitLength(Ops tf, Operand<TFloat32> x, String name) {
        Operand<TFloat32> norm =
                tf.math.maximum(
                        tf.math.sqrt(
                                tf.reduceSum(
                                        tf.math.square(x),
                                        tf.constant(-1),
                                        ReduceSum.keepDims(true))),
                        tf.constant(1e-12f));
        return (name == null ? tf : tf.withName(name)).math.div(x, norm);
    }

    /**
     * sentence-transformers' {@code CosineSimilarityLoss}: the mean squared error of each pair's
     * cosine (rows of unit vectors) and its score.
     */
    static Operand<TFloat32> cosineLoss(
            Ops tf, Operand<TFloat32> a, Operand<TFloat32> b, Operand<TFloat32> scores) {
        Operand<TFloat32> cosine = tf.reduceSum(tf.math.mul(a, b), tf.constant(1));
        Operand<TFloat32> error = tf.math.sub(cosine, scores);
        return tf.math.mean(tf.math.mul(error, error), tf.constant(0));
    }

    /**
     * Mean cross-entropy of picking each row's target among {@code candidates} by {@code scale ·
     * cos}; {@code bias} removes other right answers from the softmax.
     */
    static Operand<TFloat32> rankingLoss(
            Ops tf,
            Operand<TFloat32> rows,
            Operand<TFloat32> candidates,
            Operand<TFloat32> bias,
            Operand<TFloat32> targets,
            float scale) {
        Operand<TFloat32> similarity =
                tf.linalg.matMul(
                        rows, candidates, org.tensorflow.op.linalg.MatMul.transposeB(true));
        Operand<TFloat32> logits = tf.math.add(tf.math.mul(similarity, tf.constant(scale)), bias);
        return tf.math.mean(
                tf.nn.softmaxCrossEntropyWithLogits(logits, targets).loss(), tf.constant(0));
    }

    @Override
    public Map<String, WeightTensor> initialWeights() throws FinetuneException {
        // no new parameters: an embedding model is its encoder
        return HeadWeights.initial(
                backbone.context().parameters(),
                data.model().weights(),
                Set.of(),
                s.seed(),
                s.modelDir());
    }

    @Override
    public Feed feed(List<Item> batch) {
        int b = batch.size();
        boolean triplets = batch.get(0).negative() != null;
        List<Encoded> sequences = new ArrayList<>();
        batch.forEach(i -> sequences.add(i.anchor()));
        batch.forEach(i -> sequences.add(i.positive()));
        if (triplets) {
            batch.forEach(i -> sequences.add(i.negative()));
        }
        InputTensors inputs = InputTensors.of(data.tokenizer().pad(sequences));
        int candidatesCount = triplets ? 2 * b : b;
        int[] anchorIdx = new int[b];
        int[] candidateIdx = new int[candidatesCount];
        for (int i = 0; i < b; i++) {
            anchorIdx[i] = i;
        }
        for (int j = 0; j < candidatesCount; j++) {
            candidateIdx[j] = b + j;
        }
        List<AutoCloseable> owned = new ArrayList<>();
        owned.add(inputs);
        TInt32 anchorsT = own(owned, TInt32.vectorOf(anchorIdx));
        TInt32 candidatesT = own(owned, TInt32.vectorOf(candidateIdx));
        long tokens = sequences.stream().mapToLong(Encoded::length).sum();
        if (loss == Loss.COSINE_SIMILARITY) {
            float[] y = new float[b];
            for (int i = 0; i < b; i++) {
                y[i] = batch.get(i).score();
            }
            TFloat32 scoresT = own(owned, TFloat32.vectorOf(y));
            return new Feed(
                    b,
                    tokens,
                    runner ->
                            inputs.feed(runner, backbone.inputs())
                                    .feed(anchorRows, anchorsT)
                                    .feed(candidateRows, candidatesT)
                                    .feed(scores, scoresT),
                    owned.toArray(new AutoCloseable[0]));
        }
        // Candidate j is "another right answer" for anchor i when it is the same text as i's
        // positive, or the positive of a copy of i's anchor (a FAQ answer asked several ways):
        // sentence-transformers avoids those batches; here they leave the softmax instead.
        float[] bias = new float[b * candidatesCount];
        float[] targets = new float[b * candidatesCount];
        for (int i = 0; i < b; i++) {
            String[] t = batch.get(i).texts();
            targets[i * candidatesCount + i] = 1f;
            for (int j = 0; j < candidatesCount; j++) {
                if (j == i) {
                    continue;
                }
                String[] other = batch.get(j % b).texts();
                String candidate = j < b ? other[1] : other[2];
                boolean same = candidate.equals(t[1]) || (j < b && other[0].equals(t[0]));
                bias[i * candidatesCount + j] = same ? MASKED : 0f;
            }
        }
        TFloat32 biasT =
                own(owned, TFloat32.tensorOf(Shape.of(b, candidatesCount), DataBuffers.of(bias)));
        TFloat32 targetsT =
                own(
                        owned,
                        TFloat32.tensorOf(Shape.of(b, candidatesCount), DataBuffers.of(targets)));
        if (loss == Loss.MULTIPLE_NEGATIVES_SYMMETRIC) {
            float[] back = new float[b * b];
            float[] identity = new float[b * b];
            int[] positiveIdx = new int[b];
            for (int i = 0; i < b; i++) {
                positiveIdx[i] = b + i;
                identity[i * b + i] = 1f;
                String[] t = batch.get(i).texts();
                for (int j = 0; j < b; j++) {
                    String[] other = batch.get(j).texts();
                    boolean same = j != i && (other[0].equals(t[0]) || other[1].equals(t[1]));
                    back[i * b + j] = same ? MASKED : 0f;
                }
            }
            TInt32 positivesT = own(owned, TInt32.vectorOf(positiveIdx));
            TFloat32 backT = own(owned, TFloat32.tensorOf(Shape.of(b, b), DataBuffers.of(back)));
            TFloat32 identityT =
                    own(owned, TFloat32.tensorOf(Shape.of(b, b), DataBuffers.of(identity)));
            return new Feed(
                    b,
                    tokens,
                    runner ->
                            inputs.feed(runner, backbone.inputs())
                                    .feed(anchorRows, anchorsT)
                                    .feed(candidateRows, candidatesT)
                                    .feed(candidateBias, biasT)
                                    .feed(forwardTargets, targetsT)
                                    .feed(positiveRows, positivesT)
                                    .feed(anchorBias, backT)
                                    .feed(backwardTargets, identityT),
                    owned.toArray(new AutoCloseable[0]));
        }
        return new Feed(
                b,
                tokens,
                runner ->
                        inputs.feed(runner, backbone.inputs())
                                .feed(anchorRows, anchorsT)
                                .feed(candidateRows, candidatesT)
                                .feed(candidateBias, biasT)
                                .feed(forwardTargets, targetsT),
                owned.toArray(new AutoCloseable[0]));
    }

    private static <T extends AutoCloseable> T own(List<AutoCloseable> owned, T t) {
        owned.add(t);
        return t;
    }

    @Override
    public EmbeddingMetrics evaluate(Session session) {
        // the loss, on the validation set in batches of the training batch size
        double lossSum = 0;
        int batches = 0;
        for (int start = 0; start < validation.size(); start += s.batchSize()) {
            List<Item> chunk =
                    validation.subList(start, Math.min(validation.size(), start + s.batchSize()));
            try (Feed f = feed(chunk);
                    Result r = f.into(session.runner()).fetch(modelLoss).run()) {
                lossSum += ((TFloat32) r.get(0)).getFloat() * chunk.size();
                batches += chunk.size();
            }
        }
        double meanLoss = lossSum / Math.max(1, batches);
        if (loss == Loss.COSINE_SIMILARITY) {
            double[] cosine = new double[validation.size()];
            double[] gold = new double[validation.size()];
            float[][] a = embed(session, validation.stream().map(Item::anchor).toList());
            float[][] p = embed(session, validation.stream().map(Item::positive).toList());
            for (int i = 0; i < cosine.length; i++) {
                double dot = 0;
                for (int k = 0; k < a[i].length; k++) {
                    dot += a[i][k] * p[i][k];
                }
                cosine[i] = dot;
                gold[i] = validation.get(i).score();
            }
            return EmbeddingMetrics.similarity(
                    meanLoss,
                    RegressionMetrics.pearson(
                            RegressionMetrics.ranks(cosine), RegressionMetrics.ranks(gold)),
                    RegressionMetrics.pearson(cosine, gold));
        }
        Map<String, Integer> docIndex = new LinkedHashMap<>();
        for (int d = 0; d < documents.size(); d++) {
            docIndex.put(documents.get(d), d);
        }
        List<Encoded> queryEncodings = new ArrayList<>();
        List<Set<Integer>> relevant = new ArrayList<>();
        for (var q : retrievalQueries.entrySet()) {
            queryEncodings.add(encodedQueries.get(q.getKey()));
            Set<Integer> rel = new HashSet<>();
            q.getValue().forEach(d -> rel.add(docIndex.get(d)));
            relevant.add(rel);
        }
        float[][] q = embed(session, queryEncodings);
        float[][] d = embed(session, documents.stream().map(encodedDocuments::get).toList());
        return EmbeddingMetrics.retrieval(
                meanLoss, InformationRetrieval.evaluate(q, d, relevant), q.length, d.length);
    }

    private float[][] embed(Session session, List<Encoded> texts) {
        List<float[]> out = new ArrayList<>();
        for (int start = 0; start < texts.size(); start += EVAL_BATCH) {
            List<Encoded> chunk = texts.subList(start, Math.min(texts.size(), start + EVAL_BATCH));
            try (InputTensors inputs = InputTensors.of(data.tokenizer().pad(chunk));
                    Result r =
                            inputs.feed(session.runner(), backbone.inputs())
                                    .fetch(embeddings)
                                    .run()) {
                float[] flat = Tensors.floats((TFloat32) r.get(0));
                int dim = flat.length / chunk.size();
                for (int i = 0; i < chunk.size(); i++) {
                    out.add(java.util.Arrays.copyOfRange(flat, i * dim, (i + 1) * dim));
                }
            }
        }
        return out.toArray(new float[0][]);
    }

    @Override
    public Class<EmbeddingMetrics> metricsType() {
        return EmbeddingMetrics.class;
    }

    @Override
    public String fingerprint() {
        long h = 1125899906842597L;
        for (Item i : train) {
            for (String t : i.texts()) {
                h = 31 * h + (t == null ? 0 : t.hashCode());
            }
            h = 31 * h + Float.floatToIntBits(i.score());
        }
        return "embedding/"
                + loss
                + "/"
                + pooling
                + "/"
                + o.scale()
                + "/"
                + o.maxLength()
                + "/"
                + train.size()
                + "/"
                + Long.toHexString(h);
    }

    @Override
    public Path export(Map<String, WeightTensor> weights, Path dir) throws ModelException {
        return HfExport.writeSentenceEmbedder(
                data.model().family(),
                data.model().config(),
                weights,
                pooling,
                normalize,
                data.tokenizer().maxLength(),
                java.util.Optional.of(
                        new ExportMetadata.DataColumns(
                                o.anchorColumn(),
                                o.positiveColumn(),
                                o.scoreColumn() != null ? o.scoreColumn() : o.negativeColumn(),
                                data.tokenizer().maxLength())),
                data.model().dir(),
                dir);
    }

    @Override
    public void close() {
        data.close();
    }
}
