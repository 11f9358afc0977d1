package dev.hubtune.finetune;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Knowledge distillation into the model being trained (Hinton et al. 2015; Tang et al. 2019 for a
 * BiLSTM student of BERT): a fine-tuned classifier, the teacher, labels every training text with
 * its class probabilities, and the student learns them — the loss is {@code T² · CE(softmax(t/T),
 * softmax(s/T))} (the KL divergence up to the teacher's entropy, a constant; {@code T²} keeps the
 * gradients' size independent of the temperature) plus {@code goldWeight ·} the cross-entropy on
 * the gold labels of the rows that have one. Texts without labels (an unlabelled file) are learnt
 * from the teacher alone: that is where a small student gains most. The student classifies into the
 * teacher's labels.
 *
 * @param teacher the teacher's model directory (a sequence classifier)
 * @param temperature the softmax temperature of both distributions (1 = the teacher's own)
 * @param goldWeight the weight of the gold-label cross-entropy (0 = the teacher only)
 *     <p>Optionally the transfer set grows by augmentation (Tang et al. 2019): copies of every text
 *     with words masked or cut to an n-gram, labelled by the teacher alone.
 * @param teacher the teacher's model directory (a sequence classifier)
 * @param temperature the softmax temperature of both distributions (1 = the teacher's own)
 * @param goldWeight the weight of the gold-label cross-entropy (0 = the teacher only)
 * @param unlabeledFile texts without labels for the teacher to label (same text column), or null
 * @param augmentedCopies augmented copies of each text for the teacher to label (0: none)
 */
public record Distillation(
        Path teacher,
        double temperature,
        double goldWeight,
        Path unlabeledFile,
        int augmentedCopies) {

    /** The default temperature. */
    public static final double DEFAULT_TEMPERATURE = 2.0;

    /**
     * The learning rate a freshly initialised student trains at by default (a pretrained
     * transformer's 5e-5 barely moves one).
     */
    public static final double DEFAULT_STUDENT_LEARNING_RATE = 1e-3;

    /** The most augmented copies per text (Tang et al. used 20 for small sets). */
    public static final int MAX_AUGMENTED_COPIES = 100;

    /** The default weight of the gold labels' cross-entropy. */
    public static final double DEFAULT_GOLD_WEIGHT = 0.5;

    /** Checks the values. */
    public Distillation {
        Objects.requireNonNull(teacher, "teacher");
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException(
                    "the temperature must be a positive number, got " + temperature);
        }
        if (!(goldWeight >= 0) || Double.isInfinite(goldWeight)) {
            throw new IllegalArgumentException(
                    "the gold-label weight must be 0 or more, got " + goldWeight);
        }
        if (augmentedCopies < 0 || augmentedCopies > MAX_AUGMENTED_COPIES) {
            throw new IllegalArgumentException(
                    "augmented copies per text must be 0 to "
                            + MAX_AUGMENTED_COPIES
                            + ", got "
                            + augmentedCopies);
        }
    }

    /** A distillation from {@code teacher} with the default temperature and gold weight. */
    public static Distillation from(Path teacher) {
        return new Distillation(teacher, DEFAULT_TEMPERATURE, DEFAULT_GOLD_WEIGHT, null, 0);
    }

    /** The same with another temperature. */
    public Distillation withTemperature(double t) {
        return new Distillation(teacher, t, goldWeight, unlabeledFile, augmentedCopies);
    }

    /** The same with another gold-label weight. */
    public Distillation withGoldWeight(double w) {
        return new Distillation(teacher, temperature, w, unlabeledFile, augmentedCopies);
    }

    /** The same with texts without labels to learn from the teacher alone. */
    public Distillation withUnlabeledFile(Path file) {
        return new Distillation(
                teacher, temperature, goldWeight, Objects.requireNonNull(file), augmentedCopies);
    }

    /**
     * The same with {@code n} augmented copies of every text (labelled and unlabelled) for the
     * teacher to label: words masked with probability 0.1, then cut to a random 1–5-gram with
     * probability 0.25 (Tang et al. 2019). Texts of pairs are not augmented.
     */
    public Distillation withAugmentedCopies(int n) {
        return new Distillation(teacher, temperature, goldWeight, unlabeledFile, n);
    }
}
