package dev.hubtune.hub;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.hubtune.hub.cache.ArchiveUnpacker;
import dev.hubtune.hub.cache.HubCache;
import dev.hubtune.hub.cache.RepoDir;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;

/**
 * Fuzz targets for what the hub module reads from untrusted bytes: archives (zip, tar, tar.gz)
 * downloaded as models, and zoo manifests (JSON). The contract: the archive unpacks within its
 * limits or {@link HubException} (an {@link ArchiveException}) says why; the manifest parses or
 * {@link InvalidReferenceException} says why — never another exception, an out-of-memory error, or
 * a hang.
 */
@Tag("fuzz")
class HubFilesFuzzTest {

    private static final Path DIR = tempDir();

    /** Small caps, so a bomb is found in a few kilobytes and a run stays fast. */
    private static final ArchiveUnpacker.Limits LIMITS =
            new ArchiveUnpacker.Limits(1 << 20, 100, 200);

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("hubtune-fuzz-hub-files");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "30s")
    void archive(byte[] data) throws IOException {
        // The name (and so the kind the unpacker expects) is chosen by the first byte.
        String name =
                new String[] {"m.zip", "m.tar", "m.tar.gz"}
                        [data.length == 0 ? 0 : (data[0] & 0xff) % 3];
        Path cacheRoot = DIR.resolve("cache");
        deleteTree(cacheRoot);
        Path archive =
                Files.write(
                        DIR.resolve(name),
                        data.length == 0 ? data : Arrays.copyOfRange(data, 1, data.length));
        try {
            RepoDir repo = new HubCache(cacheRoot).repo("fuzz--archive");
            ArchiveUnpacker.unpack(archive, name, repo, LIMITS);
        } catch (HubException expected) {
            // documented: not an archive, damaged, over a limit, or holding links
        }
    }

    @FuzzTest(maxDuration = "30s")
    void manifest(byte[] json) {
        try {
            ModelManifest.parse(new String(json, StandardCharsets.UTF_8));
        } catch (InvalidReferenceException expected) {
            // documented
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
