package dev.hubtune.hub;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.hubtune.hub.cache.SafePaths;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A known model, as data: where to get it (sources in order of preference), where the model
 * directory sits inside what a source delivers, standard names for its files, and the files with
 * the sizes and hashes that were verified against the real bytes. Manifests are JSON resources
 * {@code hubtune-zoo/<id>.json}, listed in {@code hubtune-zoo/index.txt}.
 *
 * @param id the manifest id users type
 * @param description one line for {@code hubtune ls --manifests}
 * @param architecture the HF {@code model_type} ({@code bert}, {@code gpt2}, {@code llama}, …)
 * @param task what the model does out of the box
 * @param license the model's license
 * @param sources where to get it, preferred first
 * @param files files of the model directory known to the manifest (verified facts only)
 * @param extraFiles small JSON files the sources do not ship, by path in the model directory —
 *     {@code config.json} for a bare ONNX file (the manifest's {@code "config"}), a
 *     sentence-transformers model's {@code modules.json} and {@code 1_Pooling/config.json} (its
 *     {@code "extra_files"}) — copied from the model's own repository, written into the model
 *     directory as content-addressed files where a source lacks them
 */
public record ModelManifest(
        String id,
        String description,
        String architecture,
        String task,
        String license,
        List<Source> sources,
        List<ExpectedFile> files,
        Map<String, String> extraFiles) {

    /** Resource folder of manifests on the class path. */
    public static final String RESOURCE_DIR = "hubtune-zoo/";

    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9._-]*");

    /** Validates and copies. */
    public ModelManifest {
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("manifest id must be lower-case [a-z0-9._-]: " + id);
        }
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("manifest " + id + " has no sources");
        }
        sources = List.copyOf(sources);
        files = List.copyOf(files);
        extraFiles = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(extraFiles));
    }

    /**
     * One way to get the model.
     *
     * @param ref a model reference ({@code hf:…}, {@code maven:…}, {@code https://…})
     * @param subdir folder of the model directory inside the snapshot, if not its root
     * @param aliases standard file names (e.g. {@code tokenizer.json}) for files of the snapshot
     */
    public record Source(String ref, Optional<String> subdir, Map<String, String> aliases) {
        /** Copies the aliases. */
        public Source {
            aliases = Map.copyOf(aliases);
        }
    }

    /**
     * A file of the model directory with verified size and hash.
     *
     * @param path path in the model directory (after subdir and aliases)
     * @param size size in bytes
     * @param sha256 SHA-256, when verified
     */
    public record ExpectedFile(String path, long size, Optional<String> sha256) {}

    /** Parses and validates a manifest. */
    public static ModelManifest parse(String json) throws InvalidReferenceException {
        try {
            JsonObject o = JsonParser.parseString(json).getAsJsonObject();
            List<Source> sources = new ArrayList<>();
            for (JsonElement e : o.getAsJsonArray("sources")) {
                JsonObject s = e.getAsJsonObject();
                String ref = s.get("ref").getAsString();
                ModelRef parsed = ModelRef.parse(ref);
                if (parsed instanceof ModelRef.Manifest || parsed instanceof ModelRef.Local) {
                    throw new InvalidReferenceException(
                            "a manifest source must be hf:, maven:, pypi: or https://, not " + ref);
                }
                Optional<String> subdir = optString(s, "subdir");
                if (subdir.isPresent()) {
                    SafePaths.resolveInside(Path.of("/x"), subdir.get());
                }
                Map<String, String> aliases = new LinkedHashMap<>();
                if (s.has("aliases")) {
                    for (var a : s.getAsJsonObject("aliases").entrySet()) {
                        SafePaths.resolveInside(Path.of("/x"), a.getKey());
                        SafePaths.resolveInside(Path.of("/x"), a.getValue().getAsString());
                        aliases.put(a.getKey(), a.getValue().getAsString());
                    }
                }
                sources.add(new Source(ref, subdir, aliases));
            }
            List<ExpectedFile> files = new ArrayList<>();
            if (o.has("files")) {
                for (JsonElement e : o.getAsJsonArray("files")) {
                    JsonObject f = e.getAsJsonObject();
                    String path = f.get("path").getAsString();
                    SafePaths.resolveInside(Path.of("/x"), path);
                    Optional<String> sha = optString(f, "sha256");
                    if (sha.isPresent() && !sha.get().matches("[0-9a-f]{64}")) {
                        throw new InvalidReferenceException(
                                "bad sha256 for " + path + ": " + sha.get());
                    }
                    files.add(new ExpectedFile(path, f.get("size").getAsLong(), sha));
                }
            }
            Map<String, String> extra = new LinkedHashMap<>();
            var gson = new com.google.gson.GsonBuilder().setPrettyPrinting().create();
            if (o.has("config")) {
                if (!o.get("config").isJsonObject()) {
                    throw new InvalidReferenceException(
                            "manifest \"config\" must be a JSON object (an HF config.json)");
                }
                extra.put("config.json", gson.toJson(o.get("config")) + "\n");
            }
            if (o.has("extra_files")) {
                for (var f : o.getAsJsonObject("extra_files").entrySet()) {
                    SafePaths.resolveInside(Path.of("/x"), f.getKey());
                    if (!f.getKey().endsWith(".json") || extra.containsKey(f.getKey())) {
                        throw new InvalidReferenceException(
                                "manifest extra_files: "
                                        + f.getKey()
                                        + " must be a .json path given once");
                    }
                    extra.put(f.getKey(), gson.toJson(f.getValue()) + "\n");
                }
            }
            return new ModelManifest(
                    o.get("id").getAsString(),
                    o.get("description").getAsString(),
                    o.get("architecture").getAsString(),
                    o.get("task").getAsString(),
                    o.get("license").getAsString(),
                    sources,
                    files,
                    extra);
        } catch (JsonParseException
                | IllegalStateException
                | NullPointerException
                // a field of another JSON type than the manifest's (an object where a string is)
                | ClassCastException
                | UnsupportedOperationException e) {
            throw new InvalidReferenceException(
                    "not a valid hubtune manifest ("
                            + e
                            + "); required: id, description,"
                            + " architecture, task, license, sources[{ref, subdir?, aliases?}],"
                            + " files[{path, size, sha256?}]?, config?, extra_files?");
        } catch (IllegalArgumentException e) {
            throw new InvalidReferenceException("not a valid hubtune manifest: " + e.getMessage());
        }
    }

    /** The manifest {@code id} from the class path, if there is one. */
    public static Optional<ModelManifest> load(String id, ClassLoader loader)
            throws InvalidReferenceException {
        try (InputStream in = loader.getResourceAsStream(RESOURCE_DIR + id + ".json")) {
            if (in == null) {
                return Optional.empty();
            }
            return Optional.of(parse(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new InvalidReferenceException(
                    "cannot read manifest " + id + ": " + e.getMessage());
        }
    }

    /** Ids of the manifests on the class path (from {@code hubtune-zoo/index.txt}). */
    public static List<String> ids(ClassLoader loader) throws IOException {
        List<String> ids = new ArrayList<>();
        try (InputStream in = loader.getResourceAsStream(RESOURCE_DIR + "index.txt")) {
            if (in == null) {
                return ids;
            }
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String t = line.trim();
                if (!t.isEmpty() && !t.startsWith("#")) {
                    ids.add(t);
                }
            }
        }
        return ids;
    }

    private static Optional<String> optString(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? Optional.empty() : Optional.of(e.getAsString());
    }
}
