package dev.sparkj.autograd.ops;

import dev.sparkj.autograd.Engine;
import dev.sparkj.autograd.Node;
import dev.sparkj.autograd.Variable;
import dev.sparkj.tensor.Shapes;
import dev.sparkj.tensor.Tensor;

import static dev.sparkj.autograd.ops.OpUtil.zeros;

/**
 * Ops that move elements without changing them (views, copies, concatenation) with their gradients;
 * use them through {@link dev.sparkj.autograd.F}. Their backward functions route the gradient back
 * to the positions the elements came from.
 */
public final class ShapeOps {
    private ShapeOps() {}

    /** Same elements in a new shape (one dimension may be -1). */
    public static Variable reshape(Variable a, int... shape) {
        int[] in = a.shape();
        return Node.unary("reshape", a, a.data().reshape(shape), Node.NONE, (n, g) -> g.reshape(in));
    }

    /** Result axis i is input axis {@code dims[i]}; the gradient is permuted back by the inverse permutation. */
    public static Variable permute(Variable a, int... dims) {
        Tensor y = a.data().permute(dims);
        int[] inverse = new int[dims.length];
        for (int i = 0; i < dims.length; i++) inverse[Shapes.axis(dims[i], dims.length)] = i;
        return Node.unary("permute", a, y, Node.NONE, (n, g) -> g.permute(inverse));
    }

    public static Variable transpose(Variable a, int d0, int d1) {
        return Node.unary("transpose", a, a.data().transpose(d0, d1), Node.NONE, (n, g) -> g.transpose(d0, d1));
    }

    /** Elements {@code start, start+step, ... < end} along axis; the gradient is zero elsewhere. */
    public static Variable slice(Variable a, int axis, int start, int end, int step) {
        int[] in = a.shape();
        return Node.unary("slice", a, a.data().slice(axis, start, end, step), Node.NONE, (n, g) -> {
            Tensor gx = zeros(g, in);
            gx.slice(axis, start, end, step).copyFrom(g);
            return gx;
        });
    }

    /** Index {@code i} along axis, removing the axis. */
    public static Variable select(Variable a, int axis, int i) {
        int[] in = a.shape();
        return Node.unary("select", a, a.data().select(axis, i), Node.NONE, (n, g) -> {
            Tensor gx = zeros(g, in);
            gx.select(axis, i).copyFrom(g);
            return gx;
        });
    }

    public static Variable unsqueeze(Variable a, int axis) {
        int ax = Shapes.axis(axis, a.rank() + 1);
        return Node.unary("unsqueeze", a, a.data().unsqueeze(ax), Node.NONE, (n, g) -> g.squeeze(ax));
    }

    public static Variable squeeze(Variable a, int axis) {
        int ax = Shapes.axis(axis, a.rank());
        return Node.unary("squeeze", a, a.data().squeeze(ax), Node.NONE, (n, g) -> g.unsqueeze(ax));
    }

    /** Broadcast view to {@code shape}; the gradient is summed over the repeated axes. */
    public static Variable expand(Variable a, int... shape) {
        int[] in = a.shape();
        return Node.unary("expand", a, a.data().expand(shape), Node.NONE, (n, g) -> Engine.sumTo(g, in));
    }

    /** Concatenation along an existing axis; each input gets its slice of the gradient. */
    public static Variable cat(int axis, Variable... xs) {
        if (xs.length == 0) throw new IllegalArgumentException("cat of nothing");
        int ax = Shapes.axis(axis, xs[0].rank());
        Tensor[] ts = new Tensor[xs.length];
        int[] sizes = new int[xs.length];
        for (int i = 0; i < xs.length; i++) {
            ts[i] = xs[i].data();
            sizes[i] = ts[i].rank() == xs[0].rank() ? ts[i].shape(ax) : -1; // rank errors come from Tensor.cat
        }
        return Node.record("cat", xs, Tensor.cat(ax, ts), Node.NONE, (n, g) -> {
            Tensor[] gs = new Tensor[sizes.length];
            for (int i = 0, at = 0; i < sizes.length; at += sizes[i], i++)
                if (n.needs(i)) gs[i] = g.slice(ax, at, at + sizes[i]);
            return gs;
        });
    }

    /** Stacks equal-shaped variables along a new axis; each gets its slice of the gradient. */
    public static Variable stack(int axis, Variable... xs) {
        if (xs.length == 0) throw new IllegalArgumentException("stack of nothing");
        int ax = Shapes.axis(axis, xs[0].rank() + 1);
        Tensor[] ts = new Tensor[xs.length];
        for (int i = 0; i < xs.length; i++) ts[i] = xs[i].data();
        return Node.record("stack", xs, Tensor.stack(ax, ts), Node.NONE, (n, g) -> {
            Tensor[] gs = new Tensor[n.inputCount()];
            for (int i = 0; i < gs.length; i++) if (n.needs(i)) gs[i] = g.select(ax, i);
            return gs;
        });
    }

    /** A row-major copy (or the same tensor); gradient passes unchanged. */
    public static Variable contiguous(Variable a) {
        return Node.unary("contiguous", a, a.data().contiguous(), Node.NONE, (n, g) -> g);
    }

    /** The same logical {@code [N,C,H,W]} values stored NHWC; gradient passes unchanged. */
    public static Variable toChannelsLast(Variable a) {
        return Node.unary("toChannelsLast", a, a.data().toChannelsLast(), Node.NONE, (n, g) -> g);
    }
}
