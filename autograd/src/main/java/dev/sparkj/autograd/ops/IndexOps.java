package dev.sparkj.autograd.ops;

import dev.sparkj.autograd.Node;
import dev.sparkj.autograd.Variable;
import dev.sparkj.tensor.Shapes;
import dev.sparkj.tensor.Tensor;

import java.util.Arrays;

import static dev.sparkj.autograd.ops.OpUtil.zeros;

/**
 * Indexed reads and writes (gather / scatterAdd, indexSelect / indexAdd) with their gradients; use them
 * through {@link dev.sparkj.autograd.F}. Indices are I64 tensors and carry no gradient. Each read's
 * gradient is the matching accumulate and vice versa, so repeated indices sum their gradients.
 */
public final class IndexOps {
    private IndexOps() {}

    /** {@code out[..i..] = x[..index[..i..]..]} along axis (torch.gather); index has out's shape. */
    public static Variable gather(Variable x, int axis, Tensor index) {
        int[] xs = x.shape();
        int ax = Shapes.axis(axis, xs.length);
        return Node.unary("gather", x, x.data().gather(ax, index), new Tensor[]{index},
                (n, g) -> zeros(g, xs).scatterAdd(ax, n.saved(0), g));
    }

    /** {@code base} with {@code src} added at {@code index} along axis (torch.scatter_add); index and src share a shape. */
    public static Variable scatterAdd(Variable base, int axis, Tensor index, Variable src) {
        if (!Arrays.equals(index.shape(), src.shape()))
            throw new IllegalArgumentException("scatterAdd: index " + Shapes.str(index.shape()) + " and src " + Shapes.str(src.shape()) + " must have one shape");
        int ax = Shapes.axis(axis, base.rank());
        return Node.record("scatterAdd", new Variable[]{base, src}, base.data().scatterAdd(ax, index, src.data()), new Tensor[]{index},
                (n, g) -> new Tensor[]{g, n.needs(1) ? g.gather(ax, n.saved(0)) : null});
    }

    /** Slices at {@code index} (1-D I64, -1 gives zeros) along axis (torch.index_select). */
    public static Variable indexSelect(Variable x, int axis, Tensor index) {
        int[] xs = x.shape();
        int ax = Shapes.axis(axis, xs.length);
        return Node.unary("indexSelect", x, x.data().indexSelect(ax, index), new Tensor[]{index},
                (n, g) -> zeros(g, xs).indexAdd(ax, n.saved(0), g));
    }

    /** {@code base} with slice i of src added at slice {@code index[i]} along axis (torch.index_add; -1 skipped). */
    public static Variable indexAdd(Variable base, int axis, Tensor index, Variable src) {
        int ax = Shapes.axis(axis, base.rank());
        return Node.record("indexAdd", new Variable[]{base, src}, base.data().indexAdd(ax, index, src.data()), new Tensor[]{index},
                (n, g) -> new Tensor[]{g, n.needs(1) ? g.indexSelect(ax, n.saved(0)) : null});
    }
}
