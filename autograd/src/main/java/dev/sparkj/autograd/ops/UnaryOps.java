package dev.sparkj.autograd.ops;

import dev.sparkj.autograd.Node;
import dev.sparkj.autograd.Variable;
import dev.sparkj.tensor.BinaryOp;
import dev.sparkj.tensor.DType;
import dev.sparkj.tensor.Tensor;
import dev.sparkj.tensor.UnaryOp;

import static dev.sparkj.autograd.ops.OpUtil.asFloat;

/**
 * Elementwise functions of one variable (arithmetic, activations) with their gradients; use them through
 * {@link dev.sparkj.autograd.F}. Where the derivative is undefined (abs and relu at 0, clamp at its bounds)
 * the gradient follows PyTorch.
 */
public final class UnaryOps {
    private UnaryOps() {}

    public static Variable neg(Variable a) {
        return Node.unary("neg", a, a.data().neg(), Node.NONE, (n, g) -> g.neg());
    }

    /** {@code x + s}. */
    public static Variable addScalar(Variable a, double s) {
        return Node.unary("addScalar", a, a.data().add(s), Node.NONE, (n, g) -> g);
    }

    /** {@code x * s}. */
    public static Variable mulScalar(Variable a, double s) {
        return Node.unary("mulScalar", a, a.data().mul(s), Node.NONE, (n, g) -> g.mul(s));
    }

    /** {@code x / s}. */
    public static Variable divScalar(Variable a, double s) {
        return Node.unary("divScalar", a, a.data().div(s), Node.NONE, (n, g) -> g.div(s));
    }

    /** {@code s - x}. */
    public static Variable rsubScalar(double s, Variable a) {
        return Node.unary("rsubScalar", a, a.data().neg().add(s), Node.NONE, (n, g) -> g.neg());
    }

    /** {@code s / x}; d/dx = -s/x² = -y/x. */
    public static Variable rdivScalar(double s, Variable a) {
        Tensor x = a.data(), y = x.reciprocal().mul(s);
        return Node.unary("rdivScalar", a, y, new Tensor[]{x, y}, (n, g) -> g.mul(n.saved(1)).div(n.saved(0)).neg());
    }

    public static Variable exp(Variable a) {
        Tensor y = a.data().exp();
        return Node.unary("exp", a, y, new Tensor[]{y}, (n, g) -> g.mul(n.saved(0)));
    }

    public static Variable log(Variable a) {
        Tensor x = a.data();
        return Node.unary("log", a, x.log(), new Tensor[]{x}, (n, g) -> g.div(n.saved(0)));
    }

    /** d/dx √x = 1 / (2√x). */
    public static Variable sqrt(Variable a) {
        Tensor y = a.data().sqrt();
        return Node.unary("sqrt", a, y, new Tensor[]{y}, (n, g) -> g.div(n.saved(0)).mul(0.5));
    }

    /** y = x^-1/2; dy/dx = -y³/2. */
    public static Variable rsqrt(Variable a) {
        Tensor y = a.data().rsqrt();
        return Node.unary("rsqrt", a, y, new Tensor[]{y}, (n, g) -> {
            Tensor yv = n.saved(0);
            return g.mul(yv.square().mul(yv)).mul(-0.5);
        });
    }

    public static Variable square(Variable a) {
        Tensor x = a.data();
        return Node.unary("square", a, x.square(), new Tensor[]{x}, (n, g) -> g.mul(n.saved(0)).mul(2));
    }

    /** {@code x^p}; d/dx = p·x^(p-1), and exactly 0 when p = 0 (as PyTorch). */
    public static Variable pow(Variable a, double p) {
        Tensor x = a.data();
        return Node.unary("pow", a, x.pow(p), new Tensor[]{x}, (n, g) ->
                p == 0 ? g.mul(0) : g.mul(n.saved(0).pow(p - 1)).mul(p));
    }

    /** d/dx |x| = sign(x), 0 at 0. */
    public static Variable abs(Variable a) {
        Tensor x = a.data();
        return Node.unary("abs", a, x.abs(), new Tensor[]{x}, (n, g) -> g.mul(n.saved(0).sign()));
    }

    /** Gradient passes where the output is positive. */
    public static Variable relu(Variable a) {
        Tensor y = a.data().relu();
        return Node.unary("relu", a, y, new Tensor[]{y}, (n, g) -> g.apply(BinaryOp.RELU_GRAD, n.saved(0)));
    }

    /**
     * min(max(x, 0), 6); gradient passes where 0 < x < 6 (PyTorch's hardtanh rule). The test reads the
     * output, which lies strictly inside (0, 6) exactly where the input does, so the node saves y: the
     * next layer (a conv) keeps y anyway, while x would be one more activation-sized tensor held for
     * backward (PyTorch's in-place ReLU6 does the same).
     */
    public static Variable relu6(Variable a) {
        Tensor y = a.data().relu6();
        return Node.unary("relu6", a, y, new Tensor[]{y}, (n, g) -> g.apply(BinaryOp.RELU6_GRAD, n.saved(0)));
    }

    /** Exact (erf) GELU; the derivative comes from {@link UnaryOp#GELU_GRAD}. */
    public static Variable gelu(Variable a) {
        Tensor x = a.data();
        return Node.unary("gelu", a, x.gelu(), new Tensor[]{x}, (n, g) -> g.apply(BinaryOp.GELU_GRAD, n.saved(0)));
    }

    /** dy/dx = y(1 - y). */
    public static Variable sigmoid(Variable a) {
        Tensor y = a.data().sigmoid();
        return Node.unary("sigmoid", a, y, new Tensor[]{y}, (n, g) -> {
            Tensor yv = n.saved(0);
            return g.mul(yv.mul(yv.neg().add(1)));
        });
    }

    /** dy/dx = 1 - y². */
    public static Variable tanh(Variable a) {
        Tensor y = a.data().tanh();
        return Node.unary("tanh", a, y, new Tensor[]{y}, (n, g) -> g.mul(n.saved(0).square().neg().add(1)));
    }

    /** min(max(x, lo), hi); gradient passes where lo ≤ x ≤ hi (PyTorch's clamp rule). */
    public static Variable clamp(Variable a, double lo, double hi) {
        Tensor x = a.data();
        return Node.unary("clamp", a, x.clamp(lo, hi), new Tensor[]{x}, (n, g) -> {
            Tensor xv = n.saved(0);
            Tensor inside = asFloat(xv.apply(BinaryOp.GE, lo), g).mul(asFloat(xv.apply(BinaryOp.LE, hi), g));
            return g.mul(inside);
        });
    }

    /** The same values in another floating dtype; the gradient is cast back. */
    public static Variable cast(Variable a, DType dtype) {
        DType from = a.dtype();
        return Node.unary("cast", a, a.data().cast(dtype), Node.NONE, (n, g) -> g.cast(from));
    }
}
