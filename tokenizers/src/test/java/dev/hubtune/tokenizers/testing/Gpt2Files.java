package dev.hubtune.tokenizers.testing;

import dev.hubtune.tokenizers.Gpt2Bytes;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes GPT-2's {@code vocab.json} and {@code merges.txt} from jtokkit's {@code r50k_base}
 * mergeable ranks (the GPT-2 encoding): each multi-byte token's merges are its splits into two
 * vocabulary tokens, ordered by the token's rank, as HF's tiktoken converter does.
 */
public final class Gpt2Files {

    private Gpt2Files() {}

    private record Merge(String left, String right, int rank) {}

    /** Writes both files into {@code dir} and returns it. */
    public static Path write(Path dir) throws IOException {
        List<String> symbols = Gpt2Bytes.symbols();
        Map<String, Integer> vocab = new LinkedHashMap<>();
        try (BufferedReader in =
                new BufferedReader(
                        new InputStreamReader(
                                Gpt2Files.class
                                        .getClassLoader()
                                        .getResourceAsStream(
                                                "com/knuddels/jtokkit/r50k_base.tiktoken"),
                                StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                String[] parts = line.split(" ");
                StringBuilder token = new StringBuilder();
                for (byte b : Base64.getDecoder().decode(parts[0])) {
                    token.append(symbols.get(b & 0xff));
                }
                vocab.put(token.toString(), Integer.parseInt(parts[1]));
            }
        }
        List<Merge> merges = new ArrayList<>();
        for (var e : vocab.entrySet()) {
            String t = e.getKey();
            List<Merge> local = new ArrayList<>();
            for (int i = 1; i < t.length(); i++) {
                String l = t.substring(0, i);
                String r = t.substring(i);
                if (vocab.containsKey(l) && vocab.containsKey(r)) {
                    local.add(new Merge(l, r, e.getValue()));
                }
            }
            local.sort(
                    Comparator.comparing((Merge m) -> vocab.get(m.left()))
                            .thenComparing(m -> vocab.get(m.right())));
            merges.addAll(local);
        }
        merges.sort(Comparator.comparingInt(Merge::rank)); // stable: keeps the per-token order
        vocab.put("<|endoftext|>", 50256);
        Files.writeString(dir.resolve("vocab.json"), new com.google.gson.Gson().toJson(vocab));
        StringBuilder m = new StringBuilder("#version: 0.2\n");
        merges.forEach(x -> m.append(x.left()).append(' ').append(x.right()).append('\n'));
        Files.writeString(dir.resolve("merges.txt"), m);
        return dir;
    }
}
