package dev.hubtune.models.testing;

import dev.hubtune.models.weights.WeightTensor;
import java.util.LinkedHashMap;
import java.util.Map;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * Weights given by a closed formula of each parameter's name and index, the same one {@code
 * tools/reference/gpt2_reference.py} uses, so that a reference implementation and ours run the very
 * same model without a weight file in the repository.
 */
public final class FormulaWeights {

    private FormulaWeights() {}

    /** Values for every variable of a graph, by the formula. */
    public static Map<String, WeightTensor> of(Map<String, Variable<TFloat32>> variables) {
        Map<String, WeightTensor> out = new LinkedHashMap<>();
        for (var e : variables.entrySet()) {
            long[] shape = e.getValue().shape().asArray();
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            float[] data = new float[(int) n];
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) value(e.getKey(), i);
            }
            out.put(e.getKey(), new WeightTensor(shape, data));
        }
        return out;
    }

    /**
     * Values for parameters given by HF name and PyTorch shape, by the Llama-family formula of
     * {@code tools/reference/llama_reference.py} (index in PyTorch's layout).
     */
    public static Map<String, WeightTensor> llamaFamily(Map<String, long[]> shapes, boolean gemma) {
        Map<String, WeightTensor> out = new LinkedHashMap<>();
        for (var e : shapes.entrySet()) {
            long n = 1;
            for (long d : e.getValue()) {
                n *= d;
            }
            float[] data = new float[(int) n];
            String name = e.getKey();
            double offset = 0;
            double amplitude = 0.3;
            if (name.contains("norm")) {
                offset = gemma ? 0 : 1;
                amplitude = 0.2;
            } else if (name.endsWith(".bias")) {
                amplitude = 0.1;
            } else if (name.contains("embed_tokens")) {
                amplitude = 0.5;
            } else if (name.contains("o_proj") || name.contains("down_proj")) {
                amplitude = 0.2;
            }
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) (offset + amplitude * wave(name, i));
            }
            out.put(name, new WeightTensor(e.getValue(), data));
        }
        return out;
    }

    private static double wave(String name, int i) {
        return Math.sin(phase(name) + 0.7071 * i) * Math.cos(0.013 * (((long) i * i) % 1000));
    }

    /** The formula (see the Python script). */
    static double value(String name, int i) {
        double offset = 0;
        double amplitude;
        if (name.contains(".ln_") || name.startsWith("ln_f")) {
            offset = name.endsWith(".weight") ? 1 : 0;
            amplitude = name.endsWith(".weight") ? 0.2 : 0.1;
        } else if (name.endsWith(".bias")) {
            amplitude = 0.1;
        } else if (name.equals("wte.weight") || name.equals("wpe.weight")) {
            amplitude = 0.5;
        } else if (name.contains(".c_proj.")) {
            amplitude = 0.2;
        } else {
            amplitude = 0.3;
        }
        return offset
                + amplitude
                        * Math.sin(phase(name) + 0.7071 * i)
                        * Math.cos(0.013 * (((long) i * i) % 1000));
    }

    private static double phase(String name) {
        long sum = 0;
        for (int j = 0; j < name.length(); j++) {
            sum += (long) (j + 1) * name.charAt(j);
        }
        return sum % 1009;
    }
}
