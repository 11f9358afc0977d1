package dev.hubtune.models.apps;

import dev.hubtune.models.ModelException;
import dev.hubtune.models.decoding.Continuation;
import dev.hubtune.models.decoding.GenerationConfig;
import dev.hubtune.models.family.ModelFamilies;
import dev.hubtune.models.family.ModelTask;
import dev.hubtune.models.family.PretrainedModel;
import dev.hubtune.tokenizers.Encoded;
import dev.hubtune.tokenizers.TextTokenizer;
import dev.hubtune.tokenizers.TokenizerException;
import dev.hubtune.tokenizers.Truncation;
import dev.hubtune.tokenizers.chat.ChatMessage;
import dev.hubtune.tokenizers.chat.ChatTemplate;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Continues a prompt with a decoder-only language model: greedy or sampled (temperature, top-k,
 * top-p, seeded), one position of work per new token thanks to the key/value cache.
 *
 * <pre>{@code
 * try (TextGenerator g = TextGenerator.builder().setModelDir(dir).build()) {
 *     String text = g.generate("Once upon a time", GenerationConfig.greedy(20)).text();
 * }
 * }</pre>
 */
public final class TextGenerator implements AutoCloseable {

    /**
     * What a generation produced.
     *
     * @param prompt the prompt
     * @param text the generated continuation (without the prompt)
     * @param promptIds the prompt's token ids
     * @param newIds the generated token ids
     * @param stoppedAtEndOfText whether generation ended at the end-of-text token
     * @param nanos time spent, including the prompt's forward pass
     */
    public record Generation(
            String prompt,
            String text,
            int[] promptIds,
            int[] newIds,
            boolean stoppedAtEndOfText,
            long nanos) {

        /** Generated tokens per second. */
        public double tokensPerSecond() {
            return newIds.length / (nanos / 1e9);
        }
    }

    private final TextTokenizer tokenizer;
    private final DecoderModel model;
    private final Optional<ChatTemplate> chatTemplate;
    private final Set<Integer> stopIds;

    private TextGenerator(
            TextTokenizer tokenizer, DecoderModel model, Optional<ChatTemplate> chatTemplate) {
        this.tokenizer = tokenizer;
        this.model = model;
        this.chatTemplate = chatTemplate;
        // The config's end-of-text ids, and the tokenizer's end-of-turn token of chat models
        // (<|im_end|>, <|eot_id|>) where their config names another.
        Set<Integer> ids = new TreeSet<>(model.config().stopTokenIds());
        chatTemplate
                .flatMap(t -> t.specialToken("eos_token"))
                .ifPresent(eos -> tokenizer.tokenId(eos).ifPresent(ids::add));
        this.stopIds = Set.copyOf(ids);
    }

