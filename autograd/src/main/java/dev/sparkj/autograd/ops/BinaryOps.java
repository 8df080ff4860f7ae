package dev.sparkj.autograd.ops;

import dev.sparkj.autograd.Node;
import dev.sparkj.autograd.Variable;
import dev.sparkj.tensor.Tensor;

import static dev.sparkj.autograd.ops.OpUtil.asFloat;
import static dev.sparkj.autograd.ops.OpUtil.zero;

/**
 * Elementwise functions of two variables with NumPy broadcasting, and their gradients; use them through
 * {@link dev.sparkj.autograd.F}. Backward functions return gradients in the broadcast output shape
 * {@code [...]}; the engine sums them back to each operand's shape.
 */
public final class BinaryOps {
    private BinaryOps() {}

    public static Variable add(Variable a, Variable b) {
        return Node.record("add", new Variable[]{a, b}, a.data().add(b.data()), Node.NONE,
                (n, g) -> new Tensor[]{g, g});
    }

    public static Variable sub(Variable a, Variable b) {
        return Node.record("sub", new Variable[]{a, b}, a.data().sub(b.data()), Node.NONE,
                (n, g) -> new Tensor[]{g, n.needs(1) ? g.neg() : null});
    }

    public static Variable mul(Variable a, Variable b) {
        Tensor x = a.data(), y = b.data();
        return Node.record("mul", new Variable[]{a, b}, x.mul(y), new Tensor[]{x, y}, (n, g) -> new Tensor[]{
                n.needs(0) ? g.mul(n.saved(1)) : null,
                n.needs(1) ? g.mul(n.saved(0)) : null});
    }

    /** d/da = 1/b, d/db = -a/b² = -(a/b)/b. */
    public static Variable div(Variable a, Variable b) {
        Tensor y = b.data(), q = a.data().div(y);
        return Node.record("div", new Variable[]{a, b}, q, new Tensor[]{y, q}, (n, g) -> {
            Tensor ga = g.div(n.saved(0));
            return new Tensor[]{ga, n.needs(1) ? ga.mul(n.saved(1)).neg() : null};
        });
    }

    /** Elementwise max; ties send half the gradient to each operand (PyTorch's rule). */
    public static Variable maximum(Variable a, Variable b) {
        Tensor x = a.data(), y = b.data();
        return Node.record("maximum", new Variable[]{a, b}, x.maximum(y), new Tensor[]{x, y},
                (n, g) -> splitByWinner(g, n.saved(0).gt(n.saved(1)), n.saved(0).eq(n.saved(1))));
    }

    /** Elementwise min; ties send half the gradient to each operand. */
    public static Variable minimum(Variable a, Variable b) {
        Tensor x = a.data(), y = b.data();
        return Node.record("minimum", new Variable[]{a, b}, x.minimum(y), new Tensor[]{x, y},
                (n, g) -> splitByWinner(g, n.saved(0).lt(n.saved(1)), n.saved(0).eq(n.saved(1))));
    }

    /** {@code [g·w, g·(1-w)]} with w = 1 where a wins, 1/2 on ties, 0 where b wins. */
    private static Tensor[] splitByWinner(Tensor g, Tensor aWins, Tensor tie) {
        Tensor w = asFloat(aWins, g).add(asFloat(tie, g).mul(0.5));
        Tensor ga = g.mul(w);
        return new Tensor[]{ga, g.sub(ga)};
    }

    /** {@code cond ? a : b} (cond a BOOL tensor, all three broadcast); the gradient follows the chosen side. */
    public static Variable where(Tensor cond, Variable a, Variable b) {
        return Node.record("where", new Variable[]{a, b}, Tensor.where(cond, a.data(), b.data()), new Tensor[]{cond},
                (n, g) -> new Tensor[]{
                        n.needs(0) ? Tensor.where(n.saved(0), g, zero(g)) : null,
                        n.needs(1) ? Tensor.where(n.saved(0), zero(g), g) : null});
    }
}
