package dev.hubtune.models.init;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.bert.BertConfig;
import dev.hubtune.models.bert.BertFamily;
import dev.hubtune.models.bert.BertInit;
import dev.hubtune.models.export.ExportMetadata;
import dev.hubtune.models.export.HfExport;
import dev.hubtune.models.family.FamilyConfig;
import dev.hubtune.models.family.ModelFamily;
import dev.hubtune.models.family.ModelTask;
import dev.hubtune.models.gpt2.Gpt2Config;
import dev.hubtune.models.gpt2.Gpt2Family;
import dev.hubtune.models.gpt2.Gpt2Weights;
import dev.hubtune.models.llama.LlamaConfig;
import dev.hubtune.models.llama.LlamaFamily;
import dev.hubtune.models.nn.Activation;
import dev.hubtune.models.nn.BuildContext;
import dev.hubtune.models.runtime.TensorFlowRuntime;
import dev.hubtune.models.weights.WeightTensor;
import dev.hubtune.tokenizers.TextTokenizer;
import dev.hubtune.tokenizers.TokenizerException;
import dev.hubtune.tokenizers.chat.ChatTemplate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import org.tensorflow.Graph;
import org.tensorflow.op.Ops;

/**
 * Writes an HF-format model directory with freshly initialised weights (normal(0, 0.02), zero
 * biases, unit LayerNorm; GPT-2's residual projections scaled by 1/√(2·layers)) and the tokenizer
 * files of an existing model, so that training from scratch has a starting point. The vocabulary
 * size always comes from the tokenizer.
 */
public final class ModelInitializer {

    /** The built-in presets. */
    public static final List<String> PRESETS = List.of("gpt2-tiny", "bert-tiny", "llama-tiny");

    private ModelInitializer() {}

    /**
     * Creates {@code preset} ({@code gpt2-tiny}: 2 layers, hidden 128, 4 heads, 256 positions;
     * {@code bert-tiny}: 2 layers, hidden 128, 2 heads, FFN 512, with its masked-LM head; {@code
     * llama-tiny}: 2 layers, hidden 128, 4 query / 2 key-value heads, MLP 512, 256 positions, tied,
     * its stop token the tokenizer's end of turn) at {@code out} with the tokenizer of {@code
     * tokenizerDir}.
     */
    public static Path create(String preset, Path tokenizerDir, Path out, long seed)
            throws ModelException, TokenizerException {
        Vocabulary v = vocabulary(tokenizerDir);
        switch (preset) {
            case "gpt2-tiny":
                return gpt2(
                        new Gpt2Config(v.size, 256, 128, 2, 4, 512, 1e-5, v.eos, v.eos),
                        tokenizerDir,
                        out,
                        seed);
            case "bert-tiny":
                return bert(
                        new BertConfig(v.size, 128, 2, 2, 512, 512, 2, 1e-12, Activation.GELU),
                        tokenizerDir,
                        out,
                        seed);
            case "llama-tiny":
                return fresh(
                        new LlamaFamily(),
                        new LlamaConfig(
                                "llama",
                                v.size,
                                128,
                                512,
                                2,
                                4,
                                2,
                                32,
                                256,
                                1e-5,
                                10000,
                                null,
                                Activation.SILU,
                                false,
                                false,
                                false,
                                0,
                                true,
                                v.bos,
                                Set.of(v.eos)),
                        tokenizerDir,
                        out,
                        seed);
            default:
                throw new ModelException(
                        "unknown preset '"
                                + preset
                                + "'; presets are "
                                + PRESETS
                                + ", or pass an HF config.json with --config");
        }
    }

