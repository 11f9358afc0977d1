package dev.hubtune.hub.source;

import dev.hubtune.hub.HubException;
import dev.hubtune.hub.ModelNotFoundException;
import dev.hubtune.hub.ModelNotFoundException.What;
import dev.hubtune.hub.ModelRef;
import dev.hubtune.hub.cache.BlobDownloader;
import dev.hubtune.hub.cache.ContentHash;
import dev.hubtune.hub.cache.HubCache;
import dev.hubtune.hub.http.HttpErrors;
import dev.hubtune.hub.http.HttpTransport;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Jars from a Maven repository layout (Maven Central by default, or a company mirror), checked
 * against the {@code .sha1} published beside them. The jar's sha1 is the snapshot id, so a
 * re-published jar can never silently replace a cached one.
 */
public final class MavenSource {

    /** Maven Central. */
    public static final URI CENTRAL = URI.create("https://repo.maven.apache.org/maven2/");

    private final HttpTransport http;
    private final URI repository;
    private final HubCache cache;

    /** A source for the repository at {@code repository}. */
    public MavenSource(HttpTransport http, URI repository, HubCache cache) {
        this.http = http;
        String s = repository.toString();
        this.repository = URI.create(s.endsWith("/") ? s : s + "/");
        this.cache = cache;
    }

    /** The repository base URI. */
    public URI repository() {
        return repository;
    }

    /** Reads the jar's published sha1 and plans its download and unpacking. */
    public Plan plan(ModelRef.Maven ref) throws IOException, HubException {
        URI jar = repository.resolve(ref.repositoryPath());
        URI sha1Uri = URI.create(jar + ".sha1");
        String sha1;
        try (HttpTransport.Response r =
                http.send("GET", sha1Uri, Map.of(), Optional.empty(), Optional.empty())) {
            if (r.status() == 404) {
                throw new ModelNotFoundException(
                        What.REPOSITORY,
                        ref.text()
                                + " is not in the Maven repository "
                                + repository
                                + " (no "
                                + sha1Uri
                                + "). Check the coordinates, or point HUBTUNE_MAVEN_REPOSITORY at"
                                + " the repository that has it.");
            }
            if (r.status() >= 400) {
                throw HttpErrors.map(r, ref.text(), What.REPOSITORY);
            }
            // The file holds the hex digest, sometimes followed by the file name.
            String text;
            try {
                text = r.text(4096).trim();
            } catch (IOException e) {
                r.abort();
                throw http.failure("GET", sha1Uri, e, 1);
            }
            String first = text.isEmpty() ? "" : text.split("\\s+")[0];
            try {
                sha1 = new ContentHash(ContentHash.Algorithm.SHA1, first).hex();
            } catch (IllegalArgumentException e) {
                throw new HubException(
                        sha1Uri
                                + " does not hold a sha1 (found '"
                                + first
                                + "'); the repository is broken.");
            }
        }
        String fileName = ref.repositoryPath().substring(ref.repositoryPath().lastIndexOf('/') + 1);
        BlobDownloader.Request request =
                new BlobDownloader.Request(
                        fileName,
                        jar,
                        -1,
                        Optional.of(new ContentHash(ContentHash.Algorithm.SHA1, sha1)),
                        Optional.empty(),
                        Optional.empty());
        return new Plan(
                cache.repo(ref.folderName()),
                ref.version(),
                Optional.of(sha1),
                List.of(new PlannedFile(request, true)));
    }
}
