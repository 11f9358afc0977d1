package dev.hubtune.finetune;

import dev.hubtune.models.nn.ParameterStore;
import dev.hubtune.models.weights.WeightTensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The starting weights of a task model: the pretrained checkpoint's, and fresh ones (from the
 * head's initializers, seeded) for head parameters the checkpoint lacks or has in another shape
 * (another number of labels). A backbone parameter the checkpoint lacks is an error: training it
 * from scratch would silently waste the pretrained model.
 */
final class HeadWeights {

    private static final Logger LOG = LoggerFactory.getLogger(HeadWeights.class);

    private HeadWeights() {}

    /**
     * Every parameter of {@code parameters} by name.
     *
     * @param head names of the head's own parameters (may start fresh)
     * @param modelDir the pretrained directory, for messages
     */
    static Map<String, WeightTensor> initial(
            ParameterStore parameters,
            Map<String, WeightTensor> pretrained,
            Set<String> head,
            long seed,
            Path modelDir)
            throws FinetuneException {
        Set<String> fresh = new TreeSet<>();
        List<String> missing = new ArrayList<>();
        for (var p : parameters.parameters().values()) {
            WeightTensor w = pretrained.get(p.name());
            boolean fits = w != null && Arrays.equals(w.shape(), p.shape());
            if (!fits && head.contains(p.name())) {
                fresh.add(p.name());
            } else if (!fits) {
                missing.add(p.name() + (w == null ? "" : " " + w.describe()));
            }
        }
        if (!missing.isEmpty()) {
            throw new FinetuneException(
                    modelDir
                            + " lacks weights the model needs (or has them misshapen): "
                            + missing);
        }
        Map<String, WeightTensor> initial = new LinkedHashMap<>();
        Map<String, WeightTensor> freshValues = parameters.initialise(fresh::contains, seed);
        for (String name : parameters.parameters().keySet()) {
            initial.put(name, fresh.contains(name) ? freshValues.get(name) : pretrained.get(name));
        }
        Set<String> unused = new TreeSet<>(pretrained.keySet());
        unused.removeAll(parameters.parameters().keySet());
        if (!fresh.isEmpty()) {
            LOG.info("Newly initialised (train them before use): {}", fresh);
        }
        if (!unused.isEmpty()) {
            LOG.info("Pretrained weights not used: {}", unused);
        }
        return initial;
    }
}
