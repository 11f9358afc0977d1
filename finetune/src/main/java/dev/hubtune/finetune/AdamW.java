package dev.hubtune.finetune;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * AdamW as graph ops (Loshchilov and Hutter; the update of PyTorch's {@code AdamW}) applied to
 * given {@link Gradients}: first and second moments in slot variables, bias-corrected, and weight
 * decay applied to the weights directly (decoupled from the gradient) except where the model says
 * not to (biases, norms). The learning rate and the bias corrections are fed per step, so schedules
 * live in Java and a resumed run feeds the same values.
 */
public final class AdamW {

    /** Learning rate of this step. */
    public final Placeholder<TFloat32> learningRate;

    /** {@code 1 - beta1^t} of this step. */
    public final Placeholder<TFloat32> correction1;

    /** {@code 1 - beta2^t} of this step. */
    public final Placeholder<TFloat32> correction2;

    /** Runs one update of every trainable variable (and clears gradient accumulators). */
    public final Op step;

    /** Slot variables (first and second moments) by name, for checkpoints. */
    public final Map<String, Variable<TFloat32>> slots = new LinkedHashMap<>();

    private final double beta1;
    private final double beta2;

    /**
     * AdamW's constants.
     *
     * @param beta1 decay of the first moment (0.9)
     * @param beta2 decay of the second moment (0.999)
     * @param epsilon added to the root of the second moment (1e-8)
     * @param weightDecay decoupled decay per unit of learning rate
     */
    public record Hyperparameters(double beta1, double beta2, double epsilon, double weightDecay) {}

    /**
     * Builds the update of the variables of {@code gradients} with the (possibly clipped) {@code
     * grads}; parameters for which {@code decays} is false (biases, norms) get no weight decay.
     */
    public AdamW(
            Ops ops,
            Gradients gradients,
            List<Operand<TFloat32>> grads,
            Map<String, Variable<TFloat32>> trainable,
            Predicate<String> decays,
            Hyperparameters h) {
        // Every optimizer op lives under adamw/, so profiles can tell it from the model.
        Ops tf = ops.withSubScope("adamw");
        this.beta1 = h.beta1();
        this.beta2 = h.beta2();
        learningRate =
                tf.withName("learning_rate")
                        .placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
        correction1 =
                tf.withName("adam_correction1")
                        .placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
        correction2 =
                tf.withName("adam_correction2")
                        .placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
        Ops init = tf.withInitScope();
        // One fused ApplyAdam kernel per variable (m, v and the weight in a single pass) instead
        // of a dozen elementwise ops. ApplyAdam computes lr·√(1−β2ᵗ)/(1−β1ᵗ)·m/(√v + ε̂); with
        // ε̂ = ε·√(1−β2ᵗ) that is exactly lr·m̂/(√v̂ + ε), PyTorch's AdamW update.
        Operand<TFloat32> one = tf.constant(1f);
        Operand<TFloat32> beta1Power = tf.math.sub(one, correction1);
        Operand<TFloat32> beta2Power = tf.math.sub(one, correction2);
        Operand<TFloat32> epsilonHat =
                tf.math.mul(tf.constant((float) h.epsilon()), tf.math.sqrt(correction2));
        Operand<TFloat32> b1 = tf.constant((float) beta1);
        Operand<TFloat32> b2 = tf.constant((float) beta2);
        // Decoupled decay multiplies the weight by (1 − lr·wd) before the Adam step, as
        // torch.optim.AdamW does; never biases or norms (HF's convention).
        Operand<TFloat32> shrink =
                tf.math.sub(one, tf.math.mul(learningRate, tf.constant((float) h.weightDecay())));
        List<Op> updates = new ArrayList<>();
        List<String> names = gradients.names();
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            Variable<TFloat32> w = trainable.get(name);
            Variable<TFloat32> m = tf.withName(name + ".adam_m").variable(init.zerosLike(w));
            Variable<TFloat32> v = tf.withName(name + ".adam_v").variable(init.zerosLike(w));
            slots.put(name + ".adam_m", m);
            slots.put(name + ".adam_v", v);
            // Nothing may change a weight before every gradient is computed (backward ops of
            // earlier layers still read it): the norm depends on all of them.
            Ops apply = tf.withControlDependencies(List.of(gradients.norm));
            if (h.weightDecay() > 0 && decays.test(name)) {
                apply =
                        tf.withControlDependencies(
                                List.of(apply.assign(w, apply.math.mul(w, shrink))));
            }
            updates.add(
                    apply.train.applyAdam(
                            w,
                            m,
                            v,
                            beta1Power,
                            beta2Power,
                            learningRate,
                            b1,
                            b2,
                            epsilonHat,
                            grads.get(i)));
        }
        List<Op> resets = gradients.resets(tf.withControlDependencies(updates));
        step =
                tf.withControlDependencies(resets.isEmpty() ? updates : resets)
                        .withName("train_step")
                        .noOp();
    }

    /** {@code 1 - beta1^t} for 1-based step {@code t}. */
    public float correction1(int t) {
        return (float) (1 - Math.pow(beta1, t));
    }

    /** {@code 1 - beta2^t} for 1-based step {@code t}. */
    public float correction2(int t) {
        return (float) (1 - Math.pow(beta2, t));
    }
}
