package dev.hubtune.spark;

import dev.hubtune.models.apps.TextClassifier;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReadable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;

/**
 * Classifies a text column with a hubtune (or transformers {@code *ForSequenceClassification})
 * classifier: adds the predicted label (string), its score (probability; multi-label: the highest;
 * regression: the value) and every label's probability (an ML vector in label-id order), exactly
 * what {@link TextClassifier#predict} and {@code hubtune predict} give.
 *
 * <pre>{@code
 * Dataset<Row> out = new HubtuneClassifier()
 *         .setModel("/models/sentiment")   // readable on every executor
 *         .setInputCol("review")
 *         .transform(reviews);             // + prediction, score, probability
 * }</pre>
 */
public final class HubtuneClassifier extends HubtuneTransformer<TextClassifier, HubtuneClassifier> {

    private static final long serialVersionUID = 1L;

    private final Param<String> predictionCol;
    private final Param<String> scoreCol;
    private final Param<String> probabilityCol;

    /** A classifier with a random uid. */
    public HubtuneClassifier() {
        this(Identifiable.randomUID("hubtuneClassifier"));
    }

    /** A classifier with {@code uid} (Spark's reflection and ML persistence use this). */
    public HubtuneClassifier(String uid) {
        super(uid);
        predictionCol = new Param<>(this, "predictionCol", "the predicted label's column");
        scoreCol = new Param<>(this, "scoreCol", "the predicted label's probability column");
        probabilityCol =
                new Param<>(
                        this,
                        "probabilityCol",
                        "the column of every label's probability (a vector in label-id order)");
        setDefault(predictionCol, "prediction");
        setDefault(scoreCol, "score");
        setDefault(probabilityCol, "probability");
    }

    /** Reads a classifier saved with {@code write().save(path)}. */
    public static MLReader<HubtuneClassifier> read() {
        return new DefaultParamsReadable<HubtuneClassifier>() {}.read();
    }

    /** The prediction column parameter. */
    public Param<String> predictionCol() {
        return predictionCol;
    }

    /** The score column parameter. */
    public Param<String> scoreCol() {
        return scoreCol;
    }

    /** The probability column parameter. */
    public Param<String> probabilityCol() {
        return probabilityCol;
    }

    /** The predicted label's column (default {@code prediction}). */
    public HubtuneClassifier setPredictionCol(String value) {
        set(predictionCol, value);
        return this;
    }

    /** The score column (default {@code score}). */
    public HubtuneClassifier setScoreCol(String value) {
        set(scoreCol, value);
        return this;
    }

    /** The probabilities' column (default {@code probability}). */
    public HubtuneClassifier setProbabilityCol(String value) {
        set(probabilityCol, value);
        return this;
    }

    @Override
    String kind() {
        return "classifier";
    }

    @Override
    String loadSettings() {
        return "maxLength=" + getMaxLength();
    }

    @Override
    ExecutorModels.Loader<TextClassifier> loader() {
        int maxLength = getMaxLength();
        return dir ->
                maxLength == 0 ? TextClassifier.load(dir) : TextClassifier.load(dir, maxLength);
    }

    @Override
    BatchFunction<TextClassifier> batchFunction() {
        return (classifier, texts) -> {
            List<Object[]> out = new ArrayList<>(texts.size());
            for (TextClassifier.Prediction p : classifier.predict(texts)) {
                double[] probabilities = new double[p.probabilities().length];
                for (int k = 0; k < probabilities.length; k++) {
                    probabilities[k] = p.probabilities()[k];
                }
                out.add(new Object[] {p.label(), (double) p.score(), Vectors.dense(probabilities)});
            }
            return out;
        };
    }

    @Override
    List<StructField> outputFields() {
        return List.of(
                DataTypes.createStructField($(predictionCol), DataTypes.StringType, true),
                DataTypes.createStructField($(scoreCol), DataTypes.DoubleType, true),
                DataTypes.createStructField($(probabilityCol), SQLDataTypes.VectorType(), true));
    }

    @Override
    public HubtuneClassifier copy(ParamMap extra) {
        return defaultCopy(extra);
    }
}
