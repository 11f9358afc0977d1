package dev.hubtune.models.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.Criteria;
import dev.hubtune.models.runtime.TensorFlowRuntime;
import dev.hubtune.models.testing.TinySavedModel;
import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HubtuneRepositoryFactoryTest {

    @BeforeAll
    static void load() throws Exception {
        TensorFlowRuntime.load();
    }

    @Test
    void referencesComeFromTheUri() {
        assertEquals(
                "all-minilm-l6-v2",
                HubtuneRepositoryFactory.reference(URI.create("hubtune://all-minilm-l6-v2")));
        assertEquals(
                "hf:acme/tiny@v1",
                HubtuneRepositoryFactory.reference(URI.create("hubtune://hf:acme/tiny@v1")));
        assertEquals(
                "maven:g:a:1.0",
                HubtuneRepositoryFactory.reference(URI.create("hubtune://maven:g:a:1.0")));
        assertEquals(
                "/srv/models/x",
                HubtuneRepositoryFactory.reference(URI.create("hubtune:///srv/models/x")));
        assertThrows(
                IllegalArgumentException.class,
                () -> HubtuneRepositoryFactory.reference(URI.create("hubtune://")));
    }

    @Test
    void djlCriteriaLoadsAModelThroughAHubtuneUrl(@TempDir Path dir) throws Exception {
        int[][] ids = {{0, 1, 2}, {4, 4, 3}};
        Path exported = dir.resolve("exported");
        float[][] expected = TinySavedModel.export(exported, ids);
        float[][] actual =
                TinySavedModel.predictThroughDjl(
                        Criteria.builder()
                                .setTypes(NDList.class, NDList.class)
                                .optModelUrls("hubtune://" + exported.toUri().getPath()),
                        ids);
        for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(expected[i], actual[i], 0f);
        }
    }
}
