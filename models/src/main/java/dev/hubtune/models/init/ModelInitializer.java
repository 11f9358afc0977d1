package dev.hubtune.models.init;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.bert.BertConfig;
import dev.hubtune.models.bert.BertFamily;
import dev.hubtune.models.bert.BertInit;
import dev.hubtune.models.export.ExportMetadata;
import dev.hubtune.models.export.HfExport;
import dev.hubtune.models.family.Backbone;
import dev.hubtune.models.family.DecoderBackbone;
import dev.hubtune.models.family.FamilyConfig;
import dev.hubtune.models.family.ModelFamilies;
import dev.hubtune.models.family.ModelFamily;
import dev.hubtune.models.family.ModelTask;
import dev.hubtune.models.gpt2.Gpt2Config;
import dev.hubtune.models.gpt2.Gpt2Family;
import dev.hubtune.models.gpt2.Gpt2Weights;
import dev.hubtune.models.heads.CausalLmHead;
import dev.hubtune.models.heads.MaskedLmHead;
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
    public static final List<String> PRESETS =
            List.of(
                    "gpt2-tiny",
                    "bert-tiny",
                    "llama-tiny",
                    "roberta-tiny",
                    "distilbert-tiny",
                    "electra-tiny",
                    "modernbert-tiny",
                    "deberta-v3-tiny",
                    "bilstm",
                    "bigru");

    private ModelInitializer() {}

    /**
     * Creates {@code preset} ({@code gpt2-tiny}: 2 layers, hidden 128, 4 heads, 256 positions;
     * {@code bert-tiny}: 2 layers, hidden 128, 2 heads, FFN 512, with its masked-LM head; {@code
     * llama-tiny}: 2 layers, hidden 128, 4 query / 2 key-value heads, MLP 512, 256 positions, tied,
     * its stop token the tokenizer's end of turn; {@code roberta-tiny} and {@code distilbert-tiny}
     * BERT's sizes with their masked-LM heads; {@code electra-tiny} a discriminator with embeddings
     * of 64 projected to 128; {@code modernbert-tiny} 3 layers (global, local, local), hidden 128,
     * 8,192 positions; {@code deberta-v3-tiny} DeBERTa-v3's attention (256 log buckets, shared
     * keys, p2c|c2p) at hidden 128; {@code bilstm} and {@code bigru} hubtune's recurrent encoders,
     * embedding 128, one bidirectional layer of 128 units, 128 steps) at {@code out} with the
     * tokenizer of {@code tokenizerDir}.
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
                {
                    Map<String, Object> c = new java.util.LinkedHashMap<>();
                    c.put("model_type", "llama");
                    c.put("hidden_size", 128);
                    c.put("intermediate_size", 512);
                    c.put("num_hidden_layers", 2);
                    c.put("num_attention_heads", 4);
                    c.put("num_key_value_heads", 2);
                    c.put("head_dim", 32);
                    c.put("max_position_embeddings", 256);
                    c.put("rms_norm_eps", 1e-5);
                    c.put("tie_word_embeddings", true);
                    return generic(c, v, tokenizerDir, out, seed);
                }
            case "roberta-tiny":
                return generic(
                        Map.of(
                                "model_type", "roberta",
                                "hidden_size", 128,
                                "num_hidden_layers", 2,
                                "num_attention_heads", 2,
                                "intermediate_size", 512,
                                "max_position_embeddings", 514,
                                "type_vocab_size", 1,
                                "layer_norm_eps", 1e-5),
                        v,
                        tokenizerDir,
                        out,
                        seed);
            case "distilbert-tiny":
                return generic(
                        Map.of(
                                "model_type", "distilbert",
                                "dim", 128,
                                "n_layers", 2,
                                "n_heads", 2,
                                "hidden_dim", 512,
                                "max_position_embeddings", 512),
                        v,
                        tokenizerDir,
                        out,
                        seed);
            case "electra-tiny":
                return generic(
                        Map.of(
                                "model_type", "electra",
                                "embedding_size", 64,
                                "hidden_size", 128,
                                "num_hidden_layers", 2,
                                "num_attention_heads", 2,
                                "intermediate_size", 512,
                                "max_position_embeddings", 512),
                        v,
                        tokenizerDir,
                        out,
                        seed);
            case "modernbert-tiny":
                return generic(
                        Map.of(
                                "model_type", "modernbert",
                                "hidden_size", 128,
                                "num_hidden_layers", 3,
                                "num_attention_heads", 2,
                                "intermediate_size", 192,
                                "max_position_embeddings", 8192),
                        v,
                        tokenizerDir,
                        out,
                        seed);
            case "deberta-v3-tiny":
                {
                    Map<String, Object> c = new java.util.LinkedHashMap<>();
                    c.put("model_type", "deberta-v2");
                    c.put("hidden_size", 128);
                    c.put("num_hidden_layers", 2);
                    c.put("num_attention_heads", 2);
                    c.put("intermediate_size", 512);
                    c.put("max_position_embeddings", 512);
                    c.put("type_vocab_size", 0);
                    c.put("relative_attention", true);
                    c.put("position_buckets", 256);
                    c.put("norm_rel_ebd", "layer_norm");
                    c.put("share_att_key", true);
                    c.put("pos_att_type", "p2c|c2p");
                    c.put("position_biased_input", false);
                    return generic(c, v, tokenizerDir, out, seed);
                }
            case "bilstm", "bigru":
                return generic(
                        Map.of(
                                "model_type", "hubtune-rnn",
                                "cell", preset.equals("bilstm") ? "lstm" : "gru",
                                "embedding_size", 128,
                                "hidden_size", 128,
                                "num_layers", 1,
                                "bidirectional", true,
                                "max_length", 128),
                        v,
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
     * Creates a model from an HF {@code config.json} of any model type in {@link #INITIALISED}; its
     * {@code vocab_size} (and a decoder's begin and end ids) are replaced by the tokenizer's.
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
        // No weights to check it against: bounds keep a crafted config from allocating gigabytes.
        dev.hubtune.models.family.ConfigChecks.checkInitBounds(o, config);
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
        if (GENERIC.contains(type)) {
            return generic(o, config, v, tokenizerDir, out, seed);
        }
        throw new ModelException(
                config
                        + " has model_type '"
                        + type
                        + "'; hubtune initialises "
                        + INITIALISED
                        + " models");
    }

    /** The model types {@link #createFromConfig} initialises through their family's graph. */
    private static final List<String> GENERIC =
            List.of(
                    "roberta",
                    "xlm-roberta",
                    "camembert",
                    "distilbert",
                    "electra",
                    "modernbert",
                    "deberta-v2",
                    "llama",
                    "mistral",
                    "qwen2",
                    "gemma",
                    "hubtune-rnn");

    /** The model types {@link #createFromConfig} initialises. */
    public static final List<String> INITIALISED =
            java.util.stream.Stream.concat(
                            java.util.stream.Stream.of("gpt2", "bert"), GENERIC.stream())
                    .toList();

    private static Path generic(
            Map<String, Object> config, Vocabulary v, Path tokenizerDir, Path out, long seed)
            throws ModelException {
        JsonObject o = new com.google.gson.Gson().toJsonTree(config).getAsJsonObject();
        return generic(o, Path.of(config.get("model_type") + "-tiny"), v, tokenizerDir, out, seed);
    }

    /**
     * A model of any family from its config, vocabulary size (and padding id) from the tokenizer,
     * every parameter from its initializer in the family's own graph (normal(0, 0.02) kernels and
     * embeddings, zero biases, unit norms; fixed tables such as sinusoidal positions as they are),
     * with the family's masked-LM head when it has one.
     */
    private static Path generic(
            JsonObject o, Path source, Vocabulary v, Path tokenizerDir, Path out, long seed)
            throws ModelException {
        o.addProperty("vocab_size", v.size);
        if (v.pad.isPresent()) {
            o.addProperty("pad_token_id", v.pad.getAsInt());
        }
        ModelFamily family = ModelFamilies.forModelType(o.get("model_type").getAsString(), source);
        boolean causalLm = family.tasks().contains(ModelTask.CAUSAL_LM);
        if (causalLm) {
            // A decoder starts and stops on the tokenizer's own tokens (a chat model's end of
            // turn).
            o.addProperty("bos_token_id", v.bos);
            o.addProperty("eos_token_id", v.eos);
        }
        FamilyConfig config = family.readConfig(o, source);
        boolean maskedLm = family.tasks().contains(ModelTask.MASKED_LM);
        Map<String, WeightTensor> weights;
        TensorFlowRuntime.load();
        try (Graph g = new Graph()) {
            Backbone backbone = family.build(BuildContext.inference(Ops.create(g)), config);
            if (maskedLm) {
                MaskedLmHead.build(backbone);
            } else if (causalLm) {
                CausalLmHead.build((DecoderBackbone) backbone);
            }
            weights = backbone.context().parameters().initialise(n -> true, seed);
        }
        return HfExport.write(
                family,
                config,
                weights,
                ExportMetadata.of(
                        maskedLm
                                ? ModelTask.MASKED_LM
                                : causalLm ? ModelTask.CAUSAL_LM : ModelTask.EMBEDDING),
                tokenizerDir,
                out);
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

    private record Vocabulary(int size, int bos, int eos, OptionalInt pad) {}

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
            OptionalInt pad = t.tokenId("<pad>");
            int end = eos.orElse(t.vocabSize() - 1);
            return new Vocabulary(
                    t.vocabSize(),
                    bos.orElse(end),
                    end,
                    pad.isPresent() ? pad : t.tokenId("[PAD]"));
        }
    }
}