    /**
     * Creates a model from an HF {@code config.json} ({@code model_type} gpt2 or bert); its {@code
     * vocab_size} is replaced by the tokenizer's.
     */
    public static Path createFromConfig(Path config, Path tokenizerDir, Path out, long seed)
            throws ModelException, TokenizerException {
        String type;
        JsonObject o;
        try {
            o = JsonParser.parseString(Files.readString(config)).getAsJsonObject();
            type = o.has("model_type") ? o.get("model_type").getAsString() : "";
        } catch (IOException | RuntimeException e) {
            throw new ModelException(config + " is not a JSON config: " + e.getMessage(), e);
        }
        Vocabulary v = vocabulary(tokenizerDir);
        if (type.equals("gpt2")) {
            Gpt2Config c = Gpt2Config.read(o, config);
            return gpt2(
                    new Gpt2Config(
                            v.size,
                            c.maxPositions(),
                            c.hiddenSize(),
                            c.numLayers(),
                            c.numHeads(),
                            c.innerSize(),
                            c.layerNormEps(),
                            v.eos,
                            v.eos),
                    tokenizerDir,
                    out,
                    seed);
        }
        if (type.equals("bert")) {
            BertConfig c = BertConfig.read(o, config);
            return bert(
                    new BertConfig(
                            v.size,
                            c.hiddenSize(),
                            c.numLayers(),
                            c.numHeads(),
                            c.intermediateSize(),
                            c.maxPositions(),
                            c.typeVocabSize(),
                            c.layerNormEps(),
                            c.activation()),
                    tokenizerDir,
                    out,
                    seed);
        }
        throw new ModelException(
                config
                        + " has model_type '"
                        + type
                        + "'; hubtune initialises gpt2 and bert models");
    }

    private static Path gpt2(Gpt2Config c, Path tokenizerDir, Path out, long seed)
            throws ModelException {
        return HfExport.write(
                new Gpt2Family(),
                c,
                Gpt2Weights.random(c, seed),
                ExportMetadata.of(ModelTask.CAUSAL_LM),
                tokenizerDir,
                out);
    }

    private static Path bert(BertConfig c, Path tokenizerDir, Path out, long seed)
            throws ModelException {
        return HfExport.write(
                new BertFamily(),
                c,
                BertInit.randomPretraining(c, seed, BertInit.STD),
                ExportMetadata.of(ModelTask.MASKED_LM),
                tokenizerDir,
                out);
    }

    /**
     * A model of {@code family} with fresh weights from its parameters' own initializers (the
     * blocks' normal(0, 0.02) kernels and embeddings, unit norms, zero biases), seeded.
     */
    private static Path fresh(
            ModelFamily family, FamilyConfig c, Path tokenizerDir, Path out, long seed)
            throws ModelException {
        TensorFlowRuntime.load();
        Map<String, WeightTensor> weights;
        try (Graph g = new Graph()) {
            BuildContext context = BuildContext.inference(Ops.create(g));
            family.build(context, c);
            weights = context.parameters().initialise(n -> true, seed);
        }
        return HfExport.write(
                family, c, weights, ExportMetadata.of(ModelTask.CAUSAL_LM), tokenizerDir, out);
    }

    private record Vocabulary(int size, int bos, int eos) {}

    /**
     * The tokenizer's size and its begin and end tokens: a chat tokenizer's end of turn ({@code
     * tokenizer_config.json}'s eos_token), else {@code <|endoftext|>}, else the last id.
     */
    private static Vocabulary vocabulary(Path tokenizerDir) throws TokenizerException {
        try (TextTokenizer t = TextTokenizer.builder().setModelDir(tokenizerDir).build()) {
            java.util.Optional<ChatTemplate> chat = ChatTemplate.read(tokenizerDir);
            OptionalInt eos =
                    chat.flatMap(x -> x.specialToken("eos_token"))
                            .map(t::tokenId)
                            .orElse(t.tokenId("<|endoftext|>"));
            OptionalInt bos =
                    chat.flatMap(x -> x.specialToken("bos_token"))
                            .map(t::tokenId)
                            .orElse(OptionalInt.empty());
            int end = eos.orElse(t.vocabSize() - 1);
            return new Vocabulary(t.vocabSize(), bos.orElse(end), end);
        }
    }
}
