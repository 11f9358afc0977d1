package dev.hubtune.models.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.Criteria;
import dev.hubtune.models.testing.TinySavedModel;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A small inference graph exported as a SavedModel loads through DJL with identical outputs. */
class SavedModelRoundTripTest {

    @BeforeAll
    static void load() throws Exception {
        TensorFlowRuntime.load();
    }

    @Test
    void exportedGraphServesIdenticalOutputsThroughDjlCriteria(@TempDir Path dir) throws Exception {
        int[][] ids = {{1, 4, 2, 0}, {3, 3, 1, 2}};
        Path exported = dir.resolve("savedmodel");
        float[][] expected = TinySavedModel.export(exported, ids);
        float[][] actual =
                TinySavedModel.predictThroughDjl(
                        Criteria.builder()
                                .setTypes(NDList.class, NDList.class)
                                .optModelPath(exported),
                        ids);
        for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(expected[i], actual[i], 0f, "row " + i);
        }
    }
}
