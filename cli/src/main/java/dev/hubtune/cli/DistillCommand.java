package dev.hubtune.cli;

import dev.hubtune.finetune.ClassificationMetrics;
import dev.hubtune.finetune.ClassifierTrainer;
import dev.hubtune.finetune.Distillation;
import dev.hubtune.finetune.FinetuneException;
import dev.hubtune.finetune.TrainingReport;
import dev.hubtune.hub.HubException;
import dev.hubtune.hub.cache.FileTrees;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.init.ModelInitializer;
import dev.hubtune.models.init.TeacherEmbeddings;
import dev.hubtune.tokenizers.TokenizerException;
import dev.hubtune.tokenizers.data.DatasetReader;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code hubtune distill TEACHER --student bilstm --train FILE -o DIR}: a small recurrent student
 * learns a fine-tuned classifier's probabilities (see {@link Distillation}).
 */
@Command(
        name = "distill",
        mixinStandardHelpOptions = true,
        description = {
            "Distil a fine-tuned classifier (the teacher) into a small BiLSTM or BiGRU (the"
                    + " student, created with the teacher's tokenizer): the student learns the"
                    + " teacher's probabilities at a temperature on the training texts and on"
                    + " --unlabeled texts, plus the gold labels where there are some.",
            "The student is exported to OUTPUT/model (hubtune predict, DJL) with the teacher's"
                    + " labels; OUTPUT/student-init is the student before training."
        })
final class DistillCommand implements Callable<Integer> {

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Mixin CommonOptions common;

    @Mixin DatasetColumns columns;

    @Parameters(
            index = "0",
            paramLabel = "TEACHER",
            description = "The fine-tuned classifier: a run directory, its model/, or a model id.")
    String teacher;

    @Option(
            names = "--student",
            defaultValue = "bilstm",
            paramLabel = "CELL",
            description =
                    "bilstm (default) or bigru: embedding 128, one bidirectional layer of 128.")
    String student;

    @Option(
            names = "--student-embeddings",
            defaultValue = "random",
            paramLabel = "FROM",
            description =
                    "random (default) or teacher: the student's token embedding starts from the"
                            + " teacher's, reduced to the student's 128 dimensions by PCA (the"
                            + " teacher must be at least 128 wide).")
    String studentEmbeddings;

    @Option(
            names = "--augment",
            converter = OptionValues.NonNegative.class,
            paramLabel = "N",
            description =
                    "Augmented copies of every text for the teacher to label (Tang et al. 2019:"
                            + " words masked with p 0.1, then cut to a 1–5-gram with p 0.25;"
                            + " default 0, at most 100).")
    Integer augment;

    @Option(
            names = "--train",
            required = true,
            paramLabel = "FILE",
            description = "Labelled training data (.csv, .tsv, .jsonl).")
    Path train;

    @Option(
            names = "--unlabeled",
            paramLabel = "FILE",
            description = "Texts without labels (the same text column) for the teacher to label.")
    Path unlabeled;

    @Option(
            names = "--validation",
            paramLabel = "FILE",
            description = "Labelled validation data (default: a seeded 20%% of --train).")
    Path validation;

    @Option(
            names = {"-o", "--output"},
            required = true,
            converter = OptionValues.OutputDirectory.class,
            paramLabel = "DIR",
            description = "Run directory (student-init/, metrics, model/).")
    Path output;

    @Option(
            names = "--temperature",
            converter = OptionValues.PositiveNumber.class,
            paramLabel = "T",
            description =
                    "Softmax temperature of teacher and student (default: "
                            + Distillation.DEFAULT_TEMPERATURE
                            + ").")
    Double temperature;

    @Option(
            names = "--gold-weight",
            paramLabel = "W",
            description =
                    "Weight of the gold labels' cross-entropy (default: "
                            + Distillation.DEFAULT_GOLD_WEIGHT
                            + "; 0 learns from the teacher only).")
    Double goldWeight;

    @Option(
            names = "--epochs",
            converter = OptionValues.Positive.class,
            paramLabel = "N",
            description =
                    "Epochs (default: " + dev.hubtune.finetune.TrainerBuilder.DEFAULT_EPOCHS + ").")
    Integer epochs;

    @Option(
            names = "--learning-rate",
            converter = OptionValues.LearningRate.class,
            paramLabel = "LR",
            description =
                    "Peak learning rate (default: "
                            + Distillation.DEFAULT_STUDENT_LEARNING_RATE
                            + ", for a fresh student).")
    Double learningRate;

    @Option(
            names = "--batch-size",
            converter = OptionValues.Positive.class,
            paramLabel = "N",
            description = "Sequences per step.")
    Integer batchSize;

    @Option(
            names = "--max-length",
            converter = OptionValues.Positive.class,
            paramLabel = "N",
            description = "Tokens per text (default: the student's 128).")
    Integer maxLength;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the student and the data.")
    Long seed;

    @Option(
            names = "--threads",
            converter = OptionValues.NonNegative.class,
            paramLabel = "N",
            description = "TensorFlow threads (0: all).")
    Integer threads;

    @Option(names = "--overwrite", description = "Replace an earlier run in OUTPUT.")
    boolean overwrite;

    @Option(names = "--resume", description = "Continue the run in OUTPUT from its checkpoint.")
    boolean resume;

