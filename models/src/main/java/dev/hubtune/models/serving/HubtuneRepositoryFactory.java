package dev.hubtune.models.serving;

import ai.djl.repository.Repository;
import ai.djl.repository.RepositoryFactory;
import dev.hubtune.hub.Hub;
import dev.hubtune.hub.HubException;
import dev.hubtune.hub.ModelDir;
import java.net.URI;
import java.util.Set;

/**
 * Lets DJL users load any hubtune reference: {@code
 * Criteria.builder().optModelUrls("hubtune://all-minilm-l6-v2")}, {@code hubtune://hf:org/name},
 * {@code hubtune://maven:g:a:v} or {@code hubtune:///path/to/exported/model}. The model is pulled
 * (verified, cached) by the hub, then handed to DJL as a local directory. Registered through {@code
 * META-INF/services}, so it works as soon as hubtune-models is on the class path.
 */
public final class HubtuneRepositoryFactory implements RepositoryFactory {

    /** The URL scheme. */
    public static final String SCHEME = "hubtune";

    @Override
    public Repository newInstance(String name, URI uri) {
        String ref = reference(uri);
        try {
            ModelDir dir = Hub.builder().build().pull(ref);
            return Repository.newInstance(name, dir.path());
        } catch (HubException e) {
            throw new IllegalArgumentException(
                    "hubtune could not provide " + uri + ": " + e.getMessage(), e);
        }
    }

    /** The hubtune reference inside a {@code hubtune:} URI. */
    static String reference(URI uri) {
        String ssp = uri.getSchemeSpecificPart();
        String ref = ssp.startsWith("//") ? ssp.substring(2) : ssp;
        if (ref.isBlank()) {
            throw new IllegalArgumentException(
                    uri
                            + " names no model; write hubtune://<ref>, e.g. hubtune://all-minilm-l6-v2");
        }
        return ref;
    }

    @Override
    public Set<String> getSupportedScheme() {
        return Set.of(SCHEME);
    }
}
