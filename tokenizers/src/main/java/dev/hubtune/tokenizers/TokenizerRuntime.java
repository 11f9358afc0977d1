package dev.hubtune.tokenizers;

import ai.djl.engine.Engine;
import ai.djl.huggingface.tokenizers.jni.LibUtils;
import ai.djl.util.Utils;
import dev.hubtune.hub.HubtuneHome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the Rust natives of DJL's HuggingFace tokenizers with DJL's cache inside the hubtune home
 * and DJL offline, so that tokenizers never reach for the network.
 */
public final class TokenizerRuntime {

    private static final Logger LOG = LoggerFactory.getLogger(TokenizerRuntime.class);
    private static String loadedVersion;

    private TokenizerRuntime() {}

    /**
     * Loads the natives once per JVM and returns the DJL tokenizers version.
     *
     * @throws TokenizerException when the natives cannot be loaded on this platform
     */
    public static synchronized String load(HubtuneHome home) throws TokenizerException {
        if (loadedVersion != null) {
            return loadedVersion;
        }
        if (System.getProperty("DJL_CACHE_DIR") == null && System.getenv("DJL_CACHE_DIR") == null) {
            System.setProperty("DJL_CACHE_DIR", home.djlCache().toString());
        }
        System.setProperty("ai.djl.offline", "true");
        try {
            LibUtils.checkStatus();
        } catch (RuntimeException | LinkageError e) {
            throw new TokenizerException(
                    "the HuggingFace tokenizers natives (ai.djl.huggingface:tokenizers) failed to"
                            + " load on "
                            + System.getProperty("os.name")
                            + " "
                            + System.getProperty("os.arch")
                            + ": "
                            + e.getMessage()
                            + ". Supported: Linux x86_64/aarch64, macOS aarch64, Windows x86_64;"
                            + " check that DJL_CACHE_DIR ("
                            + Utils.getCacheDir()
                            + ") is writable.",
                    e);
        }
        // The tokenizers jar carries no version of its own; it ships in DJL's release train.
        loadedVersion = Engine.getDjlVersion();
        LOG.debug("HuggingFace tokenizers natives loaded; DJL cache {}", Utils.getCacheDir());
        return loadedVersion;
    }
}
