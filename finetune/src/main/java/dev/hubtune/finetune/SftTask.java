package dev.hubtune.finetune;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hubtune.models.ModelException;
import dev.hubtune.models.decoding.Continuation;
import dev.hubtune.models.decoding.GenerationConfig;
import dev.hubtune.models.export.ExportMetadata;
import dev.hubtune.models.export.HfExport;
import dev.hubtune.models.family.DecoderBackbone;
import dev.hubtune.models.family.DecoderConfig;
import dev.hubtune.models.family.ModelFamilies;
import dev.hubtune.models.family.ModelTask;
import dev.hubtune.models.family.PretrainedModel;
import dev.hubtune.models.heads.CausalLmHead;
import dev.hubtune.models.nn.BuildContext;
import dev.hubtune.models.weights.Variables;
import dev.hubtune.models.weights.WeightTensor;
import dev.hubtune.tokenizers.Encoded;
import dev.hubtune.tokenizers.TextTokenizer;
import dev.hubtune.tokenizers.TokenizerException;
import dev.hubtune.tokenizers.Truncation;
import dev.hubtune.tokenizers.chat.ChatMessage;
import dev.hubtune.tokenizers.chat.ChatTemplate;
import dev.hubtune.tokenizers.data.Split;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Supervised fine-tuning of a decoder on conversations: JSONL with {@code messages: [{role,
 * content}]} (or {@code prompt}/{@code completion}), rendered with the model's chat template; the
 * loss counts only the assistant's tokens (the user's and the template's are context, padding is
 * ignored). Evaluation reports loss, perplexity and token accuracy on the assistant tokens, and
 * answers the first validation conversations in the training session; the export is an HF model
 * with its tokenizer and chat template.
 */
final class SftTask implements TrainingTask<SftTask.Example, LanguageModelMetrics> {

    private static final Logger LOG = LoggerFactory.getLogger(SftTask.class);
    private static final int EVAL_BATCH = 8;
    private static final int SAMPLES = 3;

    /**
     * One conversation as token ids and next-token labels (-100 where the loss does not count).
     *
     * @param ids token ids
     * @param labels the next token where it is the assistant's, else -100
     * @param context the conversation up to the last assistant turn (for samples)
     */
    record Example(int[] ids, int[] labels, List<ChatMessage> context) {
        long trained() {
            return Arrays.stream(labels).filter(l -> l >= 0).count();
        }
    }

    /**
     * What only SFT needs.
     *
     * @param maxLength tokens per conversation (longer ones are cut)
     * @param sampling how the evaluation's answers are decoded
     */
    record Options(int maxLength, GenerationConfig sampling) {}

    private final TrainingSettings s;
    private final Options o;
    private final PretrainedModel model;
    private final TextTokenizer tokenizer;
    private final ChatTemplate template;
    private final List<Example> train;
    private final List<Example> validation;
    private final Set<Integer> stopIds;
    private final int pad;
    private DecoderBackbone decoder;
    private CausalLmHead head;

    private SftTask(
            TrainingSettings s,
            Options o,
            PretrainedModel model,
            TextTokenizer tokenizer,
            ChatTemplate template,
            List<Example> train,
            List<Example> validation,
            Set<Integer> stopIds) {
        this.s = s;
        this.o = o;
        this.model = model;
        this.tokenizer = tokenizer;
        this.template = template;
        this.train = train;
        this.validation = validation;
        this.stopIds = stopIds;
        this.pad = ((DecoderConfig) model.config()).eosTokenId();
    }

