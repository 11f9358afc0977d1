package dev.hubtune.hub.source;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.hubtune.hub.HubException;
import dev.hubtune.hub.ModelNotFoundException.What;
import dev.hubtune.hub.ModelRef;
import dev.hubtune.hub.cache.BlobDownloader;
import dev.hubtune.hub.cache.ContentHash;
import dev.hubtune.hub.cache.HubCache;
import dev.hubtune.hub.cache.SafePaths;
import dev.hubtune.hub.http.HttpErrors;
import dev.hubtune.hub.http.HttpTransport;
import dev.hubtune.hub.http.Urls;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Hugging Face Hub HTTP API: {@code GET /api/models/{id}/revision/{rev}?blobs=true} gives the
 * commit and every file with its size and hash (LFS sha256, else the git blob id); files come from
 * {@code /{id}/resolve/{commit}/{path}}, usually redirected to a CDN.
 */
public final class HuggingFaceSource {

    /** Formats hubtune cannot load; skipped unless included explicitly. */
    public static final List<String> ALWAYS_SKIPPED =
            List.of(
                    "*.msgpack",
                    "*.h5",
                    "*.ot",
                    "*.tflite",
                    "*.mlmodel",
                    "*.mlpackage/*",
                    "*.gguf");

    /** PyTorch pickles, skipped when the repository also has safetensors. */
    public static final List<String> SKIPPED_WITH_SAFETENSORS = List.of("*.bin", "*.pt", "*.pth");

    private final HttpTransport http;
    private final URI endpoint;
    private final Optional<String> token;
    private final HubCache cache;

    /**
     * A source for the hub at {@code endpoint} (e.g. https://huggingface.co, or a mirror with a
     * path such as https://host/hf: every API path is appended to it, as huggingface_hub does).
     */
    public HuggingFaceSource(
            HttpTransport http, URI endpoint, Optional<String> token, HubCache cache) {
        this.http = http;
        String e = endpoint.toString();
        this.endpoint = URI.create(e.endsWith("/") ? e.substring(0, e.length() - 1) : e);
        this.token = token;
        this.cache = cache;
    }

    /** {@code endpoint + path}; {@link URI#resolve} would drop a mirror's path prefix. */
    private URI at(String path) {
        return URI.create(endpoint + path);
    }

    /** Resolves the revision to a commit and lists the files to download. */
    public Plan plan(ModelRef.HuggingFace ref, List<String> include, List<String> exclude)
            throws IOException, HubException {
        URI api =
                at(
                        "/api/models/"
                                + ref.repoId()
                                + "/revision/"
                                + URLEncoder.encode(ref.revision(), StandardCharsets.UTF_8)
                                + "?blobs=true");
        String what = ref.repoId() + "@" + ref.revision();
        try (HttpTransport.Response r =
                http.send(
                        "GET",
                        api,
                        Map.of("Accept", "application/json"),
                        token,
                        Optional.of(endpoint))) {
            if (r.status() >= 400) {
                throw HttpErrors.map(r, "repository " + what, What.REPOSITORY);
            }
            String body;
            try {
                body = r.text(64 << 20);
            } catch (IOException e) {
                r.abort();
                throw http.failure("GET", api, e, 1);
            }
            return plan(body, api, ref, include, exclude);
        }
    }

