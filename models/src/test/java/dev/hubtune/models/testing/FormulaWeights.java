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
