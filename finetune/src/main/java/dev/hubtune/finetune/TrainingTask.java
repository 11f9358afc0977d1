package dev.hubtune.finetune;

import dev.hubtune.models.ModelException;
import dev.hubtune.models.nn.BuildContext;
import dev.hubtune.models.nn.Dropout;
import dev.hubtune.models.nn.ParameterStore;
import dev.hubtune.models.weights.WeightTensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * What {@link TrainingLoop} trains: a task owns its data, its model graph and loss, how a batch
 * becomes tensors, how the model is evaluated and how it is exported. Everything else — optimizer,
 * schedule, batching order, checkpoints and resume, early stopping, metrics files, report image —
 * is the loop's and is the same for every task.
 *
 * @param <E> one training example (an encoded text, a packed block)
 * @param <M> the task's evaluation metrics
 */
interface TrainingTask<E, M extends EvaluationMetrics> extends AutoCloseable {

    /**
     * The model in the graph.
     *
     * @param loss the scalar training loss of a batch
     * @param parameters every model parameter by export name, with what trains and what decays
     * @param dropout the dropout placeholders of the training graph
     * @param head the parameters of the task's own head (a classifier's, not a language model's
     *     pretrained LM head): with LoRA they are trained in full and saved beside the adapters
     *     (PEFT's {@code modules_to_save}) while the rest of the network is frozen
     * @param lossWeight what the loss is a mean over, when it is not the batch's examples: the
     *     total weight of a weighted mean (labelled tokens, summed class weights), computed from
     *     the batch without the model's variables; null for a plain mean over the examples. Data
     *     parallelism weighs each tower's loss by its share of this, so that towers on slices of a
     *     batch add up to the loss of the whole batch.
     * @param divisible whether the loss of a batch is a (weighted) mean of per-example terms, so a
     *     batch can be split across towers; false for losses that compare the examples of a batch
     *     with each other (in-batch negatives)
     */
    record Model(
            Operand<TFloat32> loss,
            ParameterStore parameters,
            Dropout dropout,
            Set<String> head,
            Operand<TFloat32> lossWeight,
            boolean divisible) {

        /** Copies the head's names, in their order (modules_to_save are written in it). */
        public Model {
            head = java.util.Collections.unmodifiableSet(new java.util.LinkedHashSet<>(head));
        }

        /** A model whose loss is the plain mean over the batch's examples. */
        Model(
                Operand<TFloat32> loss,
                ParameterStore parameters,
                Dropout dropout,
                Set<String> head) {
            this(loss, parameters, dropout, head, null, true);
        }

        /** Every model variable by export name. */
        Map<String, Variable<TFloat32>> variables() {
            return parameters.variables();
        }
    }

    /** The tensors of one batch, ready to feed; closing frees them. */
    final class Feed implements AutoCloseable {
        private final int examples;
        private final long tokens;
        private final UnaryOperator<Session.Runner> feeder;
        private final AutoCloseable[] tensors;

        /**
         * A batch of {@code examples} sequences and {@code tokens} real tokens that {@code feeder}
         * puts into a runner; {@code tensors} are freed on close.
         */
        Feed(
                int examples,
                long tokens,
                UnaryOperator<Session.Runner> feeder,
                AutoCloseable... tensors) {
            this.examples = examples;
            this.tokens = tokens;
            this.feeder = feeder;
            this.tensors = tensors;
        }

        /** Feeds the model inputs and labels into {@code runner}. */
        Session.Runner into(Session.Runner runner) {
            return feeder.apply(runner);
        }

        /** Examples in the batch. */
        int examples() {
            return examples;
        }

        /** Tokens in the batch, padding excluded. */
        long tokens() {
            return tokens;
        }

        @Override
        public void close() {
            for (AutoCloseable t : tensors) {
                try {
                    t.close();
                } catch (Exception e) {
                    throw new IllegalStateException("cannot free a batch tensor", e);
                }
            }
        }
    }

    /** The training examples, in a fixed order (the loop shuffles per epoch). */
    List<E> train();

    /** Number of validation examples. */
    int validationSize();

    /** Length in tokens, for batching similar lengths together. */
    int length(E example);

    /**
     * Adds the model and its loss to {@code context}'s training graph. The loop makes the context
     * (with LoRA's adapters on its linear layers when asked for): build the backbone and head in
     * it, never in a context of your own.
     */
    Model build(BuildContext context) throws FinetuneException, ModelException;

    /** Starting values of every variable of {@link Model#variables()}. */
    Map<String, WeightTensor> initialWeights() throws FinetuneException, ModelException;

    /** The tensors of {@code batch}; may run on another thread than the session. */
    Feed feed(List<E> batch);

    /** Evaluates the model in {@code session} (dropout off) on the validation set. */
    M evaluate(Session session) throws FinetuneException;

    /** The metrics class (to read checkpoints back). */
    Class<M> metricsType();

    /** Identifies the data and task settings, so a resume never mixes two runs. */
    String fingerprint();

    /**
     * The names of the classes, in id order, that per-class metrics are reported under (e.g. in
     * TensorBoard: {@code eval/f1/billing}); empty where the metrics have none.
     */
    default java.util.List<String> classNames() {
        return java.util.List.of();
    }

    /** Exports {@code weights} (the best checkpoint's model variables) to {@code dir}. */
    Path export(Map<String, WeightTensor> weights, Path dir) throws ModelException;

    @Override
    void close();
}
