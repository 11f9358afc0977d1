package dev.hubtune.spark;

import dev.hubtune.models.apps.Embedder;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReadable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.types.StructField;

/**
 * Embeds a text column with a sentence-embedding model as {@link Embedder} does (its pooling, unit
 * length when the model normalises): adds one ML vector per row.
 *
 * <pre>{@code
 * Dataset<Row> out = new HubtuneEmbedder().setModel("/models/all-minilm-l6-v2").transform(docs);
 * }</pre>
 */
public final class HubtuneEmbedder extends HubtuneTransformer<Embedder, HubtuneEmbedder> {

    private static final long serialVersionUID = 1L;

    private final Param<String> outputCol;
    private final BooleanParam normalize;

    /** An embedder with a random uid. */
    public HubtuneEmbedder() {
        this(Identifiable.randomUID("hubtuneEmbedder"));
    }

    /** An embedder with {@code uid} (Spark's reflection and ML persistence use this). */
    public HubtuneEmbedder(String uid) {
        super(uid);
        outputCol = new Param<>(this, "outputCol", "the embedding column (a vector)");
        normalize =
                new BooleanParam(
                        this,
                        "normalize",
                        "scale vectors to unit length (unset: as the model's modules say)");
        setDefault(outputCol, "embedding");
    }

    /** Reads an embedder saved with {@code write().save(path)}. */
    public static MLReader<HubtuneEmbedder> read() {
        return new DefaultParamsReadable<HubtuneEmbedder>() {}.read();
    }

    /** The output column parameter. */
    public Param<String> outputCol() {
        return outputCol;
    }

    /** The normalize parameter. */
    public BooleanParam normalize() {
        return normalize;
    }

    /** The embedding column (default {@code embedding}). */
    public HubtuneEmbedder setOutputCol(String value) {
        set(outputCol, value);
        return this;
    }

    /** Scale vectors to unit length (default: as the model says). */
    public HubtuneEmbedder setNormalize(boolean value) {
        set(normalize, value);
        return this;
    }

    @Override
    String kind() {
        return "embedder";
    }

    @Override
    String loadSettings() {
        return "maxLength="
                + getMaxLength()
                + ",batchSize="
                + getBatchSize()
                + ",normalize="
                + (isDefined(normalize) ? $(normalize) : "model");
    }

    @Override
    ExecutorModels.Loader<Embedder> loader() {
        int maxLength = getMaxLength();
        int batch = getBatchSize();
        Boolean norm = isDefined(normalize) ? (Boolean) $(normalize) : null;
        return dir -> {
            Embedder.Builder b = Embedder.builder().setModelDir(dir).optBatchSize(batch);
            if (maxLength > 0) {
                b.optMaxLength(maxLength);
            }
            if (norm != null) {
                b.optNormalize(norm);
            }
            return b.build();
        };
    }

    @Override
    BatchFunction<Embedder> batchFunction() {
        return (embedder, texts) -> {
            List<Object[]> out = new ArrayList<>(texts.size());
            for (float[] v : embedder.embed(texts)) {
                double[] d = new double[v.length];
                for (int k = 0; k < v.length; k++) {
                    d[k] = v[k];
                }
                out.add(new Object[] {Vectors.dense(d)});
            }
            return out;
        };
    }

    @Override
    List<StructField> outputFields() {
        return List.of(
                org.apache.spark.sql.types.DataTypes.createStructField(
                        $(outputCol), SQLDataTypes.VectorType(), true));
    }

    @Override
    public HubtuneEmbedder copy(ParamMap extra) {
        return defaultCopy(extra);
    }
}
