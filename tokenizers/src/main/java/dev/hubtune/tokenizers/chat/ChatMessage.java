package dev.hubtune.tokenizers.chat;

import java.util.Objects;

/**
 * One turn of a conversation.
 *
 * @param role {@code system}, {@code user} or {@code assistant}
 * @param content what was said
 */
public record ChatMessage(String role, String content) {

    /** Checks both are present. */
    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }

    /** A user turn. */
    public static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }

    /** An assistant turn. */
    public static ChatMessage assistant(String content) {
        return new ChatMessage("assistant", content);
    }

    /** A system prompt. */
    public static ChatMessage system(String content) {
        return new ChatMessage("system", content);
    }
}
