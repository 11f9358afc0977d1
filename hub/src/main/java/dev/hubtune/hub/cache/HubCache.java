package dev.hubtune.hub.cache;

import dev.hubtune.hub.InvalidReferenceException;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * The model cache root, laid out as huggingface_hub lays out {@code ~/.cache/huggingface/hub}, so
 * Python tools and hubtune can share one folder ({@code
 * HUBTUNE_HUB_CACHE=~/.cache/huggingface/hub}). hubtune's own metadata (expected file lists, sha256
 * of every file) lives under {@code .hubtune/}.
 */
public final class HubCache {

    private static final Pattern FOLDER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    private final Path root;

    /** A cache at {@code root} (created lazily). */
    public HubCache(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** The cache root. */
    public Path root() {
        return root;
    }

    /** The folder of a Hugging Face repository {@code org/name}: {@code models--org--name}. */
    public RepoDir huggingFace(String repoId) throws InvalidReferenceException {
        return repo("models--" + repoId.replace("/", "--"));
    }

    /** A repository folder by name (for Maven and URL sources: {@code models--maven--g--a}). */
    public RepoDir repo(String folderName) throws InvalidReferenceException {
        if (!FOLDER.matcher(folderName).matches() || folderName.contains("..")) {
            throw new InvalidReferenceException("not a valid cache folder name: " + folderName);
        }
        return new RepoDir(this, folderName);
    }

    /** Where hubtune records what a snapshot should contain. */
    public Path metadata(RepoDir repo, String commit) throws InvalidReferenceException {
        return root.resolve(".hubtune")
                .resolve(repo.folderName())
                .resolve(SafePaths.checkSegment(commit, "commit") + ".json");
    }
}
