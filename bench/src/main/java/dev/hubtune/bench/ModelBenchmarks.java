package dev.hubtune.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.hubtune.models.bert.BertConfig;
import dev.hubtune.models.bert.BertModel;
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
        Path dir = Files.createDirectories(work.resolve("minilm"));
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
        var weights = OnnxWeights.read(dir.resolve("model.onnx"));
        BertConfig config = BertConfig.infer(weights, 12, BertConfig.Activation.GELU, 1e-12);
        // 2·N FLOPs per token for the dense layers plus attention: an estimate for the GFLOP/s
        // column.
        long params = 0;
        for (var w : weights.values()) {
            params += w.data().length;
        }
        long denseParams = params - (long) config.vocabSize() * config.hiddenSize();
        try (BertModel ours = BertModel.load(config, weights);
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
        return rows;
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

    private static double matmulGflops(boolean quick) {
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
