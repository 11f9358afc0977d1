package dev.hubtune.models.testing;

import dev.hubtune.models.ModelException;
import dev.hubtune.models.apps.EncoderModel;
import dev.hubtune.models.bert.BertConfig;
import dev.hubtune.models.bert.BertFamily;
import dev.hubtune.models.bert.BertInit;
import dev.hubtune.models.export.ExportMetadata;
import dev.hubtune.models.export.HfExport;
import dev.hubtune.models.family.ModelTask;
import dev.hubtune.models.family.PretrainedModel;
import dev.hubtune.models.nn.Activation;
import dev.hubtune.models.weights.WeightTensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** A tiny BERT (2 layers, hidden 32) with seeded random weights and a matching vocab.txt. */
public final class TinyBert {

    /** The configuration: 2 layers, hidden 32, 4 heads, FFN 64, 64 positions, vocab 40. */
    public static final BertConfig CONFIG =
            new BertConfig(40, 32, 2, 4, 64, 64, 2, 1e-12, Activation.GELU);

    private TinyBert() {}

    /**
     * Weights under HF names, normal(0, 0.2): larger than BERT's 0.02, so that mistakes show in
     * outputs.
     */
    public static Map<String, WeightTensor> weights(long seed) {
        return BertInit.random(CONFIG, seed, 0.2f);
    }

    /** A BERT of {@code config} with {@code weights}, in memory. */
    public static PretrainedModel model(BertConfig config, Map<String, WeightTensor> weights) {
        return PretrainedModel.of(new BertFamily(), config, weights);
    }

    /** Loads an encoder of {@code config} with {@code weights}. */
    public static EncoderModel load(BertConfig config, Map<String, WeightTensor> weights)
            throws ModelException {
        return EncoderModel.load(model(config, weights));
    }

    /**
     * Exports BERT {@code weights} in HF format for {@code task} with the tokenizer of {@code
     * tokenizerDir}.
     */
    public static Path export(
            BertConfig config,
            Map<String, WeightTensor> weights,
            ExportMetadata meta,
            Path tokenizerDir,
            Path out)
            throws ModelException {
        return HfExport.write(new BertFamily(), config, weights, meta, tokenizerDir, out);
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
        return export(
                CONFIG,
                BertInit.random(CONFIG, 1),
                ExportMetadata.of(ModelTask.EMBEDDING),
                vocab,
                root.resolve("tiny-bert"));
    }

    /**
     * A fresh tiny BERT with its pretraining heads (pooler, masked-LM) in HF format at {@code
     * root/tiny-bert-mlm}.
     */
    public static Path maskedLmDir(Path root, long seed) throws Exception {
        Path vocab = vocab(Files.createDirectories(root.resolve("tiny-vocab-mlm")));
        return export(
                CONFIG,
                BertInit.randomPretraining(CONFIG, seed, 0.2f),
                ExportMetadata.of(ModelTask.MASKED_LM),
                vocab,
                root.resolve("tiny-bert-mlm"));
    }
}
