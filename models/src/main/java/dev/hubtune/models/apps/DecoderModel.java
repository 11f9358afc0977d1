package dev.hubtune.models.apps;

import dev.hubtune.models.ModelException;
import dev.hubtune.models.decoding.Continuation;
import dev.hubtune.models.decoding.Decoder;
import dev.hubtune.models.decoding.GenerationConfig;
import dev.hubtune.models.family.DecoderBackbone;
import dev.hubtune.models.family.DecoderConfig;
import dev.hubtune.models.family.KeyValueCache;
import dev.hubtune.models.family.ModelFamilies;
import dev.hubtune.models.family.ModelTask;
import dev.hubtune.models.family.PretrainedModel;
import dev.hubtune.models.runtime.Tensors;
import dev.hubtune.models.weights.WeightTensor;
import java.nio.file.Path;
import java.util.Map;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * A decoder-only language model with its weights, whatever its family: next-token logits for whole
 * sequences, and step-by-step decoding with a key/value {@link Cache}. Owns a TensorFlow graph and
 * session; close it.
 */
public final class DecoderModel implements AutoCloseable {

    private final LoadedModel<Void> loaded;
    private final DecoderBackbone decoder;
    private final KeyValueCache cache;

    private DecoderModel(LoadedModel<Void> loaded) {
        this.loaded = loaded;
        this.decoder = (DecoderBackbone) loaded.backbone();
        this.cache = decoder.cache().orElseThrow();
    }

    /** Loads the decoder in {@code dir} ({@code config.json} + weights). */
    public static DecoderModel load(Path dir) throws ModelException {
        return load(ModelFamilies.load(dir));
    }

    /** Loads {@code model}. */
    public static DecoderModel load(PretrainedModel model) throws ModelException {
        return load(model, java.util.List.of());
    }

    /**
     * Loads {@code model} with PEFT LoRA {@code adapters} over it, the first active ({@link
     * #useAdapter} switches without reloading the base).
     */
    public static DecoderModel load(
            PretrainedModel model, java.util.List<dev.hubtune.models.lora.PeftAdapter> adapters)
            throws ModelException {
        model.require(ModelTask.CAUSAL_LM);
        return new DecoderModel(
                LoadedModel.load(
                        model,
                        (backbone, weights, optional) -> null,
                        "the language model in " + model.name(),
                        dev.hubtune.models.nn.BuildContext::inference,
                        ModelTask.CAUSAL_LM,
                        adapters));
    }

    /** The names of the adapters loaded over the base (empty without). */
    public java.util.List<String> adapters() {
        return loaded.adapters();
    }

    /** Switches to adapter {@code name} ({@code null}: the base model); not while generating. */
    public void useAdapter(String name) {
        loaded.useAdapter(name);
    }

    /** The configuration. */
    public DecoderConfig config() {
        return decoder.config();
    }

    /** The current value of every parameter, by graph name. */
    public Map<String, WeightTensor> weights() {
        return loaded.weights();
    }

    /**
     * Next-token logits at every position of equally long sequences, {@code
     * [batch][length][vocab]}, computed in one pass without a cache.
     */
    public float[][][] logits(int[][] ids) {
        int batch = ids.length;
        int length = ids[0].length;
        int[] flat = new int[batch * length];
        for (int b = 0; b < batch; b++) {
            if (ids[b].length != length) {
                throw new IllegalArgumentException("sequences must have the same length");
            }
            System.arraycopy(ids[b], 0, flat, b * length, length);
        }
        checkLength(length);
        // An empty cache supplies the zero-length past every layer's placeholder needs.
        try (Cache empty = new Cache(batch);
                TInt32 input = TInt32.tensorOf(Shape.of(batch, length), DataBuffers.of(flat));
                Result r =
                        empty.feed(session().runner().feed(decoder.inputs().inputIds(), input))
                                .fetch(decoder.logits())
                                .run()) {
            float[] values = Tensors.floats((TFloat32) r.get(0));
            int v = config().vocabSize();
            float[][][] out = new float[batch][length][v];
            for (int b = 0; b < batch; b++) {
                for (int t = 0; t < length; t++) {
                    System.arraycopy(values, (b * length + t) * v, out[b][t], 0, v);
                }
            }
            return out;
        }
    }

    /** A new, empty key/value cache for one sequence. */
    public Cache newCache() {
        return new Cache(1);
    }

