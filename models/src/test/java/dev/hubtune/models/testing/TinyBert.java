package dev.hubtune.models.testing;

import dev.hubtune.models.bert.BertConfig;
import dev.hubtune.models.bert.BertExport;
import dev.hubtune.models.bert.BertInit;
import dev.hubtune.models.weights.WeightTensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** A tiny BERT (2 layers, hidden 32) with seeded random weights and a matching vocab.txt. */
public final class TinyBert {

    /** The configuration: 2 layers, hidden 32, 4 heads, FFN 64, 64 positions, vocab 40. */
    public static final BertConfig CONFIG =
            new BertConfig(40, 32, 2, 4, 64, 64, 2, 1e-12, BertConfig.Activation.GELU);

    private TinyBert() {}

    /**
     * Weights under HF names, normal(0, 0.2): larger than BERT's 0.02, so that mistakes show in
     * outputs.
     */
    public static Map<String, WeightTensor> weights(long seed) {
        return BertInit.random(CONFIG, seed, 0.2f);
    }

    /** Writes a vocab.txt of 40 tokens (5 specials, 35 words w0…w34) into {@code dir}. */
    public static Path vocab(Path dir) throws Exception {
        StringBuilder sb = new StringBuilder("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n");
        for (int i = 0; i < 35; i++) {
            sb.append('w').append(i).append('\n');
        }
        Files.writeString(dir.resolve("vocab.txt"), sb);
        return dir;
    }

    /**
     * A fresh tiny BERT in HF format (config.json, model.safetensors, vocab.txt) at {@code
     * root/tiny-bert}.
     */
    public static Path huggingFaceDir(Path root) throws Exception {
        Path vocab = vocab(Files.createDirectories(root.resolve("tiny-vocab")));
        return BertExport.huggingFace(
                CONFIG,
                BertInit.random(CONFIG, 1),
                Map.of(),
                vocab,
                root.resolve("tiny-bert"),
                "init");
    }

    /**
     * A fresh tiny BERT with its pretraining heads (pooler, masked-LM) in HF format at {@code
     * root/tiny-bert-mlm}.
     */
    public static Path maskedLmDir(Path root, long seed) throws Exception {
        Path vocab = vocab(Files.createDirectories(root.resolve("tiny-vocab-mlm")));
        return BertExport.huggingFace(
                CONFIG,
                BertInit.randomPretraining(CONFIG, seed, 0.2f),
                Map.of(),
                vocab,
                root.resolve("tiny-bert-mlm"),
                "fill-mask");
    }
}
