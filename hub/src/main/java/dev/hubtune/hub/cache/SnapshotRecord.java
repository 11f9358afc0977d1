package dev.hubtune.hub.cache;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import dev.hubtune.hub.ModelDir.CachedFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * hubtune's record of a complete snapshot: which reference and revision led to it and every file
 * with its blob, size and sha256. It is written last, atomically, so its presence means the
 * snapshot was complete; offline mode uses it to name missing files.
 *
 * @param ref the reference as the user wrote it
 * @param revision the revision name
 * @param commit the snapshot id
 * @param files the files
 */
public record SnapshotRecord(String ref, String revision, String commit, List<CachedFile> files) {

    private static final Gson GSON =
            new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    /** Copies the list. */
    public SnapshotRecord {
        files = List.copyOf(files);
    }

    /** Reads a record; empty when absent or unreadable (then the snapshot counts as unknown). */
    public static Optional<SnapshotRecord> read(Path file) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            SnapshotRecord r =
                    GSON.fromJson(
                            Files.readString(file, StandardCharsets.UTF_8), SnapshotRecord.class);
            return r == null || r.files() == null
                    ? Optional.empty()
                    : Optional.of(new SnapshotRecord(r.ref, r.revision, r.commit, r.files));
        } catch (IOException | JsonParseException e) {
            return Optional.empty();
        }
    }

    /** Writes the record atomically. */
    public void write(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling("." + file.getFileName() + "." + UUID.randomUUID() + ".tmp");
        Files.writeString(tmp, GSON.toJson(this), StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** This record with {@code more} files added (same path: the newer wins). */
    public SnapshotRecord merge(List<CachedFile> more) {
        Map<String, CachedFile> byPath = new LinkedHashMap<>();
        files.forEach(f -> byPath.put(f.path(), f));
        more.forEach(f -> byPath.put(f.path(), f));
        return new SnapshotRecord(ref, revision, commit, new ArrayList<>(byPath.values()));
    }
}
