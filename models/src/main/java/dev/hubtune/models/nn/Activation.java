package dev.hubtune.models.nn;

import java.util.Locale;
import java.util.Optional;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The activations of today's transformers, by the names HF configs use ({@code hidden_act}, {@code
 * activation_function}, {@code hidden_activation}). A checkpoint must run with the activation it
 * was trained with: exact and tanh-approximated GELU differ in the third decimal.
 */
public enum Activation {
    /** Exact GELU, {@code 0.5·x·(1 + erf(x/√2))} (HF {@code gelu}). */
    GELU("gelu"),
    /**
     * The tanh approximation {@code 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))} (HF {@code
     * gelu_new}, {@code gelu_pytorch_tanh}, {@code gelu_fast}): GPT-2, Google's BERT, Gemma.
     */
    GELU_TANH("gelu_new"),
    /** ReLU. */
    RELU("relu"),
    /** SiLU / swish, {@code x·sigmoid(x)} (Llama, Qwen2, Mistral). */
    SILU("silu");

    private final String hfName;

    Activation(String hfName) {
        this.hfName = hfName;
    }

    /** The name written to exported configs. */
    public String hfName() {
        return hfName;
    }

    /** The activation an HF config names, if hubtune has it. */
    public static Optional<Activation> parse(String name) {
        return Optional.ofNullable(
                switch (name.toLowerCase(Locale.ROOT)) {
                    case "gelu" -> GELU;
                    case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> GELU_TANH;
                    case "relu" -> RELU;
                    case "silu", "swish" -> SILU;
                    default -> null;
                });
    }

    /** The HF names {@link #parse} accepts, for error messages. */
    public static String supportedNames() {
        return "gelu, gelu_new, gelu_pytorch_tanh, gelu_fast, relu, silu";
    }

    /** Applies the activation. */
    public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x) {
        return switch (this) {
            case GELU ->
                    tf.math.mul(
                            tf.math.mul(tf.constant(0.5f), x),
                            tf.math.add(
                                    tf.constant(1f),
                                    tf.math.erf(
                                            tf.math.mul(
                                                    x, tf.constant((float) (1 / Math.sqrt(2)))))));
            case GELU_TANH -> {
                Operand<TFloat32> cube = tf.math.mul(tf.math.mul(x, x), x);
                Operand<TFloat32> inner =
                        tf.math.mul(
                                tf.constant((float) Math.sqrt(2 / Math.PI)),
                                tf.math.add(x, tf.math.mul(tf.constant(0.044715f), cube)));
                yield tf.math.mul(
                        tf.math.mul(tf.constant(0.5f), x),
                        tf.math.add(tf.constant(1f), tf.math.tanh(inner)));
            }
            case RELU -> tf.nn.relu(x);
            case SILU -> tf.math.mul(x, tf.math.sigmoid(x));
        };
    }
}
