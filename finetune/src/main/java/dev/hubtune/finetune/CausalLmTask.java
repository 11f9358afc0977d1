package dev.hubtune.finetune;

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
import dev.hubtune.tokenizers.TextTokenizer;
import dev.hubtune.tokenizers.TokenizerException;
import dev.hubtune.tokenizers.Truncation;
import dev.hubtune.tokenizers.data.PackedBlocks;
import dev.hubtune.tokenizers.data.Split;
import dev.hubtune.tokenizers.data.TextCorpus;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Causal language modelling on any decoder family: a corpus packed into blocks with the end-of-text
 * token between documents ({@link PackedBlocks}), the next-token loss with padding ignored,
 * validation loss, perplexity and next-token accuracy, sample continuations of fixed prompts
 * decoded in the training session itself, and export in HF format for {@code hubtune generate}.
 */
final class CausalLmTask implements TrainingTask<PackedBlocks.Block, LanguageModelMetrics> {

    private static final Logger LOG = LoggerFactory.getLogger(CausalLmTask.class);
    private static final int EVAL_BATCH = 8;
    private static final int DEFAULT_PROMPTS = 3;
    private static final int DEFAULT_PROMPT_TOKENS = 8;

    /**
     * What only language modelling needs.
     *
     * @param textField the text field (JSONL) or column (CSV/TSV)
     * @param blockSize tokens per block
     * @param prompts sample prompts; empty: the starts of the first validation blocks
     * @param sampling how samples are decoded
     */
    record Options(
            String textField, int blockSize, List<String> prompts, GenerationConfig sampling) {}

    private record Prompt(String text, int[] ids) {}

    private final TrainingSettings s;
    private final Options o;
    private final PretrainedModel model;
    private final DecoderConfig config;
    private final TextTokenizer tokenizer;
    private final List<PackedBlocks.Block> train;
    private final List<PackedBlocks.Block> validation;
    private final List<Prompt> prompts;
    private DecoderBackbone decoder;
    private CausalLmHead head;

    private CausalLmTask(
            TrainingSettings s,
            Options o,
            PretrainedModel model,
            TextTokenizer tokenizer,
            List<PackedBlocks.Block> train,
            List<PackedBlocks.Block> validation,
            List<Prompt> prompts) {
        this.s = s;
        this.o = o;
        this.model = model;
        this.config = (DecoderConfig) model.config();
        this.tokenizer = tokenizer;
        this.train = train;
        this.validation = validation;
        this.prompts = prompts;
    }

