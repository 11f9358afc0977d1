package dev.hubtune.models.family;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * The key/value cache of a generation graph: per layer, the keys and values of earlier positions
 * fed in ({@code [batch, kvHeads, past, headSize]}, past may be 0) and the same extended by the new
 * positions fetched out. With it each new token costs one position's work instead of a pass over
 * the whole prefix.
 *
 * @param pastKeys cached keys, one placeholder per layer
 * @param pastValues cached values, one placeholder per layer
 * @param presentKeys keys of all positions so far, one per layer
 * @param presentValues values of all positions so far, one per layer
 * @param kvHeads key/value heads per layer
 * @param headSize width of one head
 */
public record KeyValueCache(
        List<Placeholder<TFloat32>> pastKeys,
        List<Placeholder<TFloat32>> pastValues,
        List<Operand<TFloat32>> presentKeys,
        List<Operand<TFloat32>> presentValues,
        int kvHeads,
        int headSize) {

    /** Copies the lists. */
    public KeyValueCache {
        pastKeys = List.copyOf(pastKeys);
        pastValues = List.copyOf(pastValues);
        presentKeys = List.copyOf(presentKeys);
        presentValues = List.copyOf(presentValues);
    }

    /** Layers. */
    public int layers() {
        return pastKeys.size();
    }
}
