package dev.sparkj.nn;

import dev.sparkj.autograd.Node;
import dev.sparkj.autograd.Variable;
import dev.sparkj.tensor.DType;
import dev.sparkj.tensor.Tensor;

/**
 * Loss functions (scalar, mean over the batch), each one autograd op with its closed-form gradient:
 * mean squared error, cross-entropy with hard labels and label smoothing, soft-target cross-entropy
 * (timm's {@code SoftTargetCrossEntropy}) and binary cross-entropy with logits.
 */
public final class Losses {
    private Losses() {}

    /** {@code mean((pred - target)²)} over all elements; gradients for both operands. */
    public static Variable mse(Variable pred, Variable target) {
        Tensor d = pred.data().sub(target.data());
        int n = d.numel();
        Tensor loss = d.square().mean();
        return Node.record("mse", new Variable[]{pred, target}, loss, new Tensor[]{d}, (node, g) -> {
            Tensor gd = node.saved(0).mul(g.mul(2.0 / n));
            return new Tensor[]{node.needs(0) ? gd : null, node.needs(1) ? gd.neg() : null};
        });
    }

    /** Log-softmax of {@code [N, K]} logits over K (stable: shifted by the row maximum). */
    public static Tensor logSoftmax(Tensor logits) {
        int[] k = {1};
        Tensor z = logits.sub(logits.max(k, true));
        return z.sub(z.exp().sum(k, true).log());
    }

    /**
     * Cross-entropy of {@code [N, K]} logits against class indices {@code [N]} (I64), averaged over N,
     * with PyTorch's label smoothing ε: the target is {@code (1-ε)·onehot + ε/K}.
     */
    public static Variable crossEntropy(Variable logits, Tensor labels, double labelSmoothing) {
        if (logits.rank() != 2) throw new IllegalArgumentException("cross-entropy needs [N, K] logits, got " + java.util.Arrays.toString(logits.shape()));
        int n = logits.shape(0), k = logits.shape(1);
        if (labels.numel() != n) throw new IllegalArgumentException(labels.numel() + " labels for batch " + n);
        long[] y = labels.cast(DType.I64).toLongArray();
        double[] t = new double[n * k];
        double off = labelSmoothing / k, on = 1 - labelSmoothing + off;
        for (int i = 0; i < n; i++) {
            if (y[i] < 0 || y[i] >= k) throw new IllegalArgumentException("label " + y[i] + " outside [0, " + k + ")");
            for (int j = 0; j < k; j++) t[i * k + j] = off;
            t[i * k + (int) y[i]] = on;
        }
        Tensor target = Tensor.of(t, n, k).cast(logits.dtype()).to(logits.data().backend());
        return softTargetCrossEntropy(logits, target);
    }

    /** Cross-entropy without label smoothing. */
    public static Variable crossEntropy(Variable logits, Tensor labels) { return crossEntropy(logits, labels, 0); }

    /**
     * {@code mean over N of Σ_k -target[n,k]·log_softmax(logits)[n,k]} for {@code [N, K]} logits and soft
     * targets (e.g. mixup / cutmix). Gradient: {@code (softmax·Σ_k target - target) / N}.
     */
    public static Variable softTargetCrossEntropy(Variable logits, Tensor target) {
        Tensor x = logits.data();
        if (x.rank() != 2 || !java.util.Arrays.equals(x.shape(), target.shape()))
            throw new IllegalArgumentException("soft-target cross-entropy: logits " + java.util.Arrays.toString(x.shape())
                    + " and target " + java.util.Arrays.toString(target.shape()));
        int n = x.shape(0);
        Tensor t = target.cast(x.dtype()).to(x.backend());
        Tensor logp = logSoftmax(x);
        Tensor loss = logp.mul(t).sum().mul(-1.0 / n);
        return Node.unary("softTargetCrossEntropy", logits, loss, new Tensor[]{logp, t}, (node, g) -> {
            Tensor lp = node.saved(0), tt = node.saved(1);
            Tensor p = lp.exp().mul(tt.sum(new int[]{1}, true));
            return p.sub(tt).mul(g.div(n));
        });
    }

    /**
     * Binary cross-entropy with logits, averaged over all elements:
     * {@code mean(max(x, 0) - x·t + log(1 + exp(-|x|)))}. Gradient: {@code (sigmoid(x) - t) / numel}.
     */
    public static Variable binaryCrossEntropyWithLogits(Variable logits, Tensor target) {
        Tensor x = logits.data();
        if (!java.util.Arrays.equals(x.shape(), target.shape()))
            throw new IllegalArgumentException("BCE: logits " + java.util.Arrays.toString(x.shape()) + " and target " + java.util.Arrays.toString(target.shape()));
        Tensor t = target.cast(x.dtype()).to(x.backend());
        int n = x.numel();
        Tensor l = x.maximum(0).sub(x.mul(t)).add(x.abs().neg().exp().add(1).log());
        return Node.unary("binaryCrossEntropyWithLogits", logits, l.mean(), new Tensor[]{x, t},
                (node, g) -> node.saved(0).sigmoid().sub(node.saved(1)).mul(g.div(n)));
    }
}