    /** Reads, renders and tokenizes the conversations; checks the model can chat. */
    static SftTask prepare(TrainingSettings s, Options o)
            throws FinetuneException, ModelException, TokenizerException {
        PretrainedModel described = ModelFamilies.describe(s.modelDir());
        described.require(ModelTask.CAUSAL_LM);
        ChatTemplate template =
                ChatTemplate.read(described.dir())
                        .orElseThrow(
                                () ->
                                        new FinetuneException(
                                                s.modelDir()
                                                        + " has no chat template"
                                                        + " (tokenizer_config.json's"
                                                        + " chat_template), so conversations"
                                                        + " cannot be rendered as it expects;"
                                                        + " start from an instruction-tuned"
                                                        + " model, or train plain text with"
                                                        + " --task causal-lm"));
        DecoderConfig config = (DecoderConfig) described.config();
        int maxLength = Math.min(o.maxLength(), config.maxPositions());
        PretrainedModel model = described.withWeights();
        TextTokenizer tokenizer =
                TextTokenizer.builder()
                        .setModelDir(described.dir())
                        .optTruncation(Truncation.NONE)
                        .optMaxLength(Integer.MAX_VALUE)
                        .optAddSpecialTokens(false)
                        .build();
        try {
            Set<Integer> stops = new TreeSet<>(config.stopTokenIds());
            template.specialToken("eos_token")
                    .ifPresent(eos -> tokenizer.tokenId(eos).ifPresent(stops::add));
            List<Example> train = new ArrayList<>();
            List<Example> validation = new ArrayList<>();
            int[] cut = {0};
            List<List<ChatMessage>> conversations = read(s.trainFile());
            for (int i = 0; i < conversations.size(); i++) {
                Example e = encode(tokenizer, template, conversations.get(i), maxLength, cut);
                boolean heldOut =
                        s.validationFile() == null
                                && Split.isValidation(s.seed(), i, s.validationFraction());
                (heldOut ? validation : train).add(e);
            }
            if (s.validationFile() != null) {
                for (List<ChatMessage> c : read(s.validationFile())) {
                    validation.add(encode(tokenizer, template, c, maxLength, cut));
                }
            }
            if (train.isEmpty() || validation.isEmpty()) {
                throw new FinetuneException(
                        s.trainFile()
                                + " gives "
                                + train.size()
                                + " training and "
                                + validation.size()
                                + " validation conversations; give --validation FILE or more data");
            }
            if (cut[0] > 0) {
                LOG.warn(
                        "{} conversations were longer than {} tokens and were cut (--max-length)",
                        cut[0],
                        maxLength);
            }
            LOG.info(
                    "{} training and {} validation conversations, {} assistant tokens to learn",
                    train.size(),
                    validation.size(),
                    train.stream().mapToLong(Example::trained).sum());
            return new SftTask(
                    s, o, model, tokenizer, template, train, validation, Set.copyOf(stops));
        } catch (FinetuneException | TokenizerException | RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    /** The conversations of a JSONL file, in order. */
    static List<List<ChatMessage>> read(Path file) throws FinetuneException {
        List<List<ChatMessage>> out = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                out.add(conversation(JsonParser.parseString(line), file, n));
            }
        } catch (IOException e) {
            throw new FinetuneException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (com.google.gson.JsonParseException e) {
            throw new FinetuneException(file + " is not JSON Lines: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new FinetuneException(file + " holds no conversations");
        }
        return out;
    }

    private static List<ChatMessage> conversation(JsonElement e, Path file, int line)
            throws FinetuneException {
        String where = file + " line " + line;
        if (!e.isJsonObject()) {
            throw new FinetuneException(where + " is not a JSON object");
        }
        JsonObject o = e.getAsJsonObject();
        List<ChatMessage> messages = new ArrayList<>();
        if (o.has("messages")) {
            if (!o.get("messages").isJsonArray()) {
                throw new FinetuneException(where + ": messages must be a list of {role, content}");
            }
            JsonArray list = o.getAsJsonArray("messages");
            for (JsonElement m : list) {
                if (!m.isJsonObject()
                        || !m.getAsJsonObject().has("role")
                        || !m.getAsJsonObject().has("content")
                        || !m.getAsJsonObject().get("content").isJsonPrimitive()) {
                    throw new FinetuneException(
                            where + ": every message needs a role and a text content");
                }
                messages.add(
                        new ChatMessage(
                                m.getAsJsonObject().get("role").getAsString(),
                                m.getAsJsonObject().get("content").getAsString()));
            }
        } else if (o.has("prompt") && o.has("completion")) {
            messages.add(ChatMessage.user(o.get("prompt").getAsString()));
            messages.add(ChatMessage.assistant(o.get("completion").getAsString()));
        } else {
            throw new FinetuneException(
                    where + " has neither \"messages\" nor \"prompt\" and \"completion\"");
        }
        if (messages.stream().noneMatch(m -> m.role().equals("assistant"))) {
            throw new FinetuneException(where + " has no assistant message to learn");
        }
        return messages;
    }

    /**
     * Tokens of the rendered conversation, labelled on the assistant's turns: each turn's span in
     * the text is where the rendering with it goes beyond the rendering up to its generation
     * prompt; a token is the assistant's when it starts inside such a span.
     */
    static Example encode(
            TextTokenizer tokenizer,
            ChatTemplate template,
            List<ChatMessage> messages,
            int maxLength,
            int[] cut)
            throws TokenizerException {
        String full = template.render(messages, false);
        List<int[]> spans = new ArrayList<>();
        List<ChatMessage> context = messages;
        for (int i = 0; i < messages.size(); i++) {
            if (!messages.get(i).role().equals("assistant")) {
                continue;
            }
            String before = template.render(messages.subList(0, i), true);
            String upTo = template.render(messages.subList(0, i + 1), false);
            if (!full.startsWith(upTo) || !upTo.startsWith(before)) {
                throw new TokenizerException(
                        "the chat template does not render conversations incrementally (a turn"
                                + " changes what came before it), so assistant tokens cannot be"
                                + " located");
            }
            spans.add(new int[] {before.length(), upTo.length()});
            context = messages.subList(0, i);
        }
        Encoded enc = tokenizer.encode(full);
        int n = Math.min(enc.length(), maxLength);
        if (enc.length() > maxLength) {
            cut[0]++;
        }
        int[] ids = new int[n];
        boolean[] assistant = new boolean[n];
        for (int t = 0; t < n; t++) {
            ids[t] = Math.toIntExact(enc.ids()[t]);
            int start = enc.charStarts()[t];
            for (int[] span : spans) {
                if (start >= span[0] && start < span[1]) {
                    assistant[t] = true;
                }
            }
        }
        // Position t predicts token t+1: it is trained where token t+1 is the assistant's.
        int[] labels = new int[n];
        Arrays.fill(labels, -100);
        for (int t = 0; t + 1 < n; t++) {
            if (assistant[t + 1]) {
                labels[t] = ids[t + 1];
            }
        }
        return new Example(ids, labels, List.copyOf(context));
    }

    @Override
    public List<Example> train() {
        return train;
    }

    @Override
    public int validationSize() {
        return validation.size();
    }

    @Override
    public int length(Example example) {
        return example.ids().length;
    }

    @Override
    public Model build(BuildContext context) {
        decoder = (DecoderBackbone) model.family().build(context, model.config());
        head = CausalLmHead.build(decoder);
        // The LM head is the pretrained model's, not a head of this task's own.
        // The loss is a mean over the labelled tokens: towers weigh theirs by their token count.
        return new Model(
                head.loss.mean(),
                context.parameters(),
                context.dropoutControl(),
                Set.of(),
                head.loss.count(),
                true);
    }

    @Override
    public Map<String, WeightTensor> initialWeights() throws ModelException {
        Variables.requireFit(
                decoder.context().parameters().variables(), model.weights(), model.name());
        return model.weights();
    }

    @Override
    public Feed feed(List<Example> batch) {
        int length = batch.stream().mapToInt(e -> e.ids().length).max().orElse(1);
        // Right padding: a causal model's real tokens never attend to the padding after them, and
        // the padding's labels are -100, so it changes nothing but the tensor's width.
        int[] ids = new int[batch.size() * length];
        int[] labels = new int[batch.size() * length];
        Arrays.fill(ids, pad);
        Arrays.fill(labels, -100);
        long tokens = 0;
        for (int i = 0; i < batch.size(); i++) {
            Example e = batch.get(i);
            System.arraycopy(e.ids(), 0, ids, i * length, e.ids().length);
            System.arraycopy(e.labels(), 0, labels, i * length, e.labels().length);
            tokens += e.ids().length;
        }
        TInt32 x = TInt32.tensorOf(Shape.of(batch.size(), length), DataBuffers.of(ids));
        TInt32 y = TInt32.tensorOf(Shape.of(batch.size(), length), DataBuffers.of(labels));
        return new Feed(
                batch.size(),
                tokens,
                runner -> runner.feed(decoder.inputs().inputIds(), x).feed(head.labels, y),
                x,
                y);
    }

    @Override
    public LanguageModelMetrics evaluate(Session session) {
        double lossSum = 0;
        double correct = 0;
        long tokens = 0;
        for (int start = 0; start < validation.size(); start += EVAL_BATCH) {
            try (Feed feed =
                            feed(
                                    validation.subList(
                                            start,
                                            Math.min(validation.size(), start + EVAL_BATCH)));
                    Result r =
                            feed.into(session.runner())
                                    .fetch(head.loss.sum())
                                    .fetch(head.loss.count())
                                    .fetch(head.loss.correct())
                                    .run()) {
                lossSum += ((TFloat32) r.get(0)).getFloat();
                tokens += Math.round(((TFloat32) r.get(1)).getFloat());
                correct += ((TFloat32) r.get(2)).getFloat();
            }
        }
        List<LanguageModelMetrics.Sample> samples = new ArrayList<>();
        for (Example e : validation.subList(0, Math.min(SAMPLES, validation.size()))) {
            samples.add(answer(session, e.context()));
        }
        return LanguageModelMetrics.of(lossSum, correct, tokens, samples);
    }

    /** The model's answer to {@code context}, decoded in the training session. */
    private LanguageModelMetrics.Sample answer(Session session, List<ChatMessage> context) {
        String lastUser = context.isEmpty() ? "" : context.get(context.size() - 1).content();
        try {
            int[] prompt =
                    Arrays.stream(tokenizer.encode(template.render(context, true)).ids())
                            .mapToInt(Math::toIntExact)
                            .toArray();
            Continuation c =
                    SessionDecoding.generate(session, decoder, prompt, o.sampling(), stopIds);
            long[] ids = Arrays.stream(c.ids()).asLongStream().toArray();
            return new LanguageModelMetrics.Sample(lastUser, tokenizer.decode(ids, true));
        } catch (TokenizerException e) {
            return new LanguageModelMetrics.Sample(lastUser, "(" + e.getMessage() + ")");
        }
    }

    @Override
    public Class<LanguageModelMetrics> metricsType() {
        return LanguageModelMetrics.class;
    }

    @Override
    public String fingerprint() {
        long h = 1125899906842597L;
        for (Example e : train) {
            for (int id : e.ids()) {
                h = 31 * h + id;
            }
            for (int l : e.labels()) {
                h = 31 * h + l;
            }
        }
        return "sft/" + o.maxLength() + "/" + train.size() + "/" + Long.toHexString(h);
    }

    @Override
    public Path export(Map<String, WeightTensor> weights, Path dir) throws ModelException {
        return HfExport.write(
                model.family(),
                model.config(),
                weights,
                ExportMetadata.of(ModelTask.CAUSAL_LM),
                model.dir(),
                dir);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
