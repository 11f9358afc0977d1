package dev.hubtune.spark;

import dev.hubtune.hub.Hub;
import dev.hubtune.hub.HubException;
import dev.hubtune.hub.HubtuneHome;
import java.io.Serializable;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkEnv;
import org.apache.spark.util.CollectionAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models of this JVM (a Spark executor, or the driver in {@code local[N]}), loaded once and
 * kept for the JVM's life: every task of every job that asks for the same {@link Key} gets the same
 * instance. Loading a model means building its TensorFlow graph and session (seconds, hundreds of
 * MB), so doing it per task or per row would dominate the job; the TensorFlow natives are extracted
 * once into the hubtune home by the first load and only loaded by later ones.
 *
 * <p>Thread-safe: tasks of one executor run in parallel threads. Loads of different keys do not
 * wait for each other; concurrent first requests of one key wait for the single load. A failed load
 * is not remembered, so a retried task tries again.
 */
final class ExecutorModels {

    private static final Logger LOG = LoggerFactory.getLogger(ExecutorModels.class);

    /**
     * What identifies a loaded model: the task kind, the reference as the user gave it, and every
     * setting that changes what is loaded (not the batch size of the classifier, which is per
     * call).
     *
     * @param kind classifier, embedder or generator
     * @param model a model directory, or a hub reference
     * @param hubCacheDir the hub cache to pull a reference into (empty: the hub's default)
     * @param home the hubtune home on the executors (empty: the executor's environment)
     * @param settings the kind's loading settings, as text
     */
    record Key(String kind, String model, String hubCacheDir, String home, String settings)
            implements Serializable {
        private static final long serialVersionUID = 1L;

        Key {
            Objects.requireNonNull(kind);
            Objects.requireNonNull(model);
            Objects.requireNonNull(hubCacheDir);
            Objects.requireNonNull(home);
            Objects.requireNonNull(settings);
        }
    }

    /** Builds a model from its resolved directory; runs once per key per JVM. */
    @FunctionalInterface
    interface Loader<T> extends Serializable {
        T load(Path dir) throws Exception;
    }

    /** A lazily loaded model, so that one key's load does not lock the whole map. */
    private static final class Slot {
        private Object model;

        synchronized Object get(Key key, Loader<?> loader, CollectionAccumulator<String> loads) {
            if (model == null) {
                long start = System.nanoTime();
                Path dir = resolve(key);
                try {
                    model = loader.load(dir);
                } catch (Exception e) {
                    throw new IllegalStateException(
                            "hubtune cannot load the "
                                    + key.kind()
                                    + " "
                                    + key.model()
                                    + " (resolved to "
                                    + dir
                                    + ") on executor "
                                    + executor()
                                    + ": "
                                    + e.getMessage(),
                            e);
                }
                LOAD_COUNT.incrementAndGet();
                if (loads != null) {
                    loads.add(executor() + " pid " + ProcessHandle.current().pid());
                }
                LOG.info(
                        "loaded the {} {} on executor {} in {} ms",
                        key.kind(),
                        dir,
                        executor(),
                        (System.nanoTime() - start) / 1_000_000);
            }
            return model;
        }
    }

    private static final Map<Key, Slot> MODELS = new ConcurrentHashMap<>();
    private static final java.util.concurrent.atomic.AtomicInteger LOAD_COUNT =
            new java.util.concurrent.atomic.AtomicInteger();

    private ExecutorModels() {}

    /**
     * The model of {@code key}, loaded by {@code loader} on the first request in this JVM; each
     * load adds "executor-id pid N" to {@code loads} (may be null).
     */
    @SuppressWarnings("unchecked")
    static <T> T get(Key key, Loader<T> loader, CollectionAccumulator<String> loads) {
        return (T) MODELS.computeIfAbsent(key, k -> new Slot()).get(key, loader, loads);
    }

    /** Models loaded in this JVM so far. */
    static int loadCount() {
        return LOAD_COUNT.get();
    }

    /** The executor id ("driver" in local mode), or the JVM's name outside Spark. */
    static String executor() {
        SparkEnv env = SparkEnv.get();
        return env != null ? env.executorId() : ManagementFactory.getRuntimeMXBean().getName();
    }

    /**
     * The model's directory on this machine: a directory as given (the {@code model/} inside a
     * {@code hubtune finetune} run directory, as {@code hubtune predict} reads it), else a hub
     * reference pulled into the cache (in place when already there).
     */
    static Path resolve(Key key) {
        if (!key.home().isEmpty() && System.getProperty(HubtuneHome.PROPERTY) == null) {
            // Before the first TensorFlow call: the natives are extracted under the home.
            System.setProperty(HubtuneHome.PROPERTY, key.home());
        }
        Path dir = Path.of(key.model());
        if (Files.isDirectory(dir)) {
            Path exported = dir.resolve("model");
            boolean isModel =
                    Files.isRegularFile(dir.resolve("config.json"))
                            || Files.isRegularFile(dir.resolve("bert_config.json"));
            return !isModel && Files.isRegularFile(exported.resolve("config.json"))
                    ? exported
                    : dir;
        }
        Hub.Builder hub = Hub.builder();
        Optional.of(key.hubCacheDir())
                .filter(s -> !s.isEmpty())
                .map(Path::of)
                .ifPresent(hub::optCacheDir);
        try {
            return hub.build().pull(key.model()).path();
        } catch (HubException e) {
            throw new IllegalStateException(
                    "hubtune cannot find the model "
                            + key.model()
                            + " on executor "
                            + executor()
                            + ": "
                            + e.getMessage()
                            + " (give a directory readable on every executor, or a hub reference"
                            + " with a cache every executor can read)",
                    e);
        }
    }
}
