package dev.hubtune.models.gpt2;

import dev.hubtune.models.ModelException;
import dev.hubtune.models.decoding.Continuation;
import dev.hubtune.models.decoding.Decoder;
import dev.hubtune.models.decoding.GenerationConfig;
import dev.hubtune.models.runtime.TensorFlowRuntime;
import dev.hubtune.models.runtime.Tensors;
import dev.hubtune.models.weights.Safetensors;
import dev.hubtune.models.weights.Variables;
import dev.hubtune.models.weights.WeightTensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * A GPT-2 with its weights, ready for inference: next-token logits for whole sequences, and
 * step-by-step decoding with a key/value {@link Cache}. Owns a TensorFlow graph and session; close
 * it.
 */
public final class Gpt2Model implements AutoCloseable {

    private final Graph graph;
    private final Session session;
    private final Gpt2Graph gpt;

    private Gpt2Model(Graph graph, Session session, Gpt2Graph gpt) {
        this.graph = graph;
        this.session = session;
        this.gpt = gpt;
    }

    /**
     * Builds the generation graph for {@code config} and loads {@code weights} (graph names).
     *
     * @throws ModelException naming missing and misshapen parameters
     */
    public static Gpt2Model load(Gpt2Config config, Map<String, WeightTensor> weights)
            throws ModelException {
        TensorFlowRuntime.load();
        Graph graph = new Graph();
        try {
            Ops tf = Ops.create(graph);
            Gpt2Graph gpt = Gpt2Graph.buildForGeneration(tf, config);
            Variables.requireFit(gpt.variables(), weights, "the GPT-2 config " + config);
            Session session = new Session(graph);
            Variables.assign(tf, session, gpt.variables(), weights);
            return new Gpt2Model(graph, session, gpt);
        } catch (ModelException | RuntimeException e) {
            graph.close();
            throw e;
        }
    }

    /** Loads an HF-format GPT-2 directory ({@code config.json} + {@code model.safetensors}). */
    public static Gpt2Model load(Path dir) throws ModelException {
        return load(config(dir), weights(dir));
    }

    /** The configuration in {@code dir/config.json}. */
    public static Gpt2Config config(Path dir) throws ModelException {
        Path file = dir.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            throw new ModelException(
                    "no config.json in "
                            + dir
                            + "; a GPT-2 model directory needs its HF config.json (create one with"
                            + " `hubtune init gpt2-tiny`)");
        }
        return Gpt2Config.read(file);
    }

    /** The weights in {@code dir} under the graph's names. */
    public static Map<String, WeightTensor> weights(Path dir) throws ModelException {
        if (Files.isRegularFile(dir.resolve("pytorch_model.bin"))
                && !Files.isRegularFile(dir.resolve("model.safetensors"))) {
            throw new ModelException(
                    dir.resolve("pytorch_model.bin")
                            + " is a PyTorch pickle, which hubtune does not load (unpickling runs"
                            + " code). Use the repository's model.safetensors instead.");
        }
        return Gpt2Weights.fromHuggingFace(Safetensors.readModel(dir));
    }

    /** The configuration. */
    public Gpt2Config config() {
        return gpt.config();
    }

    /** The current value of every parameter, by HF name. */
    public Map<String, WeightTensor> weights() {
        return Variables.read(session, gpt.variables());
    }

    /** The graph's handles. */
    public Gpt2Graph graph() {
        return gpt;
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
                        empty.feed(session.runner().feed(gpt.inputIds, input))
                                .fetch(gpt.logits)
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
    public float[] next(Cache cache, int[] tokens) {
        checkLength(cache.length + tokens.length);
        try (TInt32 input =
                TInt32.tensorOf(Shape.of(1, tokens.length), DataBuffers.of(tokens, true, false))) {
            Session.Runner runner = cache.feed(session.runner().feed(gpt.inputIds, input));
            runner.fetch(gpt.lastLogits);
            for (int i = 0; i < config().numLayers(); i++) {
                runner.fetch(gpt.presentKeys.get(i)).fetch(gpt.presentValues.get(i));
            }
            Result r = runner.run();
            cache.replace(r, tokens.length);
            return Tensors.floats((TFloat32) r.get(0));
        }
    }

    /**
     * Continues {@code promptIds} as {@code config} says. With the cache (the default) the prompt
     * is run once and each new token costs one position; without it every step reruns the whole
     * sequence, which must, and does, give the same tokens.
     *
     * @throws ModelException when prompt and new tokens do not fit the model's positions
     */
    public Continuation generate(int[] promptIds, GenerationConfig config) throws ModelException {
        int limit = config().maxPositions();
        if (promptIds.length + config.maxNewTokens() > limit) {
            throw new ModelException(
                    "the prompt has "
                            + promptIds.length
                            + " tokens and "
                            + config.maxNewTokens()
                            + " new ones were asked for, but the model has "
                            + limit
                            + " positions; shorten the prompt or ask for fewer new tokens");
        }
        int eos = config().eosTokenId();
        if (!config.useCache()) {
            return Decoder.generate(promptIds, config, eos, Decoder.withoutCache(this::lastLogits));
        }
        try (Cache cache = newCache()) {
            return Decoder.generate(promptIds, config, eos, tokens -> next(cache, tokens));
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
                        empty.feed(session.runner().feed(gpt.inputIds, input))
                                .fetch(gpt.lastLogits)
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

    @Override
    public void close() {
        session.close();
        graph.close();
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
            Gpt2Config c = config();
            empty = TFloat32.tensorOf(Shape.of(batch, c.numHeads(), 0, c.headSize()));
        }

        /** Positions in the cache. */
        public int length() {
            return length;
        }

        private Session.Runner feed(Session.Runner runner) {
            for (int i = 0; i < config().numLayers(); i++) {
                if (result == null) {
                    runner.feed(gpt.pastKeys.get(i), empty).feed(gpt.pastValues.get(i), empty);
                } else {
                    runner.feed(gpt.pastKeys.get(i), result.get(1 + 2 * i))
                            .feed(gpt.pastValues.get(i), result.get(2 + 2 * i));
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
