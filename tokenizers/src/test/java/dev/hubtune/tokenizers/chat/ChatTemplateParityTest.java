package dev.hubtune.tokenizers.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hubtune.tokenizers.TokenizerException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jinjava renders chat templates as transformers' {@code apply_chat_template} (Python's jinja2)
 * does: ChatML (SmolLM2, Qwen2), Llama 3 and a Mistral-style template that checks role alternation,
 * on conversations with system prompts, whitespace, accents, CJK and emoji. The fixture comes from
 * {@code tools/reference/chat_template_reference.py}.
 */
class ChatTemplateParityTest {

    @Test
    void rendersEveryCaseAsTransformersDoes() throws Exception {
        JsonObject ref;
        try (InputStream in = getClass().getResourceAsStream("/reference/chat-templates.json")) {
            ref =
                    JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8))
                            .getAsJsonObject();
        }
        Map<String, String> specials =
                Map.of(
                        "bos_token",
                                ref.getAsJsonObject("special_tokens")
                                        .get("bos_token")
                                        .getAsString(),
                        "eos_token",
                                ref.getAsJsonObject("special_tokens")
                                        .get("eos_token")
                                        .getAsString());
        int rendered = 0;
        int raised = 0;
        for (JsonElement c : ref.getAsJsonArray("cases")) {
            JsonObject row = c.getAsJsonObject();
            ChatTemplate template =
                    ChatTemplate.of(
                            ref.getAsJsonObject("templates")
                                    .get(row.get("template").getAsString())
                                    .getAsString(),
                            specials);
            List<ChatMessage> messages = new ArrayList<>();
            for (JsonElement m : row.getAsJsonArray("messages")) {
                messages.add(
                        new ChatMessage(
                                m.getAsJsonObject().get("role").getAsString(),
                                m.getAsJsonObject().get("content").getAsString()));
            }
            boolean generation = row.get("add_generation_prompt").getAsBoolean();
            if (row.get("error").isJsonNull()) {
                assertEquals(
                        row.get("text").getAsString(),
                        template.render(messages, generation),
                        row.get("template") + " " + messages);
                rendered++;
            } else {
                TokenizerException e =
                        assertThrows(
                                TokenizerException.class,
                                () -> template.render(messages, generation));
                assertTrue(e.getMessage().contains("roles"), e.getMessage());
                raised++;
            }
        }
        assertTrue(rendered >= 12 && raised >= 2, rendered + " rendered, " + raised + " raised");
    }

    @Test
    void readsTheTemplateAndSpecialTokensOfTokenizerConfig(@TempDir Path dir) throws Exception {
        Files.writeString(
                dir.resolve("tokenizer_config.json"),
                "{\"bos_token\": {\"content\": \"<s>\"}, \"eos_token\": \"</s>\","
                        + " \"chat_template\": \"{{ bos_token }}{% for m in messages %}{{ m['content'] }}{% endfor %}{{ eos_token }}\"}");
        ChatTemplate t = ChatTemplate.read(dir).orElseThrow();
        assertEquals("<s>hi</s>", t.render(List.of(ChatMessage.user("hi")), false));
        assertTrue(ChatTemplate.read(dir.resolve("absent")).isEmpty());
    }
}
