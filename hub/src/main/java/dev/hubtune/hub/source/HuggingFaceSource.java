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

    /** A source for the hub at {@code endpoint} (e.g. https://huggingface.co or a mirror). */
    public HuggingFaceSource(
            HttpTransport http, URI endpoint, Optional<String> token, HubCache cache) {
        this.http = http;
        this.endpoint = endpoint;
        this.token = token;
        this.cache = cache;
    }

    /** Resolves the revision to a commit and lists the files to download. */
    public Plan plan(ModelRef.HuggingFace ref, List<String> include, List<String> exclude)
            throws IOException, HubException {
        URI api =
                endpoint.resolve(
                        "/api/models/"
                                + ref.repoId()
                                + "/revision/"
                                + URLEncoder.encode(ref.revision(), StandardCharsets.UTF_8)
                                + "?blobs=true");
        JsonObject info;
        try (HttpTransport.Response r =
                http.send(
                        "GET",
                        api,
                        Map.of("Accept", "application/json"),
                        token,
                        Optional.of(endpoint))) {
            if (r.status() >= 400) {
                throw HttpErrors.map(
                        r, "repository " + ref.repoId() + "@" + ref.revision(), What.REPOSITORY);
            }
            info = JsonParser.parseString(r.text(64 << 20)).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new HubException(
                    api
                            + " did not answer with the Hub's JSON ("
                            + e.getMessage()
                            + "); check HF_ENDPOINT.",
                    e);
        }
        String commit =
                string(info, "sha")
                        .orElseThrow(
                                () ->
                                        new HubException(
                                                api
                                                        + " answered without a commit sha; check HF_ENDPOINT."));
        SafePaths.checkSegment(commit, "commit");
        JsonArray siblings =
                info.has("siblings") ? info.getAsJsonArray("siblings") : new JsonArray();
        List<JsonObject> files = new ArrayList<>();
        boolean hasSafetensors = false;
        for (JsonElement e : siblings) {
            JsonObject f = e.getAsJsonObject();
            String name = string(f, "rfilename").orElse("");
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
            long size = f.has("size") ? f.get("size").getAsLong() : -1;
            Optional<ContentHash> hash = Optional.empty();
            if (f.has("lfs") && f.get("lfs").isJsonObject()) {
                JsonObject lfs = f.getAsJsonObject("lfs");
                hash = string(lfs, "sha256").map(ContentHash::sha256);
                if (lfs.has("size")) {
                    size = lfs.get("size").getAsLong();
                }
            } else if (f.has("blobId")) {
                hash =
                        Optional.of(
                                new ContentHash(
                                        ContentHash.Algorithm.GIT_SHA1,
                                        f.get("blobId").getAsString()));
            }
            URI uri =
                    endpoint.resolve(
                            "/" + ref.repoId() + "/resolve/" + commit + "/" + encodePath(name));
            planned.add(
                    new PlannedFile(
                            new BlobDownloader.Request(
                                    name, uri, size, hash, token, Optional.of(endpoint)),
                            false));
        }
        return new Plan(
                cache.huggingFace(ref.repoId()), ref.revision(), Optional.of(commit), planned);
    }

    private static Optional<String> string(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? Optional.empty() : Optional.of(e.getAsString());
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
