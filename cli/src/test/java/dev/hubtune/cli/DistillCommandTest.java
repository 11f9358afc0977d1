package dev.hubtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubtune.models.testing.TinyBert;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code hubtune distill}: a fine-tuned BERT teaches a BiGRU student, which then predicts. */
class DistillCommandTest {

    @TempDir Path dir;

    private Path data(String name, int rows, long seed, boolean labels) throws Exception {
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder(labels ? "text,label\n" : "text\n");
        for (int i = 0; i < rows; i++) {
            boolean a = r.nextBoolean();
            sb.append(a ? "w7 " : "w9 ").append("w").append(10 + r.nextInt(20));
            sb.append(labels ? (a ? ",alpha\n" : ",beta\n") : "\n");
        }
        return Files.writeString(dir.resolve(name), sb);
    }

    @Tag("slow")
    @Test
    void aFineTunedBertTeachesABiGruThatPredictsItsLabels() throws Exception {
        Path teacherRun = dir.resolve("teacher");
        CliRunner teacher =
                CliRunner.run(
                        "finetune",
                        TinyBert.huggingFaceDir(dir.resolve("bert")).toString(),
                        "--train",
                        data("train.csv", 300, 5, true).toString(),
                        "--max-length",
                        "8",
                        "--learning-rate",
                        "0.002",
                        "--epochs",
                        "2",
                        "-o",
                        teacherRun.toString(),
                        "--quiet");
        assertEquals(0, teacher.exitCode(), teacher.err());
        Path run = dir.resolve("student");
        CliRunner distill =
                CliRunner.run(
                        "distill",
                        teacherRun.toString(),
                        "--student",
                        "bigru",
                        "--train",
                        data("few.csv", 20, 6, true).toString(),
                        "--unlabeled",
                        data("texts.csv", 300, 7, false).toString(),
                        "--validation",
                        data("val.csv", 100, 8, true).toString(),
                        "--max-length",
                        "8",
                        "--learning-rate",
                        "0.01",
                        "--epochs",
                        "3",
                        "-o",
                        run.toString(),
                        "--quiet");
        assertEquals(0, distill.exitCode(), distill.err());
        assertTrue(distill.out().contains("student (bigru) best"), distill.out());
        assertTrue(Files.isRegularFile(run.resolve("student-init/config.json")));
        CliRunner predict = CliRunner.run("predict", run.toString(), "w7 w15", "w9 w22");
        assertEquals(0, predict.exitCode(), predict.err());
        String[] lines = predict.out().strip().split("\n");
        assertTrue(lines[0].startsWith("alpha") && lines[1].startsWith("beta"), predict.out());
    }

    @Test
    void badInputIsOneLineBeforeAnyWork() throws Exception {
        CliRunner noStudent =
                CliRunner.run(
                        "distill",
                        dir.toString(),
                        "--student",
                        "transformer",
                        "--train",
                        "x.csv",
                        "-o",
                        dir.resolve("o").toString());
        assertEquals(1, noStudent.exitCode());
        assertTrue(noStudent.err().contains("use bilstm or bigru"), noStudent.err());
        Path notAModel = Files.createDirectories(dir.resolve("empty"));
        Path train = data("train.csv", 10, 1, true);
        CliRunner noData =
                CliRunner.run(
                        "distill",
                        notAModel.toString(),
                        "--train",
                        dir.resolve("typo.csv").toString(),
                        "-o",
                        dir.resolve("o1").toString());
        assertEquals(1, noData.exitCode(), noData.err());
        assertTrue(noData.err().contains("no dataset file at"), noData.err());
        assertTrue(!Files.exists(dir.resolve("o1")), "nothing written for a missing file");
        CliRunner noTeacher =
                CliRunner.run(
                        "distill",
                        notAModel.toString(),
                        "--train",
                        train.toString(),
                        "-o",
                        dir.resolve("o2").toString());
        assertEquals(1, noTeacher.exitCode(), noTeacher.err());
        assertTrue(!Files.exists(dir.resolve("o2")), "nothing written for a bad teacher");
        CliRunner noSource =
                CliRunner.run(
                        "distill",
                        dir.toString(),
                        "--student-embeddings",
                        "glove",
                        "--train",
                        "x.csv",
                        "-o",
                        dir.resolve("o3").toString());
        assertEquals(1, noSource.exitCode());
        assertTrue(noSource.err().contains("use random or teacher"), noSource.err());
    }

    @Test
    void aTeacherNarrowerThanTheStudentsEmbeddingIsRefusedAndLeavesNoStudent() throws Exception {
        // the tiny BERT is 32 wide, the bilstm student's embedding 128
        Path out = dir.resolve("run");
        CliRunner narrow =
                CliRunner.run(
                        "distill",
                        TinyBert.huggingFaceDir(dir.resolve("bert")).toString(),
                        "--student-embeddings",
                        "teacher",
                        "--train",
                        data("train.csv", 10, 1, true).toString(),
                        "-o",
                        out.toString());
        assertEquals(1, narrow.exitCode(), narrow.err());
        assertTrue(
                narrow.err().contains("needs embedding_size ≤ 32")
                        && narrow.err().contains("--student-embeddings random"),
                narrow.err());
        assertEquals(1, narrow.err().strip().lines().count(), narrow.err());
        assertTrue(!Files.exists(out.resolve("student-init")), "no student taken for complete");
        assertTrue(!Files.exists(out.resolve(".student-init.partial")), "no partial student");
    }
}
