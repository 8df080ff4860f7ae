package dev.sparkj.autograd.ops;

import dev.sparkj.autograd.Node;
import dev.sparkj.autograd.Variable;
import dev.sparkj.tensor.Tensor;

import static dev.sparkj.autograd.ops.OpUtil.asFloat;
import static dev.sparkj.autograd.ops.OpUtil.keepShape;
import static dev.sparkj.autograd.ops.OpUtil.reducedCount;

/**
 * Reductions over axes (sum, mean, variance, max, min) with their gradients; use them through
 * {@link dev.sparkj.autograd.F}. Every backward first restores the reduced axes as size 1
 * ({@code keepDim} shape) and broadcasts back to the input shape.
 */
public final class ReduceOps {
    private ReduceOps() {}

    public static Variable sum(Variable a, int[] axes, boolean keepDim) {
        int[] in = a.shape(), ax = OpUtil.axes(axes, in.length), keep = keepShape(in, ax);
        return Node.unary("sum", a, a.data().sum(ax, keepDim), Node.NONE, (n, g) -> g.reshape(keep).expand(in));
    }

    public static Variable mean(Variable a, int[] axes, boolean keepDim) {
        int[] in = a.shape(), ax = OpUtil.axes(axes, in.length), keep = keepShape(in, ax);
        int count = reducedCount(in, ax);
        return Node.unary("mean", a, a.data().mean(ax, keepDim), Node.NONE,
                (n, g) -> g.reshape(keep).div(count).expand(in));
    }

    /** Variance with divisor {@code N - correction}; d/dx_i = 2 (x_i - mean) / (N - correction). */
    public static Variable var(Variable a, int[] axes, int correction, boolean keepDim) {
        Tensor x = a.data();
        int[] in = a.shape(), ax = OpUtil.axes(axes, in.length), keep = keepShape(in, ax);
        int count = reducedCount(in, ax);
        return Node.unary("var", a, x.var(ax, correction, keepDim), new Tensor[]{x}, (n, g) -> {
            Tensor xv = n.saved(0);
            Tensor centered = xv.sub(xv.mean(ax, true));
            return centered.mul(g.reshape(keep)).mul(2.0 / (count - correction));
        });
    }

    /**
     * Maximum over axes. Tie rule: when several elements share the maximum, the gradient is split evenly
     * among them (as {@code torch.amax}); with distinct values it goes to the single maximum.
     */
    public static Variable max(Variable a, int[] axes, boolean keepDim) {
        return extremum("max", a, axes, keepDim, true);
    }

    /** Minimum over axes; ties split the gradient evenly, as in {@link #max}. */
    public static Variable min(Variable a, int[] axes, boolean keepDim) {
        return extremum("min", a, axes, keepDim, false);
    }

    private static Variable extremum(String name, Variable a, int[] axes, boolean keepDim, boolean isMax) {
        Tensor x = a.data();
        int[] in = a.shape(), ax = OpUtil.axes(axes, in.length), keep = keepShape(in, ax);
        Tensor best = isMax ? x.max(ax, true) : x.min(ax, true); // [keep]
        Tensor out = keepDim ? best : best.reshape(dropped(in, ax));
        return Node.unary(name, a, out, new Tensor[]{x, best}, (n, g) -> {
            Tensor hit = asFloat(n.saved(0).eq(n.saved(1)), g);   // [in]
            Tensor share = g.reshape(keep).div(hit.sum(ax, true));  // [keep]
            return hit.mul(share);
        });
    }

    private static int[] dropped(int[] shape, int[] ax) {
        int[] r = new int[shape.length - ax.length];
        for (int i = 0, j = 0, k = 0; i < shape.length; i++) {
            if (k < ax.length && ax[k] == i) { k++; continue; }
            r[j++] = shape[i];
        }
        return r;
    }
}
