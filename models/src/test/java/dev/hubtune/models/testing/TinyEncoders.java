package dev.hubtune.models.testing;

import dev.hubtune.models.init.ModelInitializer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Tiny encoders of the RoBERTa, XLM-RoBERTa, DistilBERT, ELECTRA, ModernBERT and DeBERTa-v2
 * families (2 layers, hidden 32) in HF format, freshly initialised by {@link ModelInitializer} from
 * a config, with a tokenizer over the words w0…w34 of {@link TinyBert}'s synthetic tasks:
 * RoBERTa-style ({@code <s> A </s>}, pad id 1, WordLevel + RobertaProcessing) or BERT-style ({@code
 * vocab.txt}).
 */
public final class TinyEncoders {

    private TinyEncoders() {}

    /** The tiny {@code modelType} model at {@code root/<modelType>}. */
    public static Path huggingFaceDir(Path root, String modelType) throws Exception {
        Path tokenizer = Files.createDirectories(root.resolve(modelType + "-tokenizer"));
        String config;
        switch (modelType) {
            case "roberta", "xlm-roberta", "camembert" -> {
                robertaTokenizer(tokenizer);
                config =
                        "{\"model_type\":\""
                                + modelType
                                + "\",\"hidden_size\":32,\"num_hidden_layers\":2,"
                                + "\"num_attention_heads\":4,\"intermediate_size\":64,"
                                + "\"max_position_embeddings\":66,\"type_vocab_size\":1,"
                                + "\"layer_norm_eps\":1e-5}";
            }
            case "distilbert" -> {
                TinyBert.vocab(tokenizer);
                config =
                        "{\"model_type\":\"distilbert\",\"dim\":32,\"n_layers\":2,\"n_heads\":4,"
                                + "\"hidden_dim\":64,\"max_position_embeddings\":64}";
            }
            case "electra" -> {
                TinyBert.vocab(tokenizer);
                config =
                        "{\"model_type\":\"electra\",\"embedding_size\":16,\"hidden_size\":32,"
                                + "\"num_hidden_layers\":2,\"num_attention_heads\":4,"
                                + "\"intermediate_size\":64,\"max_position_embeddings\":64}";
            }
            case "modernbert" -> {
                TinyBert.vocab(tokenizer);
                config =
                        "{\"model_type\":\"modernbert\",\"hidden_size\":32,"
                                + "\"num_hidden_layers\":3,\"num_attention_heads\":4,"
                                + "\"intermediate_size\":48,\"max_position_embeddings\":64,"
                                + "\"local_attention\":8}";
            }
            case "deberta-v2" -> {
                TinyBert.vocab(tokenizer);
                config =
                        "{\"model_type\":\"deberta-v2\",\"hidden_size\":32,"
                                + "\"num_hidden_layers\":2,\"num_attention_heads\":4,"
                                + "\"intermediate_size\":64,\"max_position_embeddings\":64,"
                                + "\"type_vocab_size\":0,\"relative_attention\":true,"
                                + "\"position_buckets\":8,\"norm_rel_ebd\":\"layer_norm\","
                                + "\"share_att_key\":true,\"pos_att_type\":\"p2c|c2p\","
                                + "\"position_biased_input\":false}";
            }
            default -> throw new IllegalArgumentException(modelType);
        }
        Path configFile = root.resolve(modelType + "-config.json");
        Files.writeString(configFile, config);
        return ModelInitializer.createFromConfig(configFile, tokenizer, root.resolve(modelType), 1);
    }

    /** A RoBERTa-style tokenizer.json: {@code <s> <pad> </s> <unk> <mask>} then w0…w34. */
    public static Path robertaTokenizer(Path dir) throws Exception {
        String[] specials = {"<s>", "<pad>", "</s>", "<unk>", "<mask>"};
        StringBuilder vocab = new StringBuilder();
        StringBuilder added = new StringBuilder();
        for (int i = 0; i < specials.length; i++) {
            vocab.append(i == 0 ? "" : ",").append('"').append(specials[i]).append("\":").append(i);
            added.append(i == 0 ? "" : ",")
                    .append("{\"id\":")
                    .append(i)
                    .append(",\"content\":\"")
                    .append(specials[i])
                    .append("\",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,")
                    .append("\"normalized\":false,\"special\":true}");
        }
        for (int i = 0; i < 35; i++) {
            vocab.append(",\"w").append(i).append("\":").append(i + specials.length);
        }
        String json =
                "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":["
                        + added
                        + "],\"normalizer\":null,\"pre_tokenizer\":{\"type\":\"WhitespaceSplit\"},"
                        + "\"post_processor\":{\"type\":\"RobertaProcessing\",\"sep\":[\"</s>\",2],"
                        + "\"cls\":[\"<s>\",0],\"trim_offsets\":true,\"add_prefix_space\":false},"
                        + "\"decoder\":null,\"model\":{\"type\":\"WordLevel\",\"vocab\":{"
                        + vocab
                        + "},\"unk_token\":\"<unk>\"}}";
        Files.writeString(dir.resolve("tokenizer.json"), json);
        return dir;
    }
}
