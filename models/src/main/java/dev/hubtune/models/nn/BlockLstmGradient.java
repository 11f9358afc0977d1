package dev.hubtune.models.nn;

import java.util.List;
import org.bytedeco.javacpp.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.TensorFlow;
import org.tensorflow.op.Ops;
import org.tensorflow.op.nn.BlockLSTM;
import org.tensorflow.op.nn.BlockLSTMGrad;
import org.tensorflow.types.TFloat32;

/**
 * The gradient of TensorFlow's fused {@code BlockLSTMV2}, which its C++ gradient registry (the one
 * {@code Graph.addGradients} uses) lacks: the {@code BlockLSTMGradV2} kernel, fed the forward
 * kernel's saved gates and states and the gradients of its cell states and outputs — what
 * TensorFlow's Python gradient of the op does. Registered once per JVM through TF Java's custom
 * gradients, before the first fused LSTM is added to a graph that will be differentiated.
 *
 * <p>TF Java calls this from native code, where an exception would abort the JVM: the function only
 * adds ops, and a missing output gradient (an output not on the loss's path, such as the cell
 * states when only outputs are used) becomes zeros rather than a null.
 */
final class BlockLstmGradient {

    private static final Logger LOG = LoggerFactory.getLogger(BlockLstmGradient.class);
    private static boolean registered;

    private BlockLstmGradient() {}

    /** Registers the gradient unless this JVM already has one for {@code BlockLSTMV2}. */
    static synchronized void register() {
        if (registered) {
            return;
        }
        boolean added =
                TensorFlow.registerCustomGradient(
                        BlockLSTM.Inputs.class, BlockLstmGradient::gradient);
        // false: a gradient exists already (another class loader of this JVM registered it)
        LOG.debug("BlockLSTMV2 gradient {}", added ? "registered" : "already registered");
        registered = true;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static List<Operand<?>> gradient(
            Ops tf, BlockLSTM.Inputs inputs, List<Output<?>> outputGradients) {
        BlockLSTM.Inputs<TFloat32> in = inputs;
        BlockLSTM<TFloat32> out = in.getOutputs();
        // outputs: i, cs, f, o, ci, co, h; only cs and h carry gradients in (the gates are
        // intermediate values the backward kernel reads)
        Operand<TFloat32> csGrad = orZeros(tf, outputGradients.get(1), out.cs());
        Operand<TFloat32> hGrad = orZeros(tf, outputGradients.get(6), out.h());
        BlockLSTMGrad<TFloat32> g =
                tf.nn.blockLSTMGrad(
                        in.seqLenMax,
                        in.x,
                        in.csPrev,
                        in.hPrev,
                        in.w,
                        in.wci,
                        in.wcf,
                        in.wco,
                        in.b,
                        out.i(),
                        out.cs(),
                        out.f(),
                        out.o(),
                        out.ci(),
                        out.co(),
                        out.h(),
                        csGrad,
                        hGrad,
                        in.usePeephole);
        return List.of(
                tf.zerosLike(in.seqLenMax), // an integer step count: no gradient
                g.xGrad(),
                g.csPrevGrad(),
                g.hPrevGrad(),
                g.wGrad(),
                g.wciGrad(),
                g.wcfGrad(),
                g.wcoGrad(),
                g.bGrad());
    }

    /** The gradient given, or zeros when the output is not on the loss's path (no gradient). */
    @SuppressWarnings("unchecked")
    private static Operand<TFloat32> orZeros(Ops tf, Output<?> gradient, Operand<TFloat32> output) {
        if (gradient == null) {
            return tf.zerosLike(output);
        }
        Pointer handle = ((GraphOperation) gradient.op()).getUnsafeNativeHandle();
        if (handle == null || handle.isNull()) {
            return tf.zerosLike(output);
        }
        return (Operand<TFloat32>) gradient;
    }
}
