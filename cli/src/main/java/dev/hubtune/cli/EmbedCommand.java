package dev.hubtune.cli;

import dev.hubtune.hub.HubException;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.apps.Embedder;
import dev.hubtune.tokenizers.TokenizerException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code hubtune embed REF TEXT…}: sentence embeddings, and their cosine similarities. */
@Command(
        name = "embed",
        mixinStandardHelpOptions = true,
        description =
                "Sentence embeddings of each TEXT (mean pooling, unit length) and the cosine similarity of every pair.")
final class EmbedCommand implements Callable<Integer> {

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Mixin CommonOptions common;

    @Parameters(
            index = "0",
            paramLabel = "REF",
            description = "A BERT-family model, e.g. all-minilm-l6-v2.")
    String ref;

    @Parameters(
            index = "1..*",
            arity = "1..*",
            paramLabel = "TEXT",
            description = "Texts to embed.")
    List<String> texts;

    @Option(
            names = "--adapter",
            paramLabel = "DIR",
            description = "A PEFT LoRA adapter to apply over the model (REF is its base).")
    java.nio.file.Path adapter;

    @Option(
            names = "--no-normalize",
            description = "Keep the pooled vectors as they are (not scaled to unit length).")
    boolean noNormalize;

    @Override
    public Integer call() throws HubException, ModelException, TokenizerException {
        java.nio.file.Path dir = common.model(ref);
        float[][] vectors;
        try (Embedder embedder = embedder(dir)) {
            vectors = embedder.embed(texts);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (common.json) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (int i = 0; i < texts.size(); i++) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("text", texts.get(i));
                row.put("embedding", vectors[i]);
                rows.add(row);
            }
            out.println(Json.GSON.toJson(rows));
            return Hubtune.EXIT_OK;
        }
        for (int i = 0; i < texts.size(); i++) {
            StringBuilder head = new StringBuilder();
            for (int k = 0; k < Math.min(6, vectors[i].length); k++) {
                head.append(String.format(Locale.ROOT, "%+.4f ", vectors[i][k]));
            }
            out.printf("[%d] %s%n    %d dims: %s…%n", i, texts.get(i), vectors[i].length, head);
        }
        if (texts.size() > 1) {
            out.println("cosine similarity:");
            for (int i = 0; i < texts.size(); i++) {
                for (int j = i + 1; j < texts.size(); j++) {
                    out.printf(
                            Locale.ROOT,
                            "  [%d]·[%d] = %.4f%n",
                            i,
                            j,
                            cosine(vectors[i], vectors[j]));
                }
            }
        }
        return Hubtune.EXIT_OK;
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    private Embedder embedder(java.nio.file.Path dir) throws ModelException, TokenizerException {
        Embedder.Builder b = Embedder.builder().setModelDir(dir).optNormalize(!noNormalize);
        if (adapter != null) {
            b.optAdapter(adapter);
        }
        return b.build();
    }
}
