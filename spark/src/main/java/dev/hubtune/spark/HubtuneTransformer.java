package dev.hubtune.spark;

import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.CollectionAccumulator;

/**
 * What the hubtune transformers share: the model (a directory every executor can read, or a hub
 * reference), the text column, the batch size and the maximum length; and the execution: each
 * partition's rows go through the executor's one copy of the model ({@link ExecutorModels}) {@link
 * #getBatchSize()} at a time, and come out with the input columns followed by the outputs. Rows
 * whose text is null get null outputs. The task threads of one executor call the shared classifier
 * or embedder concurrently: a TensorFlow session's run and the tokenizers' encoding are safe for
 * that (the generator serialises its calls).
 *
 * @param <M> the loaded model (a hubtune app such as {@code TextClassifier})
 * @param <S> the concrete transformer, for the setters' return type
 */
public abstract class HubtuneTransformer<M, S extends HubtuneTransformer<M, S>> extends Transformer
        implements DefaultParamsWritable {

    private static final long serialVersionUID = 1L;

    /** Rows per forward pass unless set. */
    public static final int DEFAULT_BATCH_SIZE = 32;

    private final String uid;
    private final Param<String> model;
    private final Param<String> hubCacheDir;
    private final Param<String> hubtuneHome;
    private final Param<String> inputCol;
    private final IntParam batchSize;
    private final IntParam maxLength;
    private transient CollectionAccumulator<String> loads;

    /** Makes one output row's new values from the model's result for one text. */
    @FunctionalInterface
    interface BatchFunction<M> extends Serializable {
        /** One array of output values per text, in order. */
        List<Object[]> apply(M model, List<String> texts) throws Exception;
    }

    HubtuneTransformer(String uid) {
        this.uid = uid;
        model =
                new Param<>(
                        this,
                        "model",
                        "the model: a directory readable on every executor (an export of hubtune"
                                + " finetune, its run directory, or a transformers checkpoint), or"
                                + " a hub reference (hf:org/name, a manifest id, maven:g:a:v, …)"
                                + " pulled into hubCacheDir on each executor");
        hubCacheDir =
                new Param<>(
                        this,
                        "hubCacheDir",
                        "the hub cache on the executors for a hub reference (empty: the hub's"
                                + " default, HUBTUNE_HUB_CACHE or <home>/hub)");
        hubtuneHome =
                new Param<>(
                        this,
                        "hubtuneHome",
                        "the hubtune home on the executors, where the TensorFlow natives are"
                                + " extracted once (empty: the executor's -Dhubtune.home,"
                                + " HUBTUNE_HOME or ~/.cache/hubtune)");
        inputCol = new Param<>(this, "inputCol", "the text column (strings)");
        batchSize =
                new IntParam(this, "batchSize", "rows per forward pass", ParamValidators.gtEq(1));
        maxLength =
                new IntParam(
                        this,
                        "maxLength",
                        "tokens per text (0: as the model was trained, else its own default)",
                        ParamValidators.gtEq(0));
        setDefault(hubCacheDir, "");
        setDefault(hubtuneHome, "");
        setDefault(inputCol, "text");
        setDefault(batchSize, DEFAULT_BATCH_SIZE);
        setDefault(maxLength, 0);
    }

    @SuppressWarnings("unchecked")
    private S self() {
        return (S) this;
    }

    @Override
    public String uid() {
        return uid;
    }

    /** The model parameter. */
    public Param<String> model() {
        return model;
    }

    /** The hub cache parameter. */
    public Param<String> hubCacheDir() {
        return hubCacheDir;
    }

    /** The hubtune home parameter. */
    public Param<String> hubtuneHome() {
        return hubtuneHome;
    }

    /** The input column parameter. */
    public Param<String> inputCol() {
        return inputCol;
    }

    /** The batch size parameter. */
    public IntParam batchSize() {
        return batchSize;
    }

    /** The max length parameter. */
    public IntParam maxLength() {
        return maxLength;
    }

    /** The model directory or hub reference (required). */
    public S setModel(String value) {
        set(model, value);
        return self();
    }

    /** The hub cache on the executors (for a hub reference). */
    public S setHubCacheDir(String value) {
        set(hubCacheDir, value);
        return self();
    }

    /** The hubtune home on the executors. */
    public S setHubtuneHome(String value) {
        set(hubtuneHome, value);
        return self();
    }

    /** The text column (default {@code text}). */
    public S setInputCol(String value) {
        set(inputCol, value);
        return self();
    }

    /** Rows per forward pass (default {@value #DEFAULT_BATCH_SIZE}). */
    public S setBatchSize(int value) {
        set(batchSize, value);
        return self();
    }

    /** Tokens per text (default 0: as the model was trained). */
    public S setMaxLength(int value) {
        set(maxLength, value);
        return self();
    }

    /** The model directory or hub reference. */
    public String getModel() {
        return $(model);
    }

    /** The text column. */
    public String getInputCol() {
        return $(inputCol);
    }

    /** Rows per forward pass. */
    public int getBatchSize() {
        return (Integer) $(batchSize);
    }

    /** Tokens per text (0: as the model was trained). */
    public int getMaxLength() {
        return (Integer) $(maxLength);
    }

    /**
     * The accumulator the last {@link #transform} registered (also shown in the Spark UI): once an
     * action has run, one entry {@code "<executor id> pid <pid>"} per JVM that loaded the model for
     * it; executors that already held the model add nothing.
     */
    public Optional<CollectionAccumulator<String>> loads() {
        return Optional.ofNullable(loads);
    }

    /** The task kind, for messages and the cache key. */
    abstract String kind();

    /** The settings that change what is loaded, as text (part of the cache key). */
    abstract String loadSettings();

    /** Loads the model from its resolved directory (runs on the executors). */
    abstract ExecutorModels.Loader<M> loader();

    /** Computes the new columns of a batch (runs on the executors). */
    abstract BatchFunction<M> batchFunction();

    /** The new columns. */
    abstract List<StructField> outputFields();

    @Override
    public StructType transformSchema(StructType schema) {
        if (!isDefined(model)) {
            throw new IllegalArgumentException(
                    getClass().getSimpleName()
                            + ": set the model (setModel: a directory every executor can read, or"
                            + " a hub reference)");
        }
        String text = getInputCol();
        if (!Arrays.asList(schema.fieldNames()).contains(text)) {
            throw new IllegalArgumentException(
                    getClass().getSimpleName()
                            + ": no input column '"
                            + text
                            + "' in "
                            + Arrays.toString(schema.fieldNames())
                            + "; set it with setInputCol");
        }
        if (!schema.apply(text).dataType().equals(DataTypes.StringType)) {
            throw new IllegalArgumentException(
                    getClass().getSimpleName()
                            + ": input column '"
                            + text
                            + "' is "
                            + schema.apply(text).dataType().simpleString()
                            + ", expected string");
        }
        StructType out = schema;
        for (StructField f : outputFields()) {
            if (Arrays.asList(out.fieldNames()).contains(f.name())) {
                throw new IllegalArgumentException(
                        getClass().getSimpleName()
                                + ": output column '"
                                + f.name()
                                + "' already exists; choose another name");
            }
            out = out.add(f);
        }
        return out;
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        int textIndex = dataset.schema().fieldIndex(getInputCol());
        int inputWidth = dataset.schema().size();
        int outputWidth = out.size() - inputWidth;
        int batch = getBatchSize();
        ExecutorModels.Key key =
                new ExecutorModels.Key(
                        kind(), getModel(), $(hubCacheDir), $(hubtuneHome), loadSettings());
        ExecutorModels.Loader<M> loader = loader();
        BatchFunction<M> function = batchFunction();
        CollectionAccumulator<String> acc =
                dataset.sparkSession()
                        .sparkContext()
                        .collectionAccumulator("hubtune " + kind() + " loads (" + uid + ")");
        loads = acc;
        // Only serialisable values travel to the executors (not this transformer).
        MapPartitionsFunction<Row, Row> partition =
                rows ->
                        new Batches<>(
                                rows,
                                batch,
                                textIndex,
                                inputWidth,
                                outputWidth,
                                () -> ExecutorModels.get(key, loader, acc),
                                function);
        return dataset.toDF().mapPartitions(partition, Encoders.row(out));
    }

    /** The executor's model, asked for on a partition's first non-empty batch. */
    @FunctionalInterface
    interface ModelSupplier<M> extends Serializable {
        M get();
    }

    /** A partition's rows, read and answered a batch at a time. */
    private static final class Batches<M> implements Iterator<Row> {
        private final Iterator<Row> in;
        private final int batch;
        private final int textIndex;
        private final int inputWidth;
        private final int outputWidth;
        private final ModelSupplier<M> model;
        private final BatchFunction<M> function;
        private final ArrayDeque<Row> ready = new ArrayDeque<>();

        Batches(
                Iterator<Row> in,
                int batch,
                int textIndex,
                int inputWidth,
                int outputWidth,
                ModelSupplier<M> model,
                BatchFunction<M> function) {
            this.in = in;
            this.batch = batch;
            this.textIndex = textIndex;
            this.inputWidth = inputWidth;
            this.outputWidth = outputWidth;
            this.model = model;
            this.function = function;
        }

        @Override
        public boolean hasNext() {
            if (ready.isEmpty() && in.hasNext()) {
                next(batch);
            }
            return !ready.isEmpty();
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new java.util.NoSuchElementException();
            }
            return ready.poll();
        }

        private void next(int n) {
            List<Row> rows = new ArrayList<>(n);
            List<String> texts = new ArrayList<>(n);
            while (rows.size() < n && in.hasNext()) {
                Row r = in.next();
                rows.add(r);
                if (!r.isNullAt(textIndex)) {
                    texts.add(r.getString(textIndex));
                }
            }
            List<Object[]> results;
            try {
                // The model is asked for on the first non-empty batch: empty partitions load
                // nothing.
                results = texts.isEmpty() ? List.of() : function.apply(model.get(), texts);
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(
                        "hubtune failed on a batch of " + texts.size() + " rows: " + e.getMessage(),
                        e);
            }
            int k = 0;
            for (Row r : rows) {
                Object[] values = new Object[inputWidth + outputWidth];
                for (int i = 0; i < inputWidth; i++) {
                    values[i] = r.get(i);
                }
                if (!r.isNullAt(textIndex)) {
                    System.arraycopy(results.get(k++), 0, values, inputWidth, outputWidth);
                }
                ready.add(RowFactory.create(values));
            }
        }
    }
}
