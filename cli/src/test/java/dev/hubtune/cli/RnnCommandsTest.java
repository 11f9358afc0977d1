package dev.hubtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubtune.models.testing.TinyBert;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A recurrent classifier from the command line: init from a config, finetune, predict. */
class RnnCommandsTest {

    @TempDir Path dir;

    @Test
    void aBiGruIsInitialisedTrainedAndPredictsFromTheCommandLine() throws Exception {
        Random r = new Random(5);
        StringBuilder sb = new StringBuilder("text,label\n");
        for (int i = 0; i < 300; i++) {
            boolean a = r.nextBoolean();
            sb.append(a ? "w7 " : "w9 ")
                    .append("w")
                    .append(10 + r.nextInt(20))
                    .append(',')
                    .append(a ? "alpha" : "beta")
                    .append('\n');
        }
        Path train = Files.writeString(dir.resolve("train.csv"), sb);
        Path config =
                Files.writeString(
                        dir.resolve("rnn.json"),
                        "{\"model_type\": \"hubtune-rnn\", \"cell\": \"gru\", \"embedding_size\":"
                                + " 16, \"hidden_size\": 16, \"max_length\": 8}");
        Path model = dir.resolve("bigru");
        CliRunner init =
                CliRunner.run(
                        "init",
                        "--config",
                        config.toString(),
                        "--tokenizer",
                        TinyBert.huggingFaceDir(dir.resolve("bert")).toString(),
                        "-o",
                        model.toString());
        assertEquals(0, init.exitCode(), init.err());
        Path run = dir.resolve("run");
        CliRunner ft =
                CliRunner.run(
                        "finetune",
                        model.toString(),
                        "--train",
                        train.toString(),
                        "--max-length",
                        "8",
                        "--learning-rate",
                        "0.01",
                        "--epochs",
                        "2",
                        "-o",
                        run.toString(),
                        "-q");
        assertEquals(0, ft.exitCode(), ft.err());
        CliRunner predict = CliRunner.run("predict", run.toString(), "w7 w12");
        assertEquals(0, predict.exitCode(), predict.err());
        assertTrue(predict.out().startsWith("alpha"), predict.out());
        predict = CliRunner.run("predict", run.toString(), "w9 w12");
        assertTrue(predict.out().startsWith("beta"), predict.out());
    }
}
