package dev.hubtune.models.runtime;

import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GPUOptions;
import org.tensorflow.proto.GraphOptions;
import org.tensorflow.proto.OptimizerOptions;
import org.tensorflow.proto.RewriterConfig;

/**
 * TensorFlow session settings hubtune uses: thread counts, GPU memory that grows on demand (instead
 * of TensorFlow taking all of it at start), and the graph rewriter's automatic mixed precision and
 * XLA JIT as options. Placement is TensorFlow's: with a visible GPU the graph's ops go to it; on
 * CPU-only machines the GPU settings have no effect.
 *
 * @param threads intra-op threads (0: TensorFlow's default, all cores); 1 makes CPU kernels
 *     deterministic
 * @param mixedPrecision float16 compute where safe, on GPUs (auto_mixed_precision rewriter)
 * @param xla compile clusters of ops with XLA (global JIT level ON_1)
 */
public record SessionOptions(int threads, boolean mixedPrecision, boolean xla) {

    /** TensorFlow's defaults, memory growth on. */
    public static SessionOptions defaults() {
        return new SessionOptions(0, false, false);
    }

    /** The session configuration. */
    public ConfigProto toConfig() {
        ConfigProto.Builder config =
                ConfigProto.newBuilder()
                        .setAllowSoftPlacement(true)
                        .setGpuOptions(GPUOptions.newBuilder().setAllowGrowth(true));
        if (threads > 0) {
            config.setIntraOpParallelismThreads(threads).setInterOpParallelismThreads(1);
        }
        GraphOptions.Builder graph = GraphOptions.newBuilder();
        if (mixedPrecision) {
            graph.setRewriteOptions(
                    RewriterConfig.newBuilder().setAutoMixedPrecision(RewriterConfig.Toggle.ON));
        }
        if (xla) {
            graph.setOptimizerOptions(
                    OptimizerOptions.newBuilder()
                            .setGlobalJitLevel(OptimizerOptions.GlobalJitLevel.ON_1));
        }
        return config.setGraphOptions(graph).build();
    }
}
