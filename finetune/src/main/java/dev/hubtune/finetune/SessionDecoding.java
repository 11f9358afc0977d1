package dev.hubtune.finetune;

import dev.hubtune.models.decoding.Continuation;
import dev.hubtune.models.decoding.Decoder;
import dev.hubtune.models.decoding.GenerationConfig;
import dev.hubtune.models.family.DecoderBackbone;
import dev.hubtune.models.runtime.Tensors;
import java.util.Set;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Decoding in a training session, for the samples every evaluation shows: no cache, the whole
 * sequence re-run per token with dropout off — an independent path from {@link
 * dev.hubtune.models.apps.DecoderModel}'s cached one, which exported models use, so a sample that
 * differs after export points at the export.
 */
final class SessionDecoding {

    private SessionDecoding() {}

    /** Continues {@code prompt} with the training graph of {@code decoder} in {@code session}. */
    static Continuation generate(
            Session session,
            DecoderBackbone decoder,
            int[] prompt,
            GenerationConfig sampling,
            Set<Integer> stopIds) {
        int room = decoder.config().maxPositions() - prompt.length;
        GenerationConfig fitted =
                sampling.maxNewTokens() <= room
                        ? sampling
                        : sampling.withMaxNewTokens(Math.max(1, room));
        return Decoder.generate(
                prompt,
                fitted,
                stopIds,
                Decoder.withoutCache(
                        sequence -> {
                            try (TInt32 input =
                                            TInt32.tensorOf(
                                                    Shape.of(1, sequence.length),
                                                    DataBuffers.of(sequence));
                                    Result r =
                                            session.runner()
                                                    .feed(decoder.inputs().inputIds(), input)
                                                    .fetch(decoder.lastLogits())
                                                    .run()) {
                                return Tensors.floats((TFloat32) r.get(0));
                            }
                        }),
                token -> true);
    }
}
