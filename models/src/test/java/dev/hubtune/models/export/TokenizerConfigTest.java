package dev.hubtune.models.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An export whose source has no {@code tokenizer_config.json} gets one that says what hubtune's
 * tokenizer does, where transformers' tokenizer classes would default otherwise (the end-to-end
 * proof for a cased BERT is {@code ExportsInTransformersTest}).
 */
class TokenizerConfigTest {

    @TempDir Path dir;

    private JsonObject written(Path d) throws Exception {
        ExportDirectory.writeTokenizerConfig(d);
        return JsonParser.parseString(Files.readString(d.resolve("tokenizer_config.json")))
                .getAsJsonObject();
    }

    @Test
    void aVocabTxtSaysWhetherItIsCased() throws Exception {
        Path cased = Files.createDirectories(dir.resolve("cased"));
        Files.writeString(cased.resolve("vocab.txt"), "[PAD]\n[UNK]\n[CLS]\n[SEP]\nParis\n##is\n");
        assertFalse(written(cased).get("do_lower_case").getAsBoolean());
        Path uncased = Files.createDirectories(dir.resolve("uncased"));
        Files.writeString(uncased.resolve("vocab.txt"), "[PAD]\n[UNK]\n[CLS]\n[SEP]\nparis\n");
        assertEquals(true, written(uncased).get("do_lower_case").getAsBoolean());
    }

    @Test
    void aTokenizerJsonSaysItsCasingPrefixSpaceAndOffsets() throws Exception {
        Path bert = Files.createDirectories(dir.resolve("bert"));
        Files.writeString(
                bert.resolve("tokenizer.json"),
                "{\"normalizer\": {\"type\": \"BertNormalizer\", \"lowercase\": false,"
                        + " \"handle_chinese_chars\": true, \"strip_accents\": null}}");
        JsonObject b = written(bert);
        assertFalse(b.get("do_lower_case").getAsBoolean());
        assertFalse(b.has("strip_accents"));
        Path roberta = Files.createDirectories(dir.resolve("roberta"));
        Files.writeString(
                roberta.resolve("tokenizer.json"),
                "{\"normalizer\": null, \"pre_tokenizer\": {\"type\": \"Sequence\","
                        + " \"pretokenizers\": [{\"type\": \"ByteLevel\", \"add_prefix_space\":"
                        + " true}]}, \"post_processor\": {\"type\": \"RobertaProcessing\","
                        + " \"trim_offsets\": false}}");
        JsonObject r = written(roberta);
        assertEquals(true, r.get("add_prefix_space").getAsBoolean());
        assertFalse(r.get("trim_offsets").getAsBoolean());
        assertFalse(r.has("do_lower_case"));
    }

    @Test
    void anExistingConfigIsKept() throws Exception {
        Path d = Files.createDirectories(dir.resolve("kept"));
        Files.writeString(d.resolve("vocab.txt"), "[PAD]\nParis\n");
        Files.writeString(d.resolve("tokenizer_config.json"), "{\"do_lower_case\": true}");
        assertEquals(true, written(d).get("do_lower_case").getAsBoolean());
    }
}
