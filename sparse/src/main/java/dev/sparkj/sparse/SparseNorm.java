package dev.sparkj.sparse;

import dev.sparkj.autograd.F;
import dev.sparkj.autograd.Node;
import dev.sparkj.autograd.Variable;
import dev.sparkj.tensor.Tensor;

/**
 * Sparse BatchNorm and LayerNorm. On packed rows {@code [N, C]} they are plain BatchNorm1d (statistics
 * over all visible positions of the batch) and a per-row LayerNorm over channels; the two ConvNeXt
 * LayerNorm forms (channels_first, channels_last) are the same computation on channels-last rows.
 * The masked-dense form reproduces the same numbers with dense ops and the mask (the oracle).
 */
final class SparseNorm {
    private SparseNorm() {}

    private static final int[] ROWS = {0};
    private static final int[] CHANNELS = {1};

    /**
     * BatchNorm over visible positions. Training: batch statistics (biased variance to normalise), and
     * {@code running = (1 - momentum) running + momentum stat} with the unbiased variance, updated in
     * place; evaluation: running statistics. gamma / beta {@code [C]} may be null (no affine).
     */
    static SparseMap batchNorm(SparseMap x, Variable gamma, Variable beta, Tensor runningMean, Tensor runningVar,
                               boolean training, double momentum, double eps, String who) {
        if (x.mode() == SparseMap.Mode.MASKED_DENSE)
            return x.with(maskedDenseBatchNorm(x, gamma, beta, runningMean, runningVar, training, momentum, eps, who));
        Variable xv = x.rows();
        int n = xv.shape(0), c = xv.shape(1);
        if (!training) {
            Tensor scale = runningVar.add(eps).rsqrt().reshape(1, c);                                    // [1, C]
            Variable y = F.mul(F.sub(xv, Variable.of(runningMean.reshape(1, c))), Variable.of(scale));
            return x.with(affine(y, gamma, beta));
        }
        if (n < 2) throw new IllegalArgumentException(who + ": expected more than 1 visible position per channel when training, got " + n);
        Tensor xt = xv.data();
        Tensor mean = xt.mean(ROWS, true);                                                                // [1, C]
        Tensor xc = xt.sub(mean);
        Tensor var = xc.square().mean(ROWS, true);                                                        // biased, [1, C]
        Tensor invStd = var.add(eps).rsqrt();
        Tensor xhat = xc.mul(invStd);                                                                     // [N, C]
        updateRunning(runningMean, runningVar, mean.reshape(c), var.reshape(c).mul((double) n / (n - 1)), momentum);
        Variable y = Node.unary("sparseBatchNorm", xv, xhat, new Tensor[]{xhat, invStd}, (node, g) -> {
            Tensor xh = node.saved(0);
            // gx = invStd * (g - mean(g) - xhat * mean(g * xhat)) over the rows
            return g.sub(g.mean(ROWS, true)).sub(xh.mul(g.mul(xh).mean(ROWS, true))).mul(node.saved(1));
        });
        return x.with(affine(y, gamma, beta));
    }

    /** LayerNorm of every visible position over its channels (eps 1e-6 in ConvNeXt); gamma / beta {@code [C]} or null. */
    static SparseMap layerNorm(SparseMap x, Variable gamma, Variable beta, double eps) {
        if (x.mode() == SparseMap.Mode.MASKED_DENSE) {
            Variable d = x.data();                                                                        // [B, C, H, W]
            Variable xc = F.sub(d, F.mean(d, CHANNELS, true));
            Variable xhat = F.mul(xc, F.rsqrt(F.add(F.mean(F.square(xc), CHANNELS, true), eps)));
            return x.with(remask(affine4(xhat, gamma, beta), x.layout()));
        }
        Variable xv = x.rows();
        Tensor xt = xv.data();
        Tensor xc = xt.sub(xt.mean(CHANNELS, true));                                                      // [N, C]
        Tensor invStd = xc.square().mean(CHANNELS, true).add(eps).rsqrt();                                // [N, 1]
        Tensor xhat = xc.mul(invStd);
        Variable y = Node.unary("sparseLayerNorm", xv, xhat, new Tensor[]{xhat, invStd}, (node, g) -> {
            Tensor xh = node.saved(0);
            return g.sub(g.mean(CHANNELS, true)).sub(xh.mul(g.mul(xh).mean(CHANNELS, true))).mul(node.saved(1));
        });
        return x.with(affine(y, gamma, beta));
    }

    /** {@code y * gamma + beta} on rows {@code [N, C]}. */
    private static Variable affine(Variable y, Variable gamma, Variable beta) {
        if (gamma != null) y = F.mul(y, gamma);
        if (beta != null) y = F.add(y, beta);
        return y;
    }

    /** {@code y * gamma + beta} on {@code [B, C, H, W]}. */
    private static Variable affine4(Variable y, Variable gamma, Variable beta) {
        int c = y.shape(1);
        if (gamma != null) y = F.mul(y, F.reshape(gamma, 1, c, 1, 1));
        if (beta != null) y = F.add(y, F.reshape(beta, 1, c, 1, 1));
        return y;
    }

    private static Variable remask(Variable d, SparseLayout l) { return F.mul(d, Variable.of(l.denseMask())); }

    private static void updateRunning(Tensor runningMean, Tensor runningVar, Tensor mean, Tensor unbiasedVar, double momentum) {
        if (runningMean != null) runningMean.copyFrom(runningMean.mul(1 - momentum).add(mean.mul(momentum).cast(runningMean.dtype())));
        if (runningVar != null) runningVar.copyFrom(runningVar.mul(1 - momentum).add(unbiasedVar.mul(momentum).cast(runningVar.dtype())));
    }

    /** The emulation with dense ops: statistics from the visible positions of a map that is zero elsewhere. */
    private static Variable maskedDenseBatchNorm(SparseMap x, Variable gamma, Variable beta, Tensor runningMean, Tensor runningVar,
                                                 boolean training, double momentum, double eps, String who) {
        Variable d = x.data();                                                                            // [B, C, H, W]
        SparseLayout l = x.layout();
        Variable m = Variable.of(l.denseMask());
        int c = d.shape(1);
        int[] axes = {0, 2, 3};
        if (!training) {
            Variable xhat = F.mul(F.sub(d, Variable.of(runningMean.reshape(1, c, 1, 1))),
                    Variable.of(runningVar.add(eps).rsqrt().reshape(1, c, 1, 1)));
            return remask(affine4(xhat, gamma, beta), l);
        }
        int n = l.rows();
        if (n < 2) throw new IllegalArgumentException(who + ": expected more than 1 visible position per channel when training, got " + n);
        Variable mean = F.div(F.sum(d, axes, true), n);                                                  // [1, C, 1, 1]
        Variable xc = F.mul(F.sub(d, mean), m);
        Variable var = F.div(F.sum(F.square(xc), axes, true), n);
        updateRunning(runningMean, runningVar, mean.data().reshape(c), var.data().reshape(c).mul((double) n / (n - 1)), momentum);
        Variable xhat = F.mul(xc, F.rsqrt(F.add(var, eps)));
        return remask(affine4(xhat, gamma, beta), l);
    }
}
