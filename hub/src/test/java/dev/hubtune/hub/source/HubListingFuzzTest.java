package dev.hubtune.hub.source;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.hubtune.hub.HubException;
import dev.hubtune.hub.ModelRef;
import dev.hubtune.hub.cache.HubCache;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Tag;

/**
 * Fuzz target for the Hub's JSON listing of a repository (what {@code /api/models/…/revision/…}
 * answers: commit, files, sizes, LFS hashes), which a mirror or a man in the middle controls. The
 * contract: a plan comes back, or {@link HubException} says the listing is malformed — never
 * another exception (a NumberFormatException from a size, a ClassCastException from a field of the
 * wrong type), an out-of-memory error or a hang; and no planned file escapes the snapshot.
 */
@Tag("fuzz")
class HubListingFuzzTest {

    private static final HuggingFaceSource SOURCE = source();
    private static final URI API =
            URI.create("https://hub.example/api/models/acme/m/revision/main");

    private static HuggingFaceSource source() {
        try {
            return new HuggingFaceSource(
                    null,
                    URI.create("https://hub.example/hf"),
                    Optional.empty(),
                    new HubCache(Files.createTempDirectory("hubtune-fuzz-hub")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "30s")
    void listing(byte[] data) throws HubException {
        String body = new String(data, StandardCharsets.UTF_8);
        boolean include = data.length % 2 == 1; // with and without --include
        ModelRef.HuggingFace ref = (ModelRef.HuggingFace) ModelRef.parse("hf:acme/m");
        try {
            Plan plan =
                    SOURCE.plan(body, API, ref, include ? List.of("*.json") : List.of(), List.of());
            for (PlannedFile f : plan.files()) {
                f.request().path();
            }
        } catch (HubException expected) {
            // documented: a one-line message saying the listing is malformed
        }
    }
}