    /**
     * The plan for the Hub's JSON listing {@code body} of {@code ref} (answered at {@code api}).
     */
    Plan plan(
            String body,
            URI api,
            ModelRef.HuggingFace ref,
            List<String> include,
            List<String> exclude)
            throws HubException {
        String what = ref.repoId() + "@" + ref.revision();
        JsonObject info;
        try {
            info = JsonParser.parseString(body).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new HubException(
                    Urls.display(api)
                            + " did not answer with the Hub's JSON ("
                            + oneLine(e.getMessage())
                            + "); check HF_ENDPOINT.",
                    e);
        }
        String commit =
                string(info, "sha", what, api)
                        .orElseThrow(
                                () ->
                                        new HubException(
                                                Urls.display(api)
                                                        + " answered without a commit sha; check HF_ENDPOINT."));
        SafePaths.checkSegment(commit, "commit");
        if (!commit.matches("[0-9A-Za-z]{6,64}")) {
            // it becomes part of every file URL: a git commit id is letters and digits only
            throw malformed(what, api, "the commit '" + commit + "' is not a commit id");
        }
        JsonElement siblingsElement = info.get("siblings");
        if (siblingsElement != null && !siblingsElement.isJsonArray()) {
            throw malformed(what, api, "\"siblings\" is not a list");
        }
        JsonArray siblings =
                siblingsElement == null ? new JsonArray() : siblingsElement.getAsJsonArray();
        List<JsonObject> files = new ArrayList<>();
        boolean hasSafetensors = false;
        for (JsonElement e : siblings) {
            if (!e.isJsonObject()) {
                throw malformed(what, api, "a sibling is not an object: " + e);
            }
            JsonObject f = e.getAsJsonObject();
            String name = string(f, "rfilename", what, api).orElse("");
            SafePaths.resolveInside(Path.of("/x"), name); // refuse traversal before anything else
            hasSafetensors |= name.endsWith(".safetensors");
            files.add(f);
        }
        List<PlannedFile> planned = new ArrayList<>();
        for (JsonObject f : files) {
            String name = f.get("rfilename").getAsString();
            if (!include.isEmpty() && !Globs.matchesAny(name, include)) {
                continue;
            }
            boolean skippedByDefault =
                    Globs.matchesAny(name, ALWAYS_SKIPPED)
                            || (hasSafetensors && Globs.matchesAny(name, SKIPPED_WITH_SAFETENSORS));
            if (Globs.matchesAny(name, exclude) || (include.isEmpty() && skippedByDefault)) {
                continue;
            }
            long size = size(f, "size", name, what, api);
            Optional<ContentHash> hash = Optional.empty();
            if (f.has("lfs") && f.get("lfs").isJsonObject()) {
                JsonObject lfs = f.getAsJsonObject("lfs");
                Optional<String> sha256 = string(lfs, "sha256", what, api);
                if (sha256.isPresent()) {
                    hash =
                            Optional.of(
                                    hash(
                                            ContentHash.Algorithm.SHA256,
                                            sha256.get(),
                                            name,
                                            what,
                                            api));
                }
                long lfsSize = size(lfs, "size", name, what, api);
                if (lfsSize >= 0) {
                    size = lfsSize;
                }
            } else {
                Optional<String> blobId = string(f, "blobId", what, api);
                if (blobId.isPresent()) {
                    hash =
                            Optional.of(
                                    hash(
                                            ContentHash.Algorithm.GIT_SHA1,
                                            blobId.get(),
                                            name,
                                            what,
                                            api));
                }
            }
            URI uri = at("/" + ref.repoId() + "/resolve/" + commit + "/" + encodePath(name));
            planned.add(
                    new PlannedFile(
                            new BlobDownloader.Request(
                                    name, uri, size, hash, token, Optional.of(endpoint)),
                            false));
        }
        return new Plan(
                cache.huggingFace(ref.repoId()), ref.revision(), Optional.of(commit), planned);
    }

    private static HubException malformed(String what, URI api, String problem) {
        return new HubException(
                "the Hub's listing of "
                        + what
                        + " ("
                        + Urls.display(api)
                        + ") is malformed: "
                        + oneLine(problem)
                        + "; check HF_ENDPOINT (a mirror may be broken) or report it to the"
                        + " server's operator.");
    }

    private static String oneLine(String s) {
        String t = String.valueOf(s).replaceAll("\\s+", " ").trim();
        return t.length() > 200 ? t.substring(0, 200) + "…" : t;
    }

    /** A size field, -1 when absent; anything but a non-negative whole number is malformed. */
    private static long size(JsonObject o, String key, String file, String what, URI api)
            throws HubException {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return -1;
        }
        try {
            long v = e.getAsJsonPrimitive().getAsBigDecimal().longValueExact();
            if (v >= 0) {
                return v;
            }
        } catch (RuntimeException notANumber) {
            // reported below
        }
        throw malformed(
                what, api, "file " + file + " has " + key + " " + e + ", not a number of bytes");
    }

    private static ContentHash hash(
            ContentHash.Algorithm algorithm, String hex, String file, String what, URI api)
            throws HubException {
        try {
            return new ContentHash(algorithm, hex);
        } catch (IllegalArgumentException e) {
            throw malformed(
                    what,
                    api,
                    "file "
                            + file
                            + " has the "
                            + (algorithm == ContentHash.Algorithm.SHA256
                                    ? "sha256 "
                                    : "git blob id ")
                            + "'"
                            + hex
                            + "', not a hex digest");
        }
    }

    private static Optional<String> string(JsonObject o, String key, String what, URI api)
            throws HubException {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return Optional.empty();
        }
        if (!e.isJsonPrimitive()) {
            throw malformed(what, api, "\"" + key + "\" is " + e + ", not a string");
        }
        return Optional.of(e.getAsString());
    }

    static String encodePath(String path) {
        StringBuilder sb = new StringBuilder();
        for (String segment : path.split("/")) {
            if (sb.length() > 0) {
                sb.append('/');
            }
            sb.append(URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20"));
        }
        return sb.toString();
    }
}
