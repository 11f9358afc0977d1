package dev.hubtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Which of TensorFlow 2.18's native log lines reach the terminal at each level. */
class NativeLogFilterTest {

    private static final String INFO =
            "I0000 00:00:1796131765.833099   14090 mlir_graph_optimization_pass.cc:401] MLIR V1"
                    + " optimization pass is not enabled";
    private static final String WARNING =
            "W0000 00:00:1796131766.448523   14090 op_level_cost_estimator.cc:699] Error in"
                    + " PredictCost() for the op: op: \"Softmax\"";
    private static final String ERROR =
            "E0000 00:00:1796131766.448523   14090 gpu_device.cc:2344] Cannot dlopen some GPU"
                    + " libraries.";

    @Test
    void theDefaultDropsInfoAndWarningsAndKeepsErrorsAndOurOwnLines() {
        int level = NativeLogFilter.level(null);
        assertEquals(2, level);
        assertTrue(NativeLogFilter.dropped(INFO, level));
        assertTrue(NativeLogFilter.dropped(WARNING, level));
        assertTrue(
                NativeLogFilter.dropped(
                        "WARNING: All log messages before absl::InitializeLog() is called are"
                                + " written to STDERR",
                        level));
        assertFalse(NativeLogFilter.dropped(ERROR, level));
        assertFalse(NativeLogFilter.dropped("hubtune: no model directory at /x", level));
        assertFalse(NativeLogFilter.dropped("[INFO] 192 training and 48 validation", level));
        assertFalse(NativeLogFilter.dropped("Illegal input", level));
    }

    @Test
    void levelsFollowTfCppMinLogLevel() {
        assertFalse(NativeLogFilter.dropped(INFO, NativeLogFilter.level("0")));
        assertTrue(NativeLogFilter.dropped(INFO, NativeLogFilter.level("1")));
        assertFalse(NativeLogFilter.dropped(WARNING, NativeLogFilter.level("1")));
        assertEquals(2, NativeLogFilter.level("junk"));
        assertEquals(3, NativeLogFilter.level("9"));
    }
}
