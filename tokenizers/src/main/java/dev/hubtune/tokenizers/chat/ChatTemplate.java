package dev.hubtune.tokenizers.chat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import dev.hubtune.tokenizers.TokenizerException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A model's chat template — the Jinja template in {@code tokenizer_config.json}'s {@code
 * chat_template} (or a GGUF's {@code tokenizer.chat_template}) that turns a conversation into the
 * exact text the model was trained on — rendered with Jinjava, a maintained Java Jinja engine, with
 * the variables transformers' {@code apply_chat_template} passes: {@code messages}, {@code
 * add_generation_prompt}, the special tokens and {@code raise_exception}.
 */
public final class ChatTemplate {

    private static final Jinjava JINJAVA = jinjava();

    /** The message of the template's last {@code raise_exception} on this thread. */
    private static final ThreadLocal<String> RAISED = new ThreadLocal<>();

    private final String source;
    private final Map<String, String> specialTokens;

    private ChatTemplate(String source, Map<String, String> specialTokens) {
        this.source = source;
        this.specialTokens = specialTokens;
    }

    /** A template from its source and the special tokens it may name ({@code bos_token}, …). */
    public static ChatTemplate of(String source, Map<String, String> specialTokens) {
        return new ChatTemplate(source, Map.copyOf(specialTokens));
    }

    /**
     * The chat template of the model in {@code dir} ({@code tokenizer_config.json}, or a separate
     * {@code chat_template.jinja}/{@code chat_template.json} as newer transformers write), if it
     * has one.
     */
    public static Optional<ChatTemplate> read(Path dir) throws TokenizerException {
        Map<String, String> specials = new HashMap<>();
        String source = null;
        Path config = dir.resolve("tokenizer_config.json");
        if (Files.isRegularFile(config)) {
            JsonObject o = json(config).getAsJsonObject();
            for (String key : List.of("bos_token", "eos_token", "unk_token", "pad_token")) {
                String token = token(o.get(key));
                if (token != null) {
                    specials.put(key, token);
                }
            }
            source = template(o.get("chat_template"), config);
        }
        Path jinja = dir.resolve("chat_template.jinja");
        if (source == null && Files.isRegularFile(jinja)) {
            try {
                source = Files.readString(jinja);
            } catch (IOException e) {
                throw new TokenizerException("cannot read " + jinja + ": " + e.getMessage(), e);
            }
        }
        Path json = dir.resolve("chat_template.json");
        if (source == null && Files.isRegularFile(json)) {
            source = template(json(json).getAsJsonObject().get("chat_template"), json);
        }
        return source == null ? Optional.empty() : Optional.of(new ChatTemplate(source, specials));
    }

    /** The special token named {@code key} ({@code bos_token}, {@code eos_token}, …), if set. */
    public Optional<String> specialToken(String key) {
        return Optional.ofNullable(specialTokens.get(key));
    }

    /** The template's source. */
    public String source() {
        return source;
    }

    /**
     * The conversation as the model reads it.
     *
     * @param addGenerationPrompt end with the start of an assistant turn (for generation)
     * @throws TokenizerException when the template raises (e.g. roles out of order) or fails
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt)
            throws TokenizerException {
        List<Map<String, Object>> turns = new ArrayList<>();
        for (ChatMessage m : messages) {
            Map<String, Object> turn = new LinkedHashMap<>();
            turn.put("role", m.role());
            turn.put("content", m.content());
            turns.add(turn);
        }
        Map<String, Object> context = new HashMap<>(specialTokens);
        context.put("messages", turns);
        context.put("add_generation_prompt", addGenerationPrompt);
        RAISED.remove();
        RenderResult result = JINJAVA.renderForResult(source, context);
        for (TemplateError e : result.getErrors()) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
                // Jinjava wraps what raise_exception said in its own message; report the former.
                String message = RAISED.get() != null ? RAISED.get() : e.getMessage();
                RAISED.remove();
                throw new TokenizerException(
                        "the model's chat template refused the conversation: "
                                + (message == null ? e.toString() : message));
            }
        }
        return result.getOutput();
    }

    /** Called by templates as {@code raise_exception('...')}: fails the rendering. */
    public static Object raiseException(String message) {
        RAISED.set(message);
        throw new IllegalArgumentException(message);
    }

    private static Jinjava jinjava() {
        Jinjava j =
                new Jinjava(
                        JinjavaConfig.newBuilder()
                                .withTrimBlocks(false)
                                .withLstripBlocks(false)
                                .withFailOnUnknownTokens(false)
                                .build());
        j.getGlobalContext()
                .registerFunction(
                        new ELFunctionDefinition(
                                "",
                                "raise_exception",
                                ChatTemplate.class,
                                "raiseException",
                                String.class));
        return j;
    }

    private static String template(JsonElement e, Path file) throws TokenizerException {
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (e.isJsonPrimitive()) {
            return e.getAsString();
        }
        if (e.isJsonArray()) {
            // Several named templates: transformers uses the one named "default".
            for (JsonElement t : e.getAsJsonArray()) {
                JsonObject o = t.getAsJsonObject();
                if (o.has("name") && o.get("name").getAsString().equals("default")) {
                    return o.get("template").getAsString();
                }
            }
        }
        throw new TokenizerException(
                file + ": chat_template is neither a string nor a list with a 'default' template");
    }

    private static String token(JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (e.isJsonPrimitive()) {
            return e.getAsString();
        }
        if (e.isJsonObject() && e.getAsJsonObject().has("content")) {
            return e.getAsJsonObject().get("content").getAsString();
        }
        return null;
    }

    private static JsonElement json(Path file) throws TokenizerException {
        try {
            return JsonParser.parseString(Files.readString(file));
        } catch (IOException | RuntimeException e) {
            throw new TokenizerException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
