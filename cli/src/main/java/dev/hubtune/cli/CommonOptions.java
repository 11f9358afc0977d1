package dev.hubtune.cli;

import dev.hubtune.hub.Hub;
import dev.hubtune.hub.HubtuneHome;
import dev.hubtune.hub.PullListener;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Flags every command shares: {@code --home}, {@code --offline}, {@code --quiet}, {@code --json}.
 */
final class CommonOptions {

    @Option(
            names = "--home",
            paramLabel = "DIR",
            description = "hubtune home (default: $HUBTUNE_HOME, else ~/.cache/hubtune).")
    void setHome(Path home) {
        // Set before anything reads it: the TensorFlow runtime and the hub resolve the home lazily.
        System.setProperty(HubtuneHome.PROPERTY, home.toAbsolutePath().toString());
    }

    @Option(
            names = "--offline",
            description = "Never touch the network (also HUBTUNE_OFFLINE=1 or HF_HUB_OFFLINE=1).")
    boolean offline;

    @Option(
            names = {"-q", "--quiet"},
            description = "No progress output.")
    boolean quiet;

    @Option(names = "--json", description = "Machine-readable output on stdout.")
    boolean json;

    /** A hub with these flags applied on top of the environment. */
    Hub hub(PullListener listener) {
        Hub.Builder b = Hub.builder().optListener(listener);
        if (offline) {
            b.optOffline(true);
        }
        return b.build();
    }

    /**
     * The model directory {@code ref} names. A run directory ({@code hubtune finetune -o RUN})
     * stands for the model it exported, {@code RUN/model}, so both spellings work.
     */
    Path model(String ref) throws dev.hubtune.hub.HubException {
        Path dir = hub(progress()).pull(ref).path();
        return runModel(dir);
    }

    /** {@code dir/model} when {@code dir} is a run directory, else {@code dir}. */
    static Path runModel(Path dir) {
        boolean isModel =
                java.nio.file.Files.isRegularFile(dir.resolve("config.json"))
                        || java.nio.file.Files.isRegularFile(dir.resolve("bert_config.json"));
        Path exported = dir.resolve("model");
        return !isModel && java.nio.file.Files.isRegularFile(exported.resolve("config.json"))
                ? exported
                : dir;
    }

    /** A progress bar on stderr unless quiet or JSON output was asked for. */
    PullListener progress() {
        return quiet || json
                ? PullListener.NONE
                : new ProgressBar(System.err, System.console() != null);
    }
}