    /**
     * Runs {@code tokens} (the prompt, or the one token chosen last) after the positions already in
     * {@code cache}, extends the cache with them and returns the next-token logits.
     */
    public float[] next(Cache kv, int[] tokens) {
        checkLength(kv.length + tokens.length);
        try (TInt32 input =
                TInt32.tensorOf(Shape.of(1, tokens.length), DataBuffers.of(tokens, true, false))) {
            Session.Runner runner =
                    kv.feed(session().runner().feed(decoder.inputs().inputIds(), input));
            runner.fetch(decoder.lastLogits());
            for (int i = 0; i < cache.layers(); i++) {
                runner.fetch(cache.presentKeys().get(i)).fetch(cache.presentValues().get(i));
            }
            Result r = runner.run();
            kv.replace(r, tokens.length);
            return Tensors.floats((TFloat32) r.get(0));
        }
    }

    /**
     * Continues {@code promptIds} as {@code generation} says. With the cache (the default) the
     * prompt is run once and each new token costs one position; without it every step reruns the
     * whole sequence, which must, and does, give the same tokens.
     *
     * @throws ModelException when prompt and new tokens do not fit the model's positions
     */
    public Continuation generate(int[] promptIds, GenerationConfig generation)
            throws ModelException {
        return generate(promptIds, generation, config().stopTokenIds(), token -> true);
    }

    /**
     * Continues {@code promptIds}, ending at any of {@code stopIds}; {@code sink} sees each token
     * as it is chosen (to stream it, or to end at a stop string).
     */
    public Continuation generate(
            int[] promptIds,
            GenerationConfig generation,
            java.util.Set<Integer> stopIds,
            Decoder.TokenSink sink)
            throws ModelException {
        int limit = config().maxPositions();
        if (promptIds.length + generation.maxNewTokens() > limit) {
            throw new ModelException(
                    "the prompt has "
                            + promptIds.length
                            + " tokens and "
                            + generation.maxNewTokens()
                            + " new ones were asked for, but the model has "
                            + limit
                            + " positions; shorten the prompt or ask for fewer new tokens");
        }
        if (!generation.useCache()) {
            return Decoder.generate(
                    promptIds, generation, stopIds, Decoder.withoutCache(this::lastLogits), sink);
        }
        try (Cache kv = newCache()) {
            return Decoder.generate(
                    promptIds, generation, stopIds, tokens -> next(kv, tokens), sink);
        }
    }

    /** The next-token logits after the whole of {@code sequence}, without a cache. */
    private float[] lastLogits(int[] sequence) {
        checkLength(sequence.length);
        // Only the last position goes through the LM head and back to Java, not [length, vocab].
        try (Cache empty = new Cache(1);
                TInt32 input =
                        TInt32.tensorOf(Shape.of(1, sequence.length), DataBuffers.of(sequence));
                Result r =
                        empty.feed(session().runner().feed(decoder.inputs().inputIds(), input))
                                .fetch(decoder.lastLogits())
                                .run()) {
            return Tensors.floats((TFloat32) r.get(0));
        }
    }

    private void checkLength(int length) {
        if (length > config().maxPositions()) {
            throw new IllegalArgumentException(
                    "the sequence needs "
                            + length
                            + " positions but the model has "
                            + config().maxPositions()
                            + "; shorten the prompt or ask for fewer new tokens");
        }
    }

    private Session session() {
        return loaded.session();
    }

    @Override
    public void close() {
        loaded.close();
    }

    /**
     * The keys and values of the positions run so far, kept as TensorFlow tensors between steps
     * (never copied to Java). Close it when the sequence is done.
     */
    public final class Cache implements AutoCloseable {
        private final TFloat32 empty;
        private Result result;
        private int length;

        private Cache(int batch) {
            empty = TFloat32.tensorOf(Shape.of(batch, cache.kvHeads(), 0, cache.headSize()));
        }

        /** Positions in the cache. */
        public int length() {
            return length;
        }

        private Session.Runner feed(Session.Runner runner) {
            for (int i = 0; i < cache.layers(); i++) {
                if (result == null) {
                    runner.feed(cache.pastKeys().get(i), empty)
                            .feed(cache.pastValues().get(i), empty);
                } else {
                    runner.feed(cache.pastKeys().get(i), result.get(1 + 2 * i))
                            .feed(cache.pastValues().get(i), result.get(2 + 2 * i));
                }
            }
            return runner;
        }

        private void replace(Result next, int added) {
            if (result != null) {
                result.close();
            }
            result = next;
            length += added;
        }

        @Override
        public void close() {
            if (result != null) {
                result.close();
                result = null;
            }
            empty.close();
        }
    }
}
