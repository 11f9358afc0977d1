package dev.hubtune.models.family;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.hubtune.hub.HubtuneHome;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.weights.Gguf;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;

/**
 * A GGUF file seen as the HF model directory it was converted from: {@code config.json} and the
 * tokenizer files its family derives from the GGUF's metadata, next to a link to the file itself,
 * in a folder of the hubtune home ({@code <home>/gguf/<name>-<id>/}). The folder is written once
 * (under a temporary name, then renamed) and reused while the file is unchanged; the hub's cache is
 * never written to.
 */
final class GgufDirectories {

    private GgufDirectories() {}

    /** The directory standing for {@code file}, created if needed. */
    static Path of(Path file) throws ModelException {
        Path real;
        try {
            real = file.toRealPath();
        } catch (IOException e) {
            throw new ModelException("cannot read " + file + ": " + e.getMessage(), e);
        }
        Path root = HubtuneHome.fromEnvironment().root().resolve("gguf");
        Path target = root.resolve(stem(file) + "-" + id(real));
        if (Files.isRegularFile(target.resolve("config.json"))) {
            return target;
        }
        Map<String, JsonObject> files;
        try (Gguf gguf = Gguf.open(real)) {
            Object arch = gguf.metadata().get("general.architecture");
            ModelFamily family = null;
            for (ModelFamily f : ModelFamilies.all()) {
                if (f.ggufArchitectures().contains(String.valueOf(arch))) {
                    family = f;
                }
            }
            if (family == null) {
                throw new ModelException(
                        file
                                + " is a GGUF of architecture '"
                                + arch
                                + "', which hubtune does not read from GGUF");
            }
            files = family.ggufFiles(gguf);
        }
        Path tmp = root.resolve(".tmp-" + UUID.randomUUID());
        try {
            Files.createDirectories(tmp);
            for (var e : files.entrySet()) {
                Files.writeString(
                        tmp.resolve(e.getKey()),
                        new GsonBuilder()
                                        .setPrettyPrinting()
                                        .disableHtmlEscaping()
                                        .serializeNulls()
                                        .create()
                                        .toJson(e.getValue())
                                + "\n",
                        StandardCharsets.UTF_8);
            }
            // Named as the file was (a cache's blob has only a hash for a name), pointing at the
            // data.
            Files.createSymbolicLink(tmp.resolve(file.getFileName().toString()), real);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException raced) {
                // another process described the same file first: use its folder
            } catch (AtomicMoveNotSupportedException e) {
                throw new ModelException(
                        "the hubtune home cannot rename atomically; set HUBTUNE_HOME to a local disk",
                        e);
            }
            return target;
        } catch (IOException e) {
            throw new ModelException(
                    "cannot describe " + file + " under " + root + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(tmp);
        }
    }

    private static String stem(Path file) {
        String name = file.getFileName().toString();
        return name.endsWith(".gguf") ? name.substring(0, name.length() - 5) : name;
    }

    /** Identifies the file's content cheaply: its path, size and modification time. */
    private static String id(Path file) throws ModelException {
        try {
            String key =
                    file
                            + "|"
                            + Files.size(file)
                            + "|"
                            + Files.getLastModifiedTime(file).toMillis();
            byte[] d =
                    MessageDigest.getInstance("SHA-256")
                            .digest(key.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 6);
        } catch (IOException | java.security.NoSuchAlgorithmException e) {
            throw new ModelException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static void deleteQuietly(Path dir) {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // a leftover temporary folder is harmless
        }
    }
}