    /** Reads, tokenizes and packs the corpus; checks block size and sample prompts. */
    static CausalLmTask prepare(TrainingSettings s, Options o)
            throws FinetuneException, ModelException, TokenizerException {
        PretrainedModel described = ModelFamilies.describe(s.modelDir());
        described.require(ModelTask.CAUSAL_LM);
        DecoderConfig config = (DecoderConfig) described.config();
        if (o.blockSize() > config.maxPositions()) {
            throw new FinetuneException(
                    "block size "
                            + o.blockSize()
                            + " exceeds the model's "
                            + config.maxPositions()
                            + " positions; pass --block-size "
                            + config.maxPositions()
                            + " or less");
        }
        PretrainedModel model = described.withWeights();
        TextTokenizer tokenizer =
                TextTokenizer.builder()
                        .setModelDir(described.dir())
                        .optTruncation(Truncation.NONE)
                        .optMaxLength(Integer.MAX_VALUE)
                        .optAddSpecialTokens(false)
                        .build();
        try {
            int eos = config.eosTokenId();
            int pad = tokenizer.padId();
            List<PackedBlocks.Block> all =
                    PackedBlocks.pack(
                            tokenize(tokenizer, s.trainFile(), o), eos, o.blockSize(), pad);
            List<PackedBlocks.Block> train = new ArrayList<>();
            List<PackedBlocks.Block> validation = new ArrayList<>();
            if (s.validationFile() != null) {
                train.addAll(all);
                validation.addAll(
                        PackedBlocks.pack(
                                tokenize(tokenizer, s.validationFile(), o),
                                eos,
                                o.blockSize(),
                                pad));
            } else {
                // Whole blocks are held out: a seeded share, independent of block contents.
                for (int i = 0; i < all.size(); i++) {
                    boolean heldOut = Split.isValidation(s.seed(), i, s.validationFraction());
                    (heldOut ? validation : train).add(all.get(i));
                }
            }
            if (train.isEmpty() || validation.isEmpty()) {
                throw new FinetuneException(
                        s.trainFile()
                                + " packs into "
                                + all.size()
                                + " blocks of "
                                + o.blockSize()
                                + " tokens, too few to hold out a validation share; give"
                                + " --validation FILE, a larger corpus or a smaller --block-size");
            }
            List<Prompt> prompts = prompts(tokenizer, o, validation);
            LOG.info(
                    "{} training and {} validation blocks of {} tokens ({} training tokens)",
                    train.size(),
                    validation.size(),
                    o.blockSize(),
                    train.stream().mapToLong(PackedBlocks.Block::tokens).sum());
            return new CausalLmTask(s, o, model, tokenizer, train, validation, prompts);
        } catch (FinetuneException | TokenizerException | RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    private static List<int[]> tokenize(TextTokenizer tokenizer, Path file, Options o)
            throws TokenizerException {
        List<int[]> docs = new ArrayList<>();
        for (String doc : TextCorpus.documents(file, o.textField())) {
            docs.add(
                    Arrays.stream(tokenizer.encode(doc).ids())
                            .mapToInt(Math::toIntExact)
                            .toArray());
        }
        return docs;
    }

    private static List<Prompt> prompts(
            TextTokenizer tokenizer, Options o, List<PackedBlocks.Block> validation)
            throws TokenizerException, FinetuneException {
        List<Prompt> out = new ArrayList<>();
        if (!o.prompts().isEmpty()) {
            for (String p : o.prompts()) {
                int[] ids =
                        Arrays.stream(tokenizer.encode(p).ids())
                                .mapToInt(Math::toIntExact)
                                .toArray();
                if (ids.length >= o.blockSize()) {
                    throw new FinetuneException(
                            "the sample prompt '"
                                    + p
                                    + "' has "
                                    + ids.length
                                    + " tokens; keep prompts shorter than the block size");
                }
                out.add(new Prompt(p, ids));
            }
            return out;
        }
        for (PackedBlocks.Block b :
                validation.subList(0, Math.min(DEFAULT_PROMPTS, validation.size()))) {
            int n = Math.max(1, Math.min(DEFAULT_PROMPT_TOKENS, b.tokens() / 2));
            int[] ids = Arrays.copyOf(b.ids(), n);
            out.add(new Prompt(tokenizer.decode(longs(ids), false), ids));
        }
        return out;
    }

    @Override
    public List<PackedBlocks.Block> train() {
        return train;
    }

    @Override
    public int validationSize() {
        return validation.size();
    }

    @Override
    public int length(PackedBlocks.Block example) {
        return example.tokens();
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
                decoder.context().parameters().variables(),
                model.weights(),
                s.modelDir().toString());
        return model.weights();
    }

    @Override
    public Feed feed(List<PackedBlocks.Block> batch) {
        TInt32 ids = matrix(batch, true);
        TInt32 labels = matrix(batch, false);
        long tokens = batch.stream().mapToLong(PackedBlocks.Block::tokens).sum();
        return new Feed(
                batch.size(),
                tokens,
                runner -> runner.feed(decoder.inputs().inputIds(), ids).feed(head.labels, labels),
                ids,
                labels);
    }

    private TInt32 matrix(List<PackedBlocks.Block> batch, boolean ids) {
        int[] flat = new int[batch.size() * o.blockSize()];
        for (int i = 0; i < batch.size(); i++) {
            PackedBlocks.Block b = batch.get(i);
            System.arraycopy(ids ? b.ids() : b.labels(), 0, flat, i * o.blockSize(), o.blockSize());
        }
        return TInt32.tensorOf(Shape.of(batch.size(), o.blockSize()), DataBuffers.of(flat));
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
        for (Prompt p : prompts) {
            Continuation c = generate(session, p.ids(), o.sampling());
            samples.add(
                    new LanguageModelMetrics.Sample(
                            p.text(), tokenizer.decode(longs(c.ids()), true)));
        }
        return LanguageModelMetrics.of(lossSum, correct, tokens, samples);
    }

    /** Decodes in the training session (see {@link SessionDecoding}). */
    Continuation generate(Session session, int[] prompt, GenerationConfig sampling) {
        return SessionDecoding.generate(session, decoder, prompt, sampling, config.stopTokenIds());
    }

    private static long[] longs(int[] ids) {
        return Arrays.stream(ids).asLongStream().toArray();
    }

    @Override
    public Class<LanguageModelMetrics> metricsType() {
        return LanguageModelMetrics.class;
    }

    @Override
    public String fingerprint() {
        long h = 1125899906842597L;
        for (PackedBlocks.Block b : train) {
            for (int id : b.ids()) {
                h = 31 * h + id;
            }
        }
        return "causal-lm/" + o.blockSize() + "/" + train.size() + "/" + Long.toHexString(h);
    }

    @Override
    public Path export(Map<String, WeightTensor> weights, Path dir) throws ModelException {
        return HfExport.write(
                model.family(),
                config,
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
