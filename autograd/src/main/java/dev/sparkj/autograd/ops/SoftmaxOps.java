package dev.sparkj.autograd.ops;

import dev.sparkj.autograd.Node;
import dev.sparkj.autograd.Variable;
import dev.sparkj.tensor.Shapes;
import dev.sparkj.tensor.Tensor;

/** Numerically stable softmax and log-softmax along one axis with their gradients; use them through {@link dev.sparkj.autograd.F}. */
public final class SoftmaxOps {
    private SoftmaxOps() {}

    /** {@code y = x - max - log(sum(exp(x - max)))}; gx = g - exp(y)·sum(g). */
    public static Variable logSoftmax(Variable a, int axis) {
        Tensor x = a.data();
        int[] ax = {Shapes.axis(axis, x.rank())};
        Tensor z = x.sub(x.max(ax, true));
        Tensor y = z.sub(z.exp().sum(ax, true).log());
        return Node.unary("logSoftmax", a, y, new Tensor[]{y},
                (n, g) -> g.sub(n.saved(0).exp().mul(g.sum(ax, true))));
    }

    /** {@code y = exp(x - max) / sum(exp(x - max))}; gx = y·(g - sum(g·y)). */
    public static Variable softmax(Variable a, int axis) {
        Tensor x = a.data();
        int[] ax = {Shapes.axis(axis, x.rank())};
        Tensor e = x.sub(x.max(ax, true)).exp();
        Tensor y = e.div(e.sum(ax, true));
        return Node.unary("softmax", a, y, new Tensor[]{y}, (n, g) -> {
            Tensor yv = n.saved(0);
            return yv.mul(g.sub(g.mul(yv).sum(ax, true)));
        });
    }
}
