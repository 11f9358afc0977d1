package dev.hubtune.bench;

import com.google.gson.Gson;
import dev.hubtune.models.apps.TextClassifier;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A new JVM that loads an exported classifier and classifies one text, then a batch of 32 — the
 * counterpart of {@code bench/peers/torch_cold_start.py}: {@code MODEL_DIR TEXT LENGTH}. Prints
 * {@code first LABEL} as soon as the first prediction is made (the harness times the process from
 * its start to this line), then one JSON object with the process's peak resident memory.
 */
public final class ColdStartProbe {

    private ColdStartProbe() {}

    /** Runs one probe. */
    public static void main(String[] args) throws Exception {
        String text = args[1];
        try (TextClassifier classifier =
                TextClassifier.load(Path.of(args[0]), Integer.parseInt(args[2]))) {
            System.out.println("first " + classifier.predict(List.of(text)).get(0).label());
            System.out.flush();
            classifier.predict(Collections.nCopies(32, text));
        }
        System.out.println(new Gson().toJson(Map.of("peak_rss_mb", TrainingProbe.peakRssMb())));
    }
}
