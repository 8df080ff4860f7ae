package dev.sparkj.autograd.ops;

import dev.sparkj.autograd.Node;
import dev.sparkj.autograd.Variable;
import dev.sparkj.tensor.Pool2dSpec;
import dev.sparkj.tensor.Tensor;

/** 2-D max and average pooling over {@code [N, C, H, W]} with their gradients; use them through {@link dev.sparkj.autograd.F}. */
public final class PoolOps {
    private PoolOps() {}

    /**
     * Max pooling (padding counts as -inf). Tie rule: within a window the gradient goes to the first maximum
     * in scan order (row by row), the position the forward kernel records, as PyTorch.
     */
    public static Variable maxPool2d(Variable x, Pool2dSpec spec) {
        Tensor.MaxPool r = x.data().maxPool2d(spec);
        int[] xs = x.shape();
        return Node.unary("maxPool2d", x, r.values(), new Tensor[]{r.argmax()},
                (n, g) -> g.maxPool2dBackward(n.saved(0), xs));
    }

    /** Average pooling with padded zeros counted in the divisor (PyTorch's default). */
    public static Variable avgPool2d(Variable x, Pool2dSpec spec) {
        int[] xs = x.shape();
        return Node.unary("avgPool2d", x, x.data().avgPool2d(spec), Node.NONE,
                (n, g) -> g.avgPool2dBackward(spec, xs));
    }
}