    /** A generator over an already loaded model and tokenizer (both owned from now on). */
    public static TextGenerator of(TextTokenizer tokenizer, DecoderModel model) {
        return new TextGenerator(tokenizer, model, Optional.empty());
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** The model. */
    public DecoderModel model() {
        return model;
    }

    /** Continues {@code prompt}. */
    public Generation generate(String prompt, GenerationConfig config)
            throws TokenizerException, ModelException {
        Encoded encoded = tokenizer.encode(prompt);
        int[] promptIds = Arrays.stream(encoded.ids()).mapToInt(Math::toIntExact).toArray();
        if (promptIds.length == 0) {
            promptIds = new int[] {model.config().bosTokenId()};
        }
        return generate(prompt, promptIds, config);
    }

    /** Continues the token ids {@code promptIds} ({@code prompt} is kept for the result). */
    public Generation generate(String prompt, int[] promptIds, GenerationConfig config)
            throws ModelException {
        return generate(prompt, promptIds, config, text -> {});
    }

    /**
     * Continues {@code promptIds}, handing each new piece of text to {@code stream} as soon as it
     * decodes to whole characters; ends at an end-of-text or end-of-turn token, the token budget,
     * or a stop string (which is left out of the text).
     */
    public Generation generate(
            String prompt, int[] promptIds, GenerationConfig config, Consumer<String> stream)
            throws ModelException {
        long start = System.nanoTime();
        List<Integer> ids = new ArrayList<>();
        String[] shown = {""};
        boolean[] stopped = {false};
        Continuation c =
                model.generate(
                        promptIds,
                        config,
                        stopIds,
                        token -> {
                            ids.add(token);
                            String text = decode(ids);
                            int stop = firstStop(text, config.stopStrings());
                            if (stop >= 0) {
                                text = text.substring(0, stop);
                                stopped[0] = true;
                            }
                            // A byte-level token may end inside a UTF-8 character: wait for it.
                            if (!text.endsWith("\uFFFD") && text.startsWith(shown[0])) {
                                stream.accept(text.substring(shown[0].length()));
                                shown[0] = text;
                            }
                            return !stopped[0];
                        });
        String text = decode(ids);
        int stop = firstStop(text, config.stopStrings());
        if (stop >= 0) {
            text = text.substring(0, stop);
        }
        if (text.length() > shown[0].length() && text.startsWith(shown[0])) {
            stream.accept(text.substring(shown[0].length()));
        }
        return new Generation(
                prompt,
                text,
                promptIds,
                c.ids(),
                c.stoppedAtEndOfText(),
                System.nanoTime() - start);
    }

    /**
     * The assistant's next turn after {@code messages}, rendered with the model's chat template and
     * streamed as it is generated.
     *
     * @throws ModelException when the model has no chat template
     */
    public Generation chat(
            List<ChatMessage> messages, GenerationConfig config, Consumer<String> stream)
            throws ModelException, TokenizerException {
        ChatTemplate template =
                chatTemplate.orElseThrow(
                        () ->
                                new ModelException(
                                        "this model has no chat template (tokenizer_config.json's"
                                                + " chat_template): it is not a chat model; use"
                                                + " hubtune generate for plain continuation"));
        String prompt = template.render(messages, true);
        int[] ids =
                Arrays.stream(tokenizer.encode(prompt).ids()).mapToInt(Math::toIntExact).toArray();
        return generate(prompt, ids, config, stream);
    }

    /** Whether the model has a chat template. */
    public boolean canChat() {
        return chatTemplate.isPresent();
    }

    /** The model's chat template, if any. */
    public Optional<ChatTemplate> chatTemplate() {
        return chatTemplate;
    }

    /** The tokenizer. */
    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    private String decode(List<Integer> ids) {
        long[] asLongs = new long[ids.size()];
        for (int i = 0; i < asLongs.length; i++) {
            asLongs[i] = ids.get(i);
        }
        return tokenizer.decode(asLongs, true);
    }

    private static int firstStop(String text, List<String> stops) {
        int first = -1;
        for (String s : stops) {
            int at = text.indexOf(s);
            if (at >= 0 && (first < 0 || at < first)) {
                first = at;
            }
        }
        return first;
    }

    @Override
    public void close() {
        model.close();
        tokenizer.close();
    }

    /** The names of the adapters loaded over the base (empty without). */
    public java.util.List<String> adapters() {
        return model.adapters();
    }

    /** Switches to adapter {@code name} ({@code null}: the base model); not while generating. */
    public void useAdapter(String name) {
        model.useAdapter(name);
    }

    static java.util.List<dev.hubtune.models.lora.PeftAdapter> readAdapters(
            java.util.List<Path> dirs) throws ModelException {
        java.util.List<dev.hubtune.models.lora.PeftAdapter> out = new java.util.ArrayList<>();
        for (Path d : dirs) {
            out.add(dev.hubtune.models.lora.PeftAdapter.read(d));
        }
        return out;
    }

    /** Builder of a {@link TextGenerator}. */
    public static final class Builder {
        private Path modelDir;
        private final java.util.List<Path> adapters = new java.util.ArrayList<>();

        Builder() {}

        /** An HF-format decoder directory with its tokenizer files (required). */
        public Builder setModelDir(Path dir) {
            this.modelDir = Objects.requireNonNull(dir);
            return this;
        }

        /**
         * A PEFT LoRA adapter directory to apply over the model (repeatable: the first is active,
         * {@link TextGenerator#useAdapter} switches).
         */
        public Builder optAdapter(Path dir) {
            adapters.add(Objects.requireNonNull(dir));
            return this;
        }

        /** Loads tokenizer and model. */
        public TextGenerator build() throws ModelException, TokenizerException {
            Objects.requireNonNull(modelDir, "setModelDir is required");
            PretrainedModel model = ModelFamilies.describe(modelDir);
            model.require(ModelTask.CAUSAL_LM);
            // No truncation: a prompt longer than the model is reported with its real length.
            TextTokenizer tokenizer =
                    TextTokenizer.builder()
                            .setModelDir(model.dir())
                            .optTruncation(Truncation.NONE)
                            .optMaxLength(Integer.MAX_VALUE)
                            .optAddSpecialTokens(false)
                            .build();
            try {
                return new TextGenerator(
                        tokenizer,
                        DecoderModel.load(model, readAdapters(adapters)),
                        ChatTemplate.read(model.dir()));
            } catch (ModelException | RuntimeException e) {
                tokenizer.close();
                throw e;
            }
        }
    }
}
