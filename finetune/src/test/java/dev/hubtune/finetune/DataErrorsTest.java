package dev.hubtune.finetune;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 24 item 10: data errors found while a task is prepared name the file they are in — a
 * validation label training never saw names the validation file; an empty label cell names its
 * line.
 */
class DataErrorsTest {

    @Test
    void anUnseenValidationLabelNamesTheValidationFile(@TempDir Path dir) throws Exception {
        ResumeTest.data("classification", dir);
        Path validation =
                Files.writeString(
                        dir.resolve("held-out.csv"), "text,label\nw1 w7,pos\nw2 w3,surprise\n");
        FinetuneException e =
                assertThrows(
                        FinetuneException.class,
                        () -> trainer(dir, dir.resolve("train.csv"), validation).train());
        assertTrue(
                e.getMessage().contains("the validation file " + validation)
                        && e.getMessage().contains("'surprise' at line 3")
                        && e.getMessage().contains("never occurs in the training data"),
                e.getMessage());
    }

    @Test
    void anEmptyLabelCellInTrainingNamesItsLine(@TempDir Path dir) throws Exception {
        ResumeTest.data("classification", dir);
        Path train = dir.resolve("train.csv");
        Files.writeString(train, Files.readString(train) + "a text without a label,\n");
        long line = Files.readAllLines(train).size();
        FinetuneException e =
                assertThrows(FinetuneException.class, () -> trainer(dir, train, null).train());
        assertTrue(
                e.getMessage().contains("line " + line) && e.getMessage().contains("empty 'label'"),
                e.getMessage());
    }

    private static ClassifierTrainer trainer(Path dir, Path train, Path validation) {
        ClassifierTrainer.Builder b =
                ClassifierTrainer.builder()
                        .setModelDir(dir.resolve("bert/tiny-bert"))
                        .setTrainFile(train)
                        .setTextColumn("text")
                        .setLabelColumn("label")
                        .setOutputDir(dir.resolve("run"))
                        .optMaxSteps(1)
                        .optMaxLength(16);
        if (validation != null) {
            b.optValidationFile(validation);
        }
        return b.build();
    }
}
