package dev.hubtune.examples;

import dev.hubtune.hub.Hub;
import dev.hubtune.hub.ModelDir;
import dev.hubtune.models.apps.Embedder;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Semantic search: embed a small help-desk FAQ with all-MiniLM-L6-v2, then rank its entries by
 * cosine similarity to a question. Run:
 *
 * <pre>
 * mvn -B -q -DskipTests -pl examples -am package
 * java -cp "examples/target/classes:examples/target/lib/*" dev.hubtune.examples.SemanticSearch "I forgot my login"
 * </pre>
 */
public final class SemanticSearch {

    static final List<String> FAQ =
            List.of(
                    "How do I reset my password?",
                    "Where can I download my invoices?",
                    "How do I cancel my subscription?",
                    "The app crashes when I open the camera.",
                    "Can I change the email address of my account?",
                    "Which payment methods do you accept?",
                    "How do I export my data?",
                    "Is there a dark mode?");

    /** A ranked answer. */
    record Hit(String entry, double score) {}

    private SemanticSearch() {}

    /** The FAQ entries ranked by similarity to {@code question}, best first. */
    static List<Hit> search(Embedder embedder, String question) throws Exception {
        List<String> texts = new ArrayList<>(FAQ);
        texts.add(question);
        float[][] vectors = embedder.embed(texts);
        float[] q = vectors[vectors.length - 1];
        List<Hit> hits = new ArrayList<>();
        for (int i = 0; i < FAQ.size(); i++) {
            double dot = 0;
            for (int k = 0; k < q.length; k++) {
                dot += q[k] * vectors[i][k]; // unit vectors: the dot product is the cosine
            }
            hits.add(new Hit(FAQ.get(i), dot));
        }
        hits.sort(Comparator.comparingDouble(Hit::score).reversed());
        return hits;
    }

    /** Prints the three best FAQ entries for the question given as arguments. */
    public static void main(String[] args) throws Exception {
        String question = args.length > 0 ? String.join(" ", args) : "I forgot my login";
        run(question, System.out);
    }

    static List<Hit> run(String question, PrintStream out) throws Exception {
        ModelDir model = Hub.builder().build().pull("all-minilm-l6-v2");
        try (Embedder embedder = Embedder.builder().setModelDir(model.path()).build()) {
            List<Hit> hits = search(embedder, question);
            out.println("Question: " + question);
            for (Hit h : hits.subList(0, 3)) {
                out.printf(Locale.ROOT, "  %.3f  %s%n", h.score(), h.entry());
            }
            return hits;
        }
    }
}
