package dev.hubtune.models.lora;

import dev.hubtune.models.weights.WeightTensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Folds adapters into the weights they adapt: {@code W' = W + scale·A·B} on each adapted kernel
 * (graph layout {@code [in, out]}, so {@code A [in, r]·B [r, out]} needs no transpose, whatever the
 * checkpoint's layout), and the saved modules' weights in place of the base's. The merged model
 * computes what the unmerged one does (up to float rounding), with no extra products per token:
 * {@code --merge} exports it, and adapters applied for inference are merged this way.
 */
public final class LoraMerge {

    private LoraMerge() {}

    /** {@code weights} (graph names and layout) with {@code adapter} folded in; a new map. */
    public static Map<String, WeightTensor> merge(
            Map<String, WeightTensor> weights, PeftAdapter.Resolved adapter) {
        Map<String, WeightTensor> out = new LinkedHashMap<>(weights);
        out.putAll(changed(weights, adapter));
        return out;
    }

    /** Only the tensors {@code adapter} changes, merged: the adapted kernels and saved modules. */
    public static Map<String, WeightTensor> changed(
            Map<String, WeightTensor> weights, PeftAdapter.Resolved adapter) {
        Map<String, WeightTensor> out = new LinkedHashMap<>(adapter.saved());
        for (var e : adapter.layers().entrySet()) {
            String kernel = e.getKey() + ".weight";
            WeightTensor w = out.containsKey(kernel) ? out.get(kernel) : weights.get(kernel);
            if (w == null) {
                throw new IllegalArgumentException("no weight " + kernel + " to merge into");
            }
            out.put(kernel, plusLowRank(w, e.getValue()));
        }
        return out;
    }

    /** {@code w + scale·A·B}, rows in parallel. */
    static WeightTensor plusLowRank(WeightTensor w, PeftAdapter.Layer layer) {
        int in = (int) w.dim(0);
        int out = (int) w.dim(1);
        int r = layer.rank();
        float[] a = layer.a().data();
        float[] b = layer.b().data();
        float[] src = w.data();
        float[] dst = new float[src.length];
        float scale = (float) layer.scale();
        IntStream.range(0, in)
                .parallel()
                .forEach(
                        i -> {
                            float[] row = new float[out];
                            for (int k = 0; k < r; k++) {
                                float aik = a[i * r + k];
                                int bk = k * out;
                                for (int j = 0; j < out; j++) {
                                    row[j] += aik * b[bk + j];
                                }
                            }
                            for (int j = 0; j < out; j++) {
                                dst[i * out + j] = src[i * out + j] + scale * row[j];
                            }
                        });
        return new WeightTensor(w.shape().clone(), dst);
    }

    /** {@code t·factor}. */
    static WeightTensor scaled(WeightTensor t, float factor) {
        float[] d = t.data().clone();
        for (int i = 0; i < d.length; i++) {
            d[i] *= factor;
        }
        return new WeightTensor(t.shape().clone(), d);
    }
}
