package dev.hubtune.hub;

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
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/**
 * {@code hubtune.lock}: for each reference a project uses, the commit it resolved to and every
 * file's size and sha256, so that a later {@code pull --frozen} gets exactly the same bytes or
 * fails saying what differs.
 *
 * @param models reference text to locked entry, sorted
 */
public record LockFile(Map<String, Entry> models) {

    private static final Gson GSON =
            new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    /**
     * One locked model.
     *
     * @param commit the snapshot id
     * @param files the files, sorted by path
     */
    public record Entry(String commit, List<CachedFile> files) {
        /** Sorts and copies. */
        public Entry {
            List<CachedFile> sorted = new ArrayList<>(files);
            sorted.sort(Comparator.comparing(CachedFile::path));
            files = List.copyOf(sorted);
        }
    }

    /** Sorts and copies. */
    public LockFile {
        models = java.util.Collections.unmodifiableMap(new TreeMap<>(models));
    }

    /** Reads a lock file, or an empty one when it does not exist. */
    public static LockFile read(Path file) throws HubException {
        if (!Files.exists(file)) {
            return new LockFile(Map.of());
        }
        try {
            LockFile lock =
                    GSON.fromJson(Files.readString(file, StandardCharsets.UTF_8), LockFile.class);
            if (lock == null || lock.models() == null) {
                throw new JsonParseException("no \"models\" object");
            }
            return new LockFile(lock.models());
        } catch (IOException | JsonParseException e) {
            throw new HubException(
                    file
                            + " is not a hubtune lock file ("
                            + e.getMessage()
                            + "); fix or delete it.",
                    e);
        }
    }

    /** Writes the lock file atomically. */
    public void write(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + file.getFileName() + "." + UUID.randomUUID() + ".tmp");
        Files.writeString(tmp, GSON.toJson(this) + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The entry of a reference. */
    public Optional<Entry> entry(String ref) {
        return Optional.ofNullable(models.get(ref));
    }

    /** This lock with {@code dir} recorded under its reference. */
    public LockFile with(ModelDir dir) {
        Map<String, Entry> m = new TreeMap<>(models);
        m.put(dir.ref().text(), new Entry(dir.commit(), dir.files()));
        return new LockFile(m);
    }

    /** What differs between the locked entry and a pulled model directory (empty: identical). */
    public static List<String> differences(Entry locked, ModelDir pulled) {
        List<String> diffs = new ArrayList<>();
        if (!locked.commit().equals(pulled.commit())) {
            diffs.add("commit " + locked.commit() + " -> " + pulled.commit());
        }
        Map<String, CachedFile> now = new TreeMap<>();
        pulled.files().forEach(f -> now.put(f.path(), f));
        for (CachedFile f : locked.files()) {
            CachedFile n = now.remove(f.path());
            if (n == null) {
                diffs.add("missing " + f.path());
            } else if (n.size() != f.size() || !n.sha256().equals(f.sha256())) {
                diffs.add(
                        "changed "
                                + f.path()
                                + " (sha256 "
                                + f.sha256()
                                + " -> "
                                + n.sha256()
                                + ")");
            }
        }
        now.keySet().forEach(p -> diffs.add("new " + p));
        return diffs;
    }
}
