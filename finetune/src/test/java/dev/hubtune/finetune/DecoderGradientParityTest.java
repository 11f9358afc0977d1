package dev.hubtune.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.hubtune.models.family.DecoderBackbone;
import dev.hubtune.models.family.ModelFamilies;
import dev.hubtune.models.family.ModelTask;
import dev.hubtune.models.family.PretrainedModel;
import dev.hubtune.models.heads.CausalLmHead;
import dev.hubtune.models.nn.BuildContext;
import dev.hubtune.models.runtime.TensorFlowRuntime;
import dev.hubtune.models.runtime.Tensors;
import dev.hubtune.models.testing.FormulaWeights;
import dev.hubtune.models.weights.Safetensors;
import dev.hubtune.models.weights.Variables;
import dev.hubtune.models.weights.WeightTensor;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * What training sees of the Llama-architecture decoders — the causal-LM loss and its gradient for
 * every parameter — equals transformers + torch on the same tiny models, inputs and ignored labels
 * (fixture from {@code tools/reference/llama_reference.py}, formula weights as in the models'
 * LlamaParityTest): the forward parity of that test says nothing about rotary, grouped-query or
 * tied-embedding gradients, this does.
 */
class DecoderGradientParityTest {

    private static JsonObject reference(String resource) throws Exception {
        try (InputStream in = DecoderGradientParityTest.class.getResourceAsStream(resource)) {
            return JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8))
                    .getAsJsonObject();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "qwen2", "mistral", "gemma"})
    void lossAndEveryGradientEqualTransformers(String family, @TempDir Path dir) throws Exception {
        JsonObject model =
                reference("/reference/llama-family-reference.json")
                        .getAsJsonObject("cases")
                        .getAsJsonObject(family);
        JsonObject expected =
                reference("/reference/llama-gradients-reference.json")
                        .getAsJsonObject("cases")
                        .getAsJsonObject(family);
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (var e : model.getAsJsonObject("parameters").entrySet()) {
            JsonArray a = e.getValue().getAsJsonArray();
            long[] s = new long[a.size()];
            for (int i = 0; i < s.length; i++) {
                s[i] = a.get(i).getAsLong();
            }
            shapes.put(e.getKey(), s);
        }
        Files.writeString(dir.resolve("config.json"), model.getAsJsonObject("config").toString());
        Safetensors.write(
                dir.resolve("model.safetensors"),
                FormulaWeights.llamaFamily(shapes, family.equals("gemma")),
                Map.of("format", "pt"));
        PretrainedModel pretrained = ModelFamilies.load(dir);

        JsonArray inputs = model.getAsJsonArray("inputs");
        JsonArray hfLabels = expected.getAsJsonArray("labels");
        int batch = inputs.size();
        int length = inputs.get(0).getAsJsonArray().size();
        int[] ids = new int[batch * length];
        // transformers shifts inside the model (label t+1 is position t's target); the head takes
        // each position's own target.
        int[] labels = new int[batch * length];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < length; t++) {
                ids[b * length + t] = inputs.get(b).getAsJsonArray().get(t).getAsInt();
                labels[b * length + t] =
                        t + 1 < length
                                ? hfLabels.get(b).getAsJsonArray().get(t + 1).getAsInt()
                                : -100;
            }
        }

        TensorFlowRuntime.load();
        Map<String, WeightTensor> ours = new LinkedHashMap<>();
        float loss;
        try (Graph g = new Graph();
                Session session = new Session(g)) {
            Ops tf = Ops.create(g);
            BuildContext context = BuildContext.training(tf);
            DecoderBackbone decoder =
                    (DecoderBackbone) pretrained.family().build(context, pretrained.config());
            CausalLmHead head = CausalLmHead.build(decoder);
            Map<String, org.tensorflow.op.core.Variable<TFloat32>> variables =
                    context.parameters().variables();
            Gradients gradients = Gradients.of(g, tf, head.loss.mean(), variables, 1);
            Variables.assign(tf, session, variables, pretrained.weights());
            try (TInt32 x = TInt32.tensorOf(Shape.of(batch, length), DataBuffers.of(ids));
                    TInt32 y = TInt32.tensorOf(Shape.of(batch, length), DataBuffers.of(labels))) {
                Session.Runner runner =
                        session.runner()
                                .feed(decoder.inputs().inputIds(), x)
                                .feed(head.labels, y)
                                .fetch(head.loss.mean());
                List<Operand<TFloat32>> values = gradients.values();
                values.forEach(runner::fetch);
                try (Result r = runner.run()) {
                    loss = ((TFloat32) r.get(0)).getFloat();
                    for (int i = 0; i < values.size(); i++) {
                        String name = gradients.names().get(i);
                        ours.put(
                                name,
                                new WeightTensor(
                                        pretrained.weights().get(name).shape(),
                                        Tensors.floats((TFloat32) r.get(i + 1))));
                    }
                }
            }
        }
        assertEquals(expected.get("loss").getAsDouble(), loss, 1e-5, family + " loss");

        // transformers' names and layout: the family's own map, as an export writes weights.
        Map<String, WeightTensor> hf = pretrained.family().toHfWeights(ours, ModelTask.CAUSAL_LM);
        JsonObject parameters = expected.getAsJsonObject("parameters");
        assertEquals(parameters.keySet(), hf.keySet(), family + ": the trained parameters");
        double worst = 0;
        for (var e : parameters.entrySet()) {
            JsonObject want = e.getValue().getAsJsonObject();
            float[] got = hf.get(e.getKey()).data();
            double sum = 0;
            double sumsq = 0;
            for (float v : got) {
                sum += v;
                sumsq += (double) v * v;
            }
            String what = family + " " + e.getKey();
            assertClose(want.get("sum").getAsDouble(), sum, what + " sum");
            assertClose(want.get("sumsq").getAsDouble(), sumsq, what + " sum of squares");
            JsonArray index = want.getAsJsonArray("index");
            JsonArray values = want.getAsJsonArray("values");
            for (int k = 0; k < index.size(); k++) {
                double w = values.get(k).getAsDouble();
                double v = got[index.get(k).getAsInt()];
                worst = Math.max(worst, Math.abs(w - v));
                assertClose(w, v, what + "[" + index.get(k) + "]");
            }
        }
        org.slf4j.LoggerFactory.getLogger(DecoderGradientParityTest.class)
                .info("{}: loss {}, max |Δgrad| of sampled values {}", family, loss, worst);
    }

    /** Float32 gradients against float32 torch: 1e-5 absolute plus 1e-4 relative. */
    private static void assertClose(double expected, double actual, String what) {
        double tolerance = 1e-5 + 1e-4 * Math.abs(expected);
        assertTrue(
                Math.abs(expected - actual) <= tolerance,
                what + ": expected " + expected + ", got " + actual);
    }
}
