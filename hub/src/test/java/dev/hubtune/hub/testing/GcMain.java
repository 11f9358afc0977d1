package dev.hubtune.hub.testing;

import dev.hubtune.hub.cache.CacheMaintenance;
import dev.hubtune.hub.cache.HubCache;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A child JVM that runs {@code gc --incomplete} without grace: {@code GcMain <cache> <records>}.
 */
public final class GcMain {
    private GcMain() {}

    /** Prints the bytes freed. */
    public static void main(String[] args) throws Exception {
        HubCache cache = new HubCache(Path.of(args[0]), Path.of(args[1]));
        System.out.println(new CacheMaintenance(cache).gc(true, Duration.ZERO));
    }
}
