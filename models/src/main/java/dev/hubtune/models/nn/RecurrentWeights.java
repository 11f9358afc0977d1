package dev.hubtune.models.nn;

import dev.hubtune.models.weights.WeightTensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Converts the weights of {@link Lstm} and {@link Gru} stacks from and to PyTorch's and Keras's.
 *
 * <p>hubtune keeps Keras's layout: per layer {@code k} and direction, {@code <module>.l<k>.kernel
 * [in, G·u]}, {@code .recurrent_kernel [u, G·u]}, {@code .bias} ({@code [4u]} for an LSTM, {@code
 * [2, 3u]} for a GRU), the backward direction under {@code <module>.l<k>_reverse.…}. Keras's {@code
 * get_weights()} of a stack of {@code LSTM}/{@code GRU(reset_after=True)} layers (each inside
 * {@code Bidirectional} or not) is exactly these tensors in that order: {@link #fromKeras} and
 * {@link #toKeras} only name them.
 *
 * <p>PyTorch's {@code nn.LSTM}/{@code nn.GRU} store {@code weight_ih_l<k> [G·u, in]}, {@code
 * weight_hh_l<k> [G·u, u]}, {@code bias_ih_l<k> [G·u]}, {@code bias_hh_l<k> [G·u]} (suffix {@code
 * _reverse} for the backward direction), gate blocks i, f, g, o (LSTM; Keras's i, f, c, o: the same
 * order) and r, z, n (GRU; Keras's z, r, h: the first two swap). Import transposes, reorders the
 * blocks and, for an LSTM, adds the two biases (they are only ever summed); export writes the LSTM
 * bias as {@code bias_ih} and zeros as {@code bias_hh}, which computes the same function. A GRU's
 * two biases are kept apart (the reset gate multiplies only the recurrent one), so its round trip
 * is exact.
 */
public final class RecurrentWeights {

    private static final String[] SUFFIXES = {"kernel", "recurrent_kernel", "bias"};

    private RecurrentWeights() {}

    /**
     * hubtune's tensors for module {@code module} from a PyTorch state dict whose {@code
     * nn.LSTM}/{@code nn.GRU} names start with {@code torchPrefix} (e.g. {@code "lstm."}, or {@code
     * ""} for the module's own state dict). Layers and directions are read from the names.
     *
     * @throws IllegalArgumentException when a weight is missing or has the wrong shape
     */
    public static Map<String, WeightTensor> fromPyTorch(
            RecurrentCell cell,
            Map<String, WeightTensor> torch,
            String torchPrefix,
            String module) {
        Map<String, WeightTensor> out = new LinkedHashMap<>();
        int layers = 0;
        while (torch.containsKey(torchPrefix + "weight_ih_l" + layers)) {
            layers++;
        }
        if (layers == 0) {
            throw new IllegalArgumentException(
                    "no "
                            + torchPrefix
                            + "weight_ih_l0 among the weights: is "
                            + (torchPrefix.isEmpty() ? "the prefix" : "'" + torchPrefix + "'")
                            + " the nn."
                            + (cell == RecurrentCell.LSTM ? "LSTM" : "GRU")
                            + " module's name? Names found: "
                            + abbreviated(torch));
        }
        boolean bidirectional = torch.containsKey(torchPrefix + "weight_ih_l0_reverse");
        for (int l = 0; l < layers; l++) {
            for (int d = 0; d < (bidirectional ? 2 : 1); d++) {
                String sfx = "_l" + l + (d == 1 ? "_reverse" : "");
                WeightTensor ih = require(torch, torchPrefix + "weight_ih" + sfx);
                WeightTensor hh = require(torch, torchPrefix + "weight_hh" + sfx);
                int width = Math.toIntExact(ih.dim(0));
                int units = width / cell.gates();
                if (width % cell.gates() != 0
                        || hh.shape().length != 2
                        || hh.dim(0) != width
                        || hh.dim(1) != units) {
                    throw new IllegalArgumentException(
                            torchPrefix
                                    + "weight_hh"
                                    + sfx
                                    + " is "
                                    + hh.describe()
                                    + ", expected ["
                                    + width
                                    + ", "
                                    + units
                                    + "] beside weight_ih "
                                    + ih.describe()
                                    + " of a "
                                    + cell.label());
                }
                WeightTensor bih = torch.getOrDefault(torchPrefix + "bias_ih" + sfx, zeros(width));
                WeightTensor bhh = torch.getOrDefault(torchPrefix + "bias_hh" + sfx, zeros(width));
                String prefix = RecurrentStack.prefix(module, l, d == 1);
                out.put(prefix + ".kernel", kernelFromPyTorch(cell, ih));
                out.put(prefix + ".recurrent_kernel", kernelFromPyTorch(cell, hh));
                out.put(prefix + ".bias", biasFromPyTorch(cell, bih, bhh));
            }
        }
        return out;
    }

    /**
     * PyTorch's state dict entries (names prefixed with {@code torchPrefix}) for the hubtune
     * tensors of module {@code module}; the inverse of {@link #fromPyTorch} up to how an LSTM's
     * bias is split.
     */
    public static Map<String, WeightTensor> toPyTorch(
            RecurrentCell cell, Map<String, WeightTensor> ours, String module, String torchPrefix) {
        Map<String, WeightTensor> out = new LinkedHashMap<>();
        for (int l = 0;
                ours.containsKey(RecurrentStack.prefix(module, l, false) + ".kernel");
                l++) {
            for (int d = 0; d < 2; d++) {
                String prefix = RecurrentStack.prefix(module, l, d == 1);
                if (!ours.containsKey(prefix + ".kernel")) {
                    continue;
                }
                String sfx = "_l" + l + (d == 1 ? "_reverse" : "");
                WeightTensor bias = require(ours, prefix + ".bias");
                out.put(
                        torchPrefix + "weight_ih" + sfx,
                        kernelToPyTorch(cell, require(ours, prefix + ".kernel")));
                out.put(
                        torchPrefix + "weight_hh" + sfx,
                        kernelToPyTorch(cell, require(ours, prefix + ".recurrent_kernel")));
                out.put(torchPrefix + "bias_ih" + sfx, biasToPyTorch(cell, bias, 0));
                out.put(torchPrefix + "bias_hh" + sfx, biasToPyTorch(cell, bias, 1));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(
                    "no " + RecurrentStack.prefix(module, 0, false) + ".kernel among the weights");
        }
        return out;
    }

    /**
     * hubtune's tensors from Keras's {@code get_weights()} of {@code layers} stacked layers: per
     * layer kernel, recurrent kernel, bias, and (bidirectional) the backward layer's three after
     * the forward one's. The layout is already hubtune's; shapes are checked.
     */
    public static Map<String, WeightTensor> fromKeras(
            RecurrentCell cell,
            List<WeightTensor> weights,
            int layers,
            boolean bidirectional,
            String module) {
        int directions = bidirectional ? 2 : 1;
        if (weights.size() != layers * directions * 3) {
            throw new IllegalArgumentException(
                    "Keras's get_weights() of "
                            + layers
                            + (bidirectional ? " bidirectional" : "")
                            + " layers has "
                            + layers * directions * 3
                            + " arrays (kernel, recurrent_kernel, bias each), got "
                            + weights.size());
        }
        Map<String, WeightTensor> out = new LinkedHashMap<>();
        int i = 0;
        for (int l = 0; l < layers; l++) {
            for (int d = 0; d < directions; d++) {
                String prefix = RecurrentStack.prefix(module, l, d == 1);
                WeightTensor kernel = weights.get(i++);
                WeightTensor recurrent = weights.get(i++);
                WeightTensor bias = weights.get(i++);
                long width = kernel.dim(1);
                long units = width / cell.gates();
                boolean biasOk =
                        cell == RecurrentCell.LSTM
                                ? Arrays.equals(bias.shape(), new long[] {width})
                                : Arrays.equals(bias.shape(), new long[] {2, width});
                if (width % cell.gates() != 0
                        || !Arrays.equals(recurrent.shape(), new long[] {units, width})
                        || !biasOk) {
                    throw new IllegalArgumentException(
                            prefix
                                    + ": Keras arrays "
                                    + kernel.describe()
                                    + ", "
                                    + recurrent.describe()
                                    + ", "
                                    + bias.describe()
                                    + " are not a "
                                    + cell.label()
                                    + " cell's kernel, recurrent_kernel and bias"
                                    + (cell == RecurrentCell.GRU
                                            ? " (a GRU needs reset_after=True: bias [2, 3u])"
                                            : ""));
                }
                out.put(prefix + ".kernel", kernel);
                out.put(prefix + ".recurrent_kernel", recurrent);
                out.put(prefix + ".bias", bias);
            }
        }
        return out;
    }

    /** Keras's {@code set_weights()} list for the hubtune tensors of {@code module}. */
    public static List<WeightTensor> toKeras(Map<String, WeightTensor> ours, String module) {
        List<WeightTensor> out = new ArrayList<>();
        for (int l = 0;
                ours.containsKey(RecurrentStack.prefix(module, l, false) + ".kernel");
                l++) {
            for (int d = 0; d < 2; d++) {
                String prefix = RecurrentStack.prefix(module, l, d == 1);
                if (ours.containsKey(prefix + ".kernel")) {
                    for (String s : SUFFIXES) {
                        out.add(require(ours, prefix + "." + s));
                    }
                }
            }
        }
        return out;
    }

    /**
     * A PyTorch {@code weight_ih}/{@code weight_hh} {@code [G·u, n]} as a hubtune kernel {@code [n,
     * G·u]}: transposed, gate blocks in Keras's order. Also converts gradients (a linear map).
     */
    public static WeightTensor kernelFromPyTorch(RecurrentCell cell, WeightTensor w) {
        int width = Math.toIntExact(w.dim(0));
        int n = Math.toIntExact(w.dim(1));
        int units = width / cell.gates();
        float[] data = new float[width * n];
        for (int k = 0; k < cell.gates(); k++) {
            int from = cell.pyTorchBlock(k);
            for (int j = 0; j < units; j++) {
                int row = from * units + j;
                int col = k * units + j;
                for (int c = 0; c < n; c++) {
                    data[c * width + col] = w.data()[row * n + c];
                }
            }
        }
        return new WeightTensor(new long[] {n, width}, data);
    }

    /** The inverse of {@link #kernelFromPyTorch}. */
    public static WeightTensor kernelToPyTorch(RecurrentCell cell, WeightTensor kernel) {
        int n = Math.toIntExact(kernel.dim(0));
        int width = Math.toIntExact(kernel.dim(1));
        int units = width / cell.gates();
        float[] data = new float[width * n];
        for (int k = 0; k < cell.gates(); k++) {
            int to = cell.pyTorchBlock(k);
            for (int j = 0; j < units; j++) {
                int row = to * units + j;
                int col = k * units + j;
                for (int c = 0; c < n; c++) {
                    data[row * n + c] = kernel.data()[c * width + col];
                }
            }
        }
        return new WeightTensor(new long[] {width, n}, data);
    }

    /** hubtune's bias from PyTorch's {@code bias_ih} and {@code bias_hh}. */
    public static WeightTensor biasFromPyTorch(
            RecurrentCell cell, WeightTensor ih, WeightTensor hh) {
        float[] a = reorder(cell, ih.data(), true);
        float[] b = reorder(cell, hh.data(), true);
        if (cell == RecurrentCell.LSTM) {
            float[] sum = new float[a.length];
            for (int i = 0; i < a.length; i++) {
                sum[i] = a[i] + b[i];
            }
            return new WeightTensor(new long[] {a.length}, sum);
        }
        float[] both = Arrays.copyOf(a, 2 * a.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return new WeightTensor(new long[] {2, a.length}, both);
    }

    /**
     * PyTorch's {@code bias_ih} ({@code row} 0) or {@code bias_hh} (1) from hubtune's bias: an
     * LSTM's whole bias goes to {@code bias_ih}, zeros to {@code bias_hh}.
     */
    public static WeightTensor biasToPyTorch(RecurrentCell cell, WeightTensor bias, int row) {
        if (cell == RecurrentCell.LSTM) {
            int width = Math.toIntExact(bias.dim(0));
            return row == 0
                    ? new WeightTensor(new long[] {width}, reorder(cell, bias.data(), false))
                    : zeros(width);
        }
        int width = Math.toIntExact(bias.dim(1));
        float[] part = Arrays.copyOfRange(bias.data(), row * width, (row + 1) * width);
        return new WeightTensor(new long[] {width}, reorder(cell, part, false));
    }

    private static float[] reorder(RecurrentCell cell, float[] v, boolean fromPyTorch) {
        int units = v.length / cell.gates();
        float[] out = new float[v.length];
        for (int k = 0; k < cell.gates(); k++) {
            int other = cell.pyTorchBlock(k);
            if (fromPyTorch) {
                System.arraycopy(v, other * units, out, k * units, units);
            } else {
                System.arraycopy(v, k * units, out, other * units, units);
            }
        }
        return out;
    }

    private static WeightTensor zeros(int n) {
        return WeightTensor.zeros(n);
    }

    private static WeightTensor require(Map<String, WeightTensor> weights, String name) {
        WeightTensor w = weights.get(name);
        if (w == null) {
            throw new IllegalArgumentException(
                    "missing " + name + " among the weights; names found: " + abbreviated(weights));
        }
        return w;
    }

    private static String abbreviated(Map<String, WeightTensor> weights) {
        List<String> names = new ArrayList<>(weights.keySet());
        return names.size() <= 8
                ? names.toString()
                : names.subList(0, 8) + " … (" + names.size() + " in all)";
    }
}
