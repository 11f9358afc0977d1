package dev.hubtune.cli;

import dev.hubtune.hub.HubException;
import dev.hubtune.hub.ModelDir;
import dev.hubtune.tokenizers.Encoded;
import dev.hubtune.tokenizers.TextTokenizer;
import dev.hubtune.tokenizers.TokenizerException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code hubtune tokenize REF TEXT…}: tokens and ids as the model sees them. */
@Command(
        name = "tokenize",
        mixinStandardHelpOptions = true,
        description =
                "Show the tokens and ids a model's tokenizer makes of each TEXT (pulling the model if needed).")
final class TokenizeCommand implements Callable<Integer> {

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Mixin CommonOptions common;

    @Parameters(
            index = "0",
            paramLabel = "REF",
            description = "The model reference (or a directory with tokenizer files).")
    String ref;

    @Parameters(
            index = "1..*",
            arity = "1..*",
            paramLabel = "TEXT",
            description = "Texts to tokenize.")
    List<String> texts;

    @Option(
            names = "--pair",
            paramLabel = "TEXT",
            description = "Second text of a pair (for every TEXT).")
    String pair;

    @Option(
            names = "--max-length",
            converter = OptionValues.Positive.class,
            paramLabel = "N",
            description = "Truncate to N tokens (default: the model's maximum).")
    Integer maxLength;

    @Override
    public Integer call() throws HubException, TokenizerException {
        ModelDir dir = common.hub(common.progress()).pull(ref);
        TextTokenizer.Builder b = TextTokenizer.builder().setModelDir(dir.path());
        if (maxLength != null) {
            b.optMaxLength(maxLength);
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        try (TextTokenizer tok = b.build()) {
            for (String text : texts) {
                Encoded e = pair == null ? tok.encode(text) : tok.encode(text, pair);
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("text", text);
                if (pair != null) {
                    row.put("pair", pair);
                }
                row.put("tokens", e.tokens());
                row.put("ids", e.ids());
                row.put("type_ids", e.typeIds());
                rows.add(row);
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        if (common.json) {
            out.println(Json.GSON.toJson(rows));
            return Hubtune.EXIT_OK;
        }
        for (Map<String, Object> row : rows) {
            String[] tokens = (String[]) row.get("tokens");
            long[] ids = (long[]) row.get("ids");
            out.println(
                    row.get("text")
                            + (pair != null ? "  |  " + pair : "")
                            + "  ("
                            + tokens.length
                            + " tokens)");
            StringBuilder line = new StringBuilder("  ");
            for (int i = 0; i < tokens.length; i++) {
                line.append(tokens[i])
                        .append('=')
                        .append(ids[i])
                        .append(i + 1 < tokens.length ? " " : "");
            }
            out.println(line);
        }
        return Hubtune.EXIT_OK;
    }
}
