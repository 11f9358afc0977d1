package dev.hubtune.models.nn;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The post-LN transformer encoder layer of BERT and of the families that kept its layout and HF
 * module names (RoBERTa, XLM-RoBERTa, CamemBERT, ELECTRA): self-attention ({@code
 * attention.self.query/key/value}, {@code attention.output.dense}), residual and {@code
 * attention.output.LayerNorm}, then the feed-forward layer ({@code intermediate.dense}, the
 * activation, {@code output.dense}), residual and {@code output.LayerNorm}. Dropout sits where
 * transformers' {@code BertLayer} has it (attention probabilities, after each output dense).
 *
 * @param hidden width of the layer
 * @param heads attention heads (hidden must divide by it)
 * @param intermediate width of the feed-forward layer
 * @param activation the feed-forward activation
 * @param eps epsilon of both LayerNorms
 */
public record PostNormEncoderLayer(
        int hidden, int heads, int intermediate, Activation activation, double eps) {

    /**
     * Adds layer {@code prefix} (e.g. {@code encoder.layer.0}) on {@code x} {@code [B, L, hidden]};
     * {@code maskBias} is the additive padding bias of {@link Attention#paddingBias}.
     */
    public Operand<TFloat32> apply(
            BuildContext nn,
            String prefix,
            Operand<TFloat32> x,
            Operand<TFloat32> maskBias,
            Operand<TInt32> batch,
            Operand<TInt32> length) {
        Ops tf = nn.ops();
        int d = hidden / heads;
        Operand<TFloat32> q = heads(nn, prefix + ".attention.self.query", x, batch, length);
        Operand<TFloat32> k = heads(nn, prefix + ".attention.self.key", x, batch, length);
        Operand<TFloat32> v = heads(nn, prefix + ".attention.self.value", x, batch, length);
        Operand<TFloat32> context =
                Attention.scaledDotProduct(
                        tf, q, k, v, maskBias, nn::dropout, batch, length, heads, heads, d);
        Operand<TFloat32> attended =
                LayerNorm.create(nn, prefix + ".attention.output.LayerNorm", hidden, eps)
                        .apply(
                                tf.math.add(
                                        x,
                                        nn.dropout(
                                                Linear.create(
                                                                nn,
                                                                prefix + ".attention.output.dense",
                                                                hidden,
                                                                hidden)
                                                        .apply(context))));
        Operand<TFloat32> inner =
                activation.apply(
                        tf,
                        Linear.create(nn, prefix + ".intermediate.dense", hidden, intermediate)
                                .apply(attended));
        return LayerNorm.create(nn, prefix + ".output.LayerNorm", hidden, eps)
                .apply(
                        tf.math.add(
                                attended,
                                nn.dropout(
                                        Linear.create(
                                                        nn,
                                                        prefix + ".output.dense",
                                                        intermediate,
                                                        hidden)
                                                .apply(inner))));
    }

    private Operand<TFloat32> heads(
            BuildContext nn,
            String module,
            Operand<TFloat32> x,
            Operand<TInt32> batch,
            Operand<TInt32> length) {
        return Attention.splitHeads(
                nn.ops(),
                Linear.create(nn, module, hidden, hidden).apply(x),
                batch,
                length,
                heads,
                hidden / heads);
    }
}
