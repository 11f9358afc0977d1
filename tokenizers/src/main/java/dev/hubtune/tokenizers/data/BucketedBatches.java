package dev.hubtune.tokenizers.data;

import dev.hubtune.tokenizers.Encoded;
import dev.hubtune.tokenizers.TextTokenizer;
import dev.hubtune.tokenizers.TokenizerException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * Length-bucketed batching over a stream of examples: reads a bucket of {@code bucketBatches ×
 * batchSize} examples, sorts it by token length, cuts it into batches and yields them in a seeded
 * random order, each padded only to its own longest row. Similar lengths share a batch, so little
 * compute goes to padding ({@link #paddingFraction()} says how little); memory holds one bucket.
 */
public final class BucketedBatches {

    private record Item(Encoded encoded, int label) {}

    private final Iterator<Example> source;
    private final TextTokenizer tokenizer;
    private final Optional<LabelVocabulary> labels;
    private final int batchSize;
    private final int bucketBatches;
    private final Random random;
    private final List<List<Item>> pending = new ArrayList<>();
    private long realTokens;
    private long paddedCells;
    private long examples;

    /**
     * Batches {@code source} with {@code tokenizer}.
     *
     * @param labels the label vocabulary; empty for unlabelled data
     * @param seed seeds the order of batches within each bucket
     */
    public BucketedBatches(
            Iterator<Example> source,
            TextTokenizer tokenizer,
            Optional<LabelVocabulary> labels,
            int batchSize,
            int bucketBatches,
            long seed) {
        if (batchSize < 1 || bucketBatches < 1) {
            throw new IllegalArgumentException("batch size and bucket size must be positive");
        }
        this.source = source;
        this.tokenizer = tokenizer;
        this.labels = labels;
        this.batchSize = batchSize;
        this.bucketBatches = bucketBatches;
        this.random = new Random(seed);
    }

    /** The next batch, or empty when the data is exhausted. */
    public Optional<LabeledBatch> next() throws TokenizerException {
        if (pending.isEmpty() && !fillBucket()) {
            return Optional.empty();
        }
        List<Item> items = pending.remove(pending.size() - 1);
        List<Encoded> encoded = new ArrayList<>(items.size());
        int[] ids = new int[labels.isPresent() ? items.size() : 0];
        for (int i = 0; i < items.size(); i++) {
            encoded.add(items.get(i).encoded());
            if (labels.isPresent()) {
                ids[i] = items.get(i).label();
            }
        }
        var batch = tokenizer.pad(encoded);
        realTokens += batch.realTokens();
        paddedCells += (long) batch.batchSize() * batch.length();
        return Optional.of(new LabeledBatch(batch, ids));
    }

    private boolean fillBucket() throws TokenizerException {
        List<Item> bucket = new ArrayList<>(batchSize * bucketBatches);
        try {
            while (bucket.size() < batchSize * bucketBatches && source.hasNext()) {
                Example e = source.next();
                Encoded enc =
                        e.pair().isPresent()
                                ? tokenizer.encode(e.text(), e.pair().get())
                                : tokenizer.encode(e.text());
                int label = -1;
                if (labels.isPresent()) {
                    String l =
                            e.label()
                                    .orElseThrow(
                                            () ->
                                                    new DatasetException(
                                                            "line " + e.line() + " has no label"));
                    label = labels.get().id(l, e.line());
                }
                bucket.add(new Item(enc, label));
                examples++;
            }
        } catch (DatasetReader.Failure f) {
            throw f.exception();
        }
        if (bucket.isEmpty()) {
            return false;
        }
        bucket.sort(Comparator.comparingInt(i -> i.encoded().length()));
        for (int start = 0; start < bucket.size(); start += batchSize) {
            pending.add(bucket.subList(start, Math.min(bucket.size(), start + batchSize)));
        }
        Collections.shuffle(pending, random);
        return true;
    }

    /** Examples batched so far. */
    public long examples() {
        return examples;
    }

    /** Share of the batches so far that was padding, 0..1. */
    public double paddingFraction() {
        return paddedCells == 0 ? 0 : 1.0 - (double) realTokens / paddedCells;
    }
}