    @Override
    public Integer call()
            throws HubException, FinetuneException, ModelException, TokenizerException {
        if (!student.equals("bilstm") && !student.equals("bigru")) {
            throw new UserException(
                    "--student "
                            + student
                            + " is not a student hubtune builds; use bilstm or bigru");
        }
        if (!studentEmbeddings.equals("random") && !studentEmbeddings.equals("teacher")) {
            throw new UserException(
                    "--student-embeddings "
                            + studentEmbeddings
                            + " is not a source of embeddings; use random or teacher");
        }
        // the data files first: a mistyped path costs nothing and leaves no student behind
        for (Path file : new Path[] {train, unlabeled, validation}) {
            if (file != null) {
                openable(file);
            }
        }
        Path teacherDir = common.model(teacher);
        checkTeacher(teacherDir);
        Distillation d = Distillation.from(teacherDir);
        try {
            if (temperature != null) {
                d = d.withTemperature(temperature);
            }
            if (goldWeight != null) {
                d = d.withGoldWeight(goldWeight);
            }
            if (augment != null) {
                d = d.withAugmentedCopies(augment);
            }
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
        if (unlabeled != null) {
            d = d.withUnlabeledFile(unlabeled);
        }
        // The student is created once, with the teacher's tokenizer; a resumed or overwriting
        // run trains the same initial student again.
        Path init = output.resolve("student-init");
        if (!Files.isRegularFile(init.resolve("config.json"))) {
            createStudent(teacherDir, init);
        }
        ClassifierTrainer.Builder b =
                ClassifierTrainer.builder()
                        .setModelDir(init)
                        .setTrainFile(train)
                        .setTextColumn(columns.text())
                        .setLabelColumn(columns.label())
                        .setOutputDir(output)
                        .optDistillation(d)
                        .optLearningRate(
                                learningRate == null
                                        ? Distillation.DEFAULT_STUDENT_LEARNING_RATE
                                        : learningRate)
                        .optOverwrite(overwrite)
                        .optResume(resume);
        try {
            if (epochs != null) {
                b.optEpochs(epochs);
            }
            if (columns.pair != null) {
                b.optTextPairColumn(columns.pair);
            }
            if (validation != null) {
                b.optValidationFile(validation);
            }
            if (batchSize != null) {
                b.optBatchSize(batchSize);
            }
            if (maxLength != null) {
                b.optMaxLength(maxLength);
            }
            if (seed != null) {
                b.optSeed(seed);
            }
            if (threads != null) {
                b.optThreads(threads);
            }
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
        if (!common.quiet && !common.json) {
            b.optListener(
                    new FinetuneCommand.TrainingProgress(
                            spec.commandLine().getErr(), System.console() != null));
        }
        TrainingReport<ClassificationMetrics> report = b.build().train();
        PrintWriter out = spec.commandLine().getOut();
        if (common.json) {
            out.println(Json.GSON.toJson(report));
            return Hubtune.EXIT_OK;
        }
        out.printf(
                Locale.ROOT,
                "student (%s) best: step %d, %s; %,d parameters%n",
                student,
                report.best().step(),
                report.best().metrics().summary(),
                report.totalParameters());
        out.println(report.exported());
        return Hubtune.EXIT_OK;
    }

    /** Opens {@code file} as the training will (it exists, has a header and the text column). */
    private void openable(Path file) throws TokenizerException {
        try (DatasetReader reader =
                DatasetReader.builder().setFile(file).setTextColumn(columns.text()).build()) {
            // opened: the reader checked what it could before any record
        } catch (java.io.IOException e) {
            throw new UserException("could not read " + file + ": " + e.getMessage());
        }
    }

    /**
     * Creates the initial student in a folder beside {@code init} and renames it into place only
     * when complete, so a failure (a teacher too narrow for its embeddings, a full disk) leaves no
     * half-made student that a rerun would take as it is.
     */
    private void createStudent(Path teacherDir, Path init)
            throws ModelException, TokenizerException {
        Path partial = init.resolveSibling(".student-init.partial");
        try {
            FileTrees.deleteTree(partial);
            ModelInitializer.create(student, teacherDir, partial, seed == null ? 0 : seed);
            if (studentEmbeddings.equals("teacher")) {
                try {
                    TeacherEmbeddings.copyInto(partial, teacherDir);
                } catch (ModelException e) {
                    throw new UserException(
                            "--student-embeddings teacher: "
                                    + e.getMessage()
                                    + "; use --student-embeddings random with this teacher");
                }
            }
            // a student-init without config.json is a half-made student, never a finished one
            FileTrees.deleteTree(init);
            Files.move(partial, init, StandardCopyOption.ATOMIC_MOVE);
        } catch (java.io.IOException e) {
            throw new UserException("could not create the student in " + init + ": " + e);
        } finally {
            try {
                FileTrees.deleteTree(partial);
            } catch (java.io.IOException e) {
                // a leftover partial student is replaced by the next run
            }
        }
    }

    /**
     * A single-label classifier, before the student is created or any data is read — from the
     * config alone: the teacher's weights are loaded once, by the training.
     */
    private static void checkTeacher(Path dir) {
        try {
            dev.hubtune.models.family.PretrainedModel m =
                    dev.hubtune.models.family.ModelFamilies.describe(dir);
            m.require(dev.hubtune.models.family.ModelTask.SEQUENCE_CLASSIFICATION);
            var type =
                    dev.hubtune.models.export.ExportMetadata.Outputs.read(m.json())
                            .map(dev.hubtune.models.export.ExportMetadata.Outputs::problemType)
                            .orElse(
                                    dev.hubtune.models.export.ExportMetadata.ProblemType
                                            .SINGLE_LABEL_CLASSIFICATION);
            if (type
                    != dev.hubtune.models.export.ExportMetadata.ProblemType
                            .SINGLE_LABEL_CLASSIFICATION) {
                throw new UserException(
                        dir
                                + " is a "
                                + type.configName()
                                + " model; distill a single-label classifier");
            }
        } catch (ModelException e) {
            throw new UserException(
                    dir + " is not a classifier hubtune can distil: " + e.getMessage());
        }
    }
}
