package dev.hubtune.cli;

import dev.hubtune.hub.HubException;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.apps.TextGenerator;
import dev.hubtune.models.decoding.GenerationConfig;
import dev.hubtune.tokenizers.TokenizerException;
import dev.hubtune.tokenizers.chat.ChatMessage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code hubtune chat MODEL}: talk to a chat model, through its own chat template. */
@Command(
        name = "chat",
        mixinStandardHelpOptions = true,
        description = {
            "Chat with an instruction-tuned decoder (e.g. smollm2-135m-instruct): each turn is"
                    + " rendered with the model's own chat template and the answer streams as it is"
                    + " generated.",
            "Interactive by default (an empty line or /exit ends); --message answers one message."
        })
final class ChatCommand implements Callable<Integer> {

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Mixin CommonOptions common;

    @Mixin SamplingOptions sampling;

    @Parameters(index = "0", paramLabel = "MODEL", description = "A chat model reference.")
    String ref;

    @Option(
            names = {"-m", "--message"},
            paramLabel = "TEXT",
            description = "Answer this one message and exit.")
    String message;

    @Option(names = "--system", paramLabel = "TEXT", description = "A system prompt.")
    String system;

    @Option(
            names = "--adapter",
            paramLabel = "DIR",
            description = "A PEFT LoRA adapter to apply over the model (REF is its base).")
    java.nio.file.Path adapter;

    @Override
    public Integer call() throws HubException, ModelException, TokenizerException, IOException {
        GenerationConfig config = sampling.config();
        java.nio.file.Path dir = common.model(ref);
        PrintWriter out = spec.commandLine().getOut();
        try (TextGenerator chat = generator(dir)) {
            if (!chat.canChat()) {
                throw new UserException(
                        ref
                                + " has no chat template: it is a base model, not a chat model."
                                + " Continue text with `hubtune generate "
                                + ref
                                + " PROMPT`, or use an instruction-tuned model such as"
                                + " smollm2-135m-instruct");
            }
            List<ChatMessage> history = new ArrayList<>();
            if (system != null) {
                history.add(ChatMessage.system(system));
            }
            if (message != null) {
                history.add(ChatMessage.user(message));
                TextGenerator.Generation g =
                        chat.chat(
                                history,
                                config,
                                common.json
                                        ? text -> {}
                                        : text -> {
                                            out.print(text);
                                            out.flush();
                                        });
                if (common.json) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("message", message);
                    row.put("answer", g.text());
                    row.put("prompt", g.prompt());
                    row.put("new_ids", g.newIds());
                    row.put("tokens_per_second", g.tokensPerSecond());
                    out.println(Json.GSON.toJson(row));
                } else {
                    out.println();
                    stats(g);
                }
                return Hubtune.EXIT_OK;
            }
            BufferedReader in =
                    new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            while (true) {
                out.print("> ");
                out.flush();
                String line = in.readLine();
                if (line == null || line.isBlank() || line.strip().equals("/exit")) {
                    return Hubtune.EXIT_OK;
                }
                history.add(ChatMessage.user(line));
                TextGenerator.Generation g =
                        chat.chat(
                                history,
                                config,
                                text -> {
                                    out.print(text);
                                    out.flush();
                                });
                out.println();
                stats(g);
                history.add(ChatMessage.assistant(g.text()));
            }
        }
    }

    private void stats(TextGenerator.Generation g) {
        if (!common.quiet) {
            spec.commandLine()
                    .getErr()
                    .printf(
                            Locale.ROOT,
                            "(%d tokens, %.1f tokens/s)%n",
                            g.newIds().length,
                            g.tokensPerSecond());
        }
    }

    private TextGenerator generator(java.nio.file.Path dir)
            throws ModelException, TokenizerException {
        TextGenerator.Builder b = TextGenerator.builder().setModelDir(dir);
        if (adapter != null) {
            b.optAdapter(adapter);
        }
        return b.build();
    }
}
