package dev.hubtune.spark;

import dev.hubtune.models.apps.TextGenerator;
import dev.hubtune.models.decoding.GenerationConfig;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.param.FloatParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReadable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;

/**
 * Continues a prompt column with a decoder-only language model as {@link TextGenerator} does
 * (greedy by default; sampled with a temperature, seeded): adds the completion (without the
 * prompt). Generation runs one prompt at a time with the key/value cache; a batch is the rows
 * handled per call, and the executor's tasks take turns on its one model. {@code maxLength} does
 * not apply: prompts are not truncated.
 */
public final class HubtuneGenerator extends HubtuneTransformer<TextGenerator, HubtuneGenerator> {

    private static final long serialVersionUID = 1L;

    private final Param<String> outputCol;
    private final IntParam maxNewTokens;
    private final FloatParam temperature;
    private final LongParam seed;

    /** A generator with a random uid. */
    public HubtuneGenerator() {
        this(Identifiable.randomUID("hubtuneGenerator"));
    }

    /** A generator with {@code uid} (Spark's reflection and ML persistence use this). */
    public HubtuneGenerator(String uid) {
        super(uid);
        GenerationConfig defaults = GenerationConfig.builder().build();
        outputCol = new Param<>(this, "outputCol", "the completion column");
        maxNewTokens =
                new IntParam(
                        this,
                        "maxNewTokens",
                        "tokens to generate at most",
                        ParamValidators.gtEq(1));
        temperature =
                new FloatParam(
                        this,
                        "temperature",
                        "0: greedy; above 0: sample at this temperature",
                        ParamValidators.gtEq(0));
        seed = new LongParam(this, "seed", "the sampling seed (every row starts from it)");
        setDefault(inputCol(), "prompt");
        setDefault(outputCol, "completion");
        setDefault(maxNewTokens, defaults.maxNewTokens());
        setDefault(temperature, defaults.temperature());
        setDefault(seed, defaults.seed());
    }

    /** Reads a generator saved with {@code write().save(path)}. */
    public static MLReader<HubtuneGenerator> read() {
        return new DefaultParamsReadable<HubtuneGenerator>() {}.read();
    }

    /** The output column parameter. */
    public Param<String> outputCol() {
        return outputCol;
    }

    /** The max new tokens parameter. */
    public IntParam maxNewTokens() {
        return maxNewTokens;
    }

    /** The temperature parameter. */
    public FloatParam temperature() {
        return temperature;
    }

    /** The seed parameter. */
    public LongParam seed() {
        return seed;
    }

    /** The completion column (default {@code completion}). */
    public HubtuneGenerator setOutputCol(String value) {
        set(outputCol, value);
        return this;
    }

    /** Tokens to generate at most (default: {@link GenerationConfig}'s). */
    public HubtuneGenerator setMaxNewTokens(int value) {
        set(maxNewTokens, value);
        return this;
    }

    /** 0 for greedy decoding (the default), else the sampling temperature. */
    public HubtuneGenerator setTemperature(float value) {
        set(temperature, value);
        return this;
    }

    /** The sampling seed. */
    public HubtuneGenerator setSeed(long value) {
        set(seed, value);
        return this;
    }

    @Override
    String kind() {
        return "generator";
    }

    @Override
    String loadSettings() {
        return "";
    }

    @Override
    ExecutorModels.Loader<TextGenerator> loader() {
        return dir -> TextGenerator.builder().setModelDir(dir).build();
    }

    @Override
    BatchFunction<TextGenerator> batchFunction() {
        GenerationConfig config =
                GenerationConfig.builder()
                        .optMaxNewTokens((Integer) $(maxNewTokens))
                        .optTemperature((Float) $(temperature))
                        .optSeed((Long) $(seed))
                        .build();
        int max = config.maxNewTokens();
        float t = config.temperature();
        long s = config.seed();
        return (generator, prompts) -> {
            GenerationConfig c =
                    GenerationConfig.builder()
                            .optMaxNewTokens(max)
                            .optTemperature(t)
                            .optSeed(s)
                            .build();
            List<Object[]> out = new ArrayList<>(prompts.size());
            // the decoder's generation is not documented as safe for concurrent calls
            synchronized (generator) {
                for (String p : prompts) {
                    out.add(new Object[] {generator.generate(p, c).text()});
                }
            }
            return out;
        };
    }

    @Override
    List<StructField> outputFields() {
        return List.of(DataTypes.createStructField($(outputCol), DataTypes.StringType, true));
    }

    @Override
    public HubtuneGenerator copy(ParamMap extra) {
        return defaultCopy(extra);
    }
}
