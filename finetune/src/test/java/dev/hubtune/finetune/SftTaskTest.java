package dev.hubtune.finetune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubtune.tokenizers.TextTokenizer;
import dev.hubtune.tokenizers.Truncation;
import dev.hubtune.tokenizers.chat.ChatMessage;
import dev.hubtune.tokenizers.chat.ChatTemplate;
import dev.hubtune.tokenizers.testing.Gpt2Files;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which tokens SFT learns, and how it refuses conversations it cannot learn from. */
class SftTaskTest {

    @TempDir Path dir;

    /** The learned tokens of a ChatML conversation in a byte tokenizer, as text. */
    private static String learned(SftTask.Example e) {
        StringBuilder sb = new StringBuilder();
        for (int t = 0; t < e.labels().length; t++) {
            if (e.labels()[t] >= 0) {
                assertEquals(e.ids()[t + 1], e.labels()[t], "label at " + t);
                int id = e.labels()[t];
                // GPT-2's byte order keeps printable ASCII where it is: id = character.
                sb.append(id == 258 ? "<E>" : id < 256 ? Character.toString((char) id) : "?");
            }
        }
        return sb.toString();
    }

    @Test
    void onlyTheAssistantsTurnsAreLearnedInEveryTurnOfAConversation() throws Exception {
        Path model = Gpt2Files.bytesWithChatTemplate(dir.resolve("tok"));
        ChatTemplate template = ChatTemplate.read(model).orElseThrow();
        try (TextTokenizer tokenizer =
                TextTokenizer.builder()
                        .setModelDir(model)
                        .optTruncation(Truncation.NONE)
                        .optMaxLength(Integer.MAX_VALUE)
                        .optAddSpecialTokens(false)
                        .build()) {
            List<ChatMessage> chat =
                    List.of(
                            new ChatMessage("system", "be brief"),
                            ChatMessage.user("hi"),
                            ChatMessage.assistant("hello"),
                            ChatMessage.user("and?"),
                            ChatMessage.assistant("bye"));
            SftTask.Example e = SftTask.encode(tokenizer, template, chat, 1000, new int[1]);
            // Each answer, its end-of-turn token and the newline the template puts after it.
            assertEquals("hello<E>\nbye<E>\n", learned(e));
            assertEquals(chat.subList(0, 4), e.context());
            long[] ids = java.util.Arrays.stream(e.ids()).asLongStream().toArray();
            assertEquals(template.render(chat, false), tokenizer.decode(ids, false));

            int[] cut = new int[1];
            SftTask.Example shortened = SftTask.encode(tokenizer, template, chat, 20, cut);
            assertEquals(1, cut[0]);
            assertEquals(20, shortened.ids().length);
            int[] prefix = new int[20];
            System.arraycopy(e.ids(), 0, prefix, 0, 20);
            assertArrayEquals(prefix, shortened.ids());
        }
    }

    @Test
    void promptCompletionPairsAreOneUserAndOneAssistantTurn() throws Exception {
        Path file =
                Files.writeString(
                        dir.resolve("pairs.jsonl"),
                        "{\"prompt\": \"2+2\", \"completion\": \"4\"}\n\n");
        assertEquals(
                List.of(List.of(ChatMessage.user("2+2"), ChatMessage.assistant("4"))),
                SftTask.read(file));
    }

    @Test
    void conversationsItCannotLearnFromAreRefusedWithTheirLine() throws Exception {
        String[][] cases = {
            {
                "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}",
                "line 1 has no assistant"
            },
            {"{\"text\": \"hi\"}", "line 1 has neither \"messages\" nor"},
            {"{\"messages\": [{\"role\": \"user\"}]}", "line 1: every message needs a role"},
            {"{\"messages\": \"hi\"}", "line 1: messages must be a list"},
            {"[1, 2]", "line 1 is not a JSON object"},
            {"{\"messages\": [", "is not JSON Lines"},
            {"", "holds no conversations"},
        };
        for (String[] c : cases) {
            Path file = Files.writeString(dir.resolve("bad.jsonl"), c[0] + "\n");
            FinetuneException e =
                    assertThrows(FinetuneException.class, () -> SftTask.read(file), c[0]);
            assertTrue(e.getMessage().contains(c[1]), c[0] + " -> " + e.getMessage());
            assertTrue(e.getMessage().contains("bad.jsonl"), e.getMessage());
        }
    }
}
