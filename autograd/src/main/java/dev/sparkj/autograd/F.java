package dev.sparkj.autograd;

import dev.sparkj.autograd.ops.BinaryOps;
import dev.sparkj.autograd.ops.ConvOps;
import dev.sparkj.autograd.ops.IndexOps;
import dev.sparkj.autograd.ops.LinalgOps;
import dev.sparkj.autograd.ops.PoolOps;
import dev.sparkj.autograd.ops.ReduceOps;
import dev.sparkj.autograd.ops.ShapeOps;
import dev.sparkj.autograd.ops.SoftmaxOps;
import dev.sparkj.autograd.ops.UnaryOps;
import dev.sparkj.tensor.Conv2dSpec;
import dev.sparkj.tensor.DType;
import dev.sparkj.tensor.Pool2dSpec;
import dev.sparkj.tensor.Shapes;
import dev.sparkj.tensor.Tensor;

/**
 * The differentiable functions on {@link Variable}s: one static entry point per op, delegating to the op
 * families in {@code dev.sparkj.autograd.ops} where each forward sits next to its backward.
 * Semantics (broadcasting, axes, layouts) are those of the matching {@link Tensor} methods and of PyTorch.
 */
public final class F {
    private F() {}

    // ------------------------------------------------------------------ arithmetic (NumPy broadcasting)

    public static Variable add(Variable a, Variable b) { return BinaryOps.add(a, b); }
    public static Variable sub(Variable a, Variable b) { return BinaryOps.sub(a, b); }
    public static Variable mul(Variable a, Variable b) { return BinaryOps.mul(a, b); }
    public static Variable div(Variable a, Variable b) { return BinaryOps.div(a, b); }
    public static Variable add(Variable a, double s) { return UnaryOps.addScalar(a, s); }
    public static Variable sub(Variable a, double s) { return UnaryOps.addScalar(a, -s); }
    public static Variable sub(double s, Variable a) { return UnaryOps.rsubScalar(s, a); }
    public static Variable mul(Variable a, double s) { return UnaryOps.mulScalar(a, s); }
    public static Variable div(Variable a, double s) { return UnaryOps.divScalar(a, s); }
    public static Variable div(double s, Variable a) { return UnaryOps.rdivScalar(s, a); }
    public static Variable neg(Variable a) { return UnaryOps.neg(a); }

    // ------------------------------------------------------------------ elementwise functions

    public static Variable exp(Variable a) { return UnaryOps.exp(a); }
    public static Variable log(Variable a) { return UnaryOps.log(a); }
    public static Variable sqrt(Variable a) { return UnaryOps.sqrt(a); }
    public static Variable rsqrt(Variable a) { return UnaryOps.rsqrt(a); }
    public static Variable square(Variable a) { return UnaryOps.square(a); }
    /** {@code a^p} for a scalar exponent. */
    public static Variable pow(Variable a, double p) { return UnaryOps.pow(a, p); }
    public static Variable abs(Variable a) { return UnaryOps.abs(a); }
    public static Variable relu(Variable a) { return UnaryOps.relu(a); }
    public static Variable relu6(Variable a) { return UnaryOps.relu6(a); }
    /** Exact (erf) GELU. */
    public static Variable gelu(Variable a) { return UnaryOps.gelu(a); }
    public static Variable sigmoid(Variable a) { return UnaryOps.sigmoid(a); }
    public static Variable tanh(Variable a) { return UnaryOps.tanh(a); }
    public static Variable clamp(Variable a, double lo, double hi) { return UnaryOps.clamp(a, lo, hi); }
    /** Elementwise max with broadcasting; ties split the gradient evenly. */
    public static Variable maximum(Variable a, Variable b) { return BinaryOps.maximum(a, b); }
    /** Elementwise min with broadcasting; ties split the gradient evenly. */
    public static Variable minimum(Variable a, Variable b) { return BinaryOps.minimum(a, b); }
    /** {@code cond ? a : b} (cond BOOL, all three broadcast). */
    public static Variable where(Tensor cond, Variable a, Variable b) { return BinaryOps.where(cond, a, b); }
    /** The same values in another floating dtype (gradient cast back). */
    public static Variable cast(Variable a, DType dtype) { return UnaryOps.cast(a, dtype); }

    // ------------------------------------------------------------------ reductions

    public static Variable sum(Variable a, int[] axes, boolean keepDim) { return ReduceOps.sum(a, axes, keepDim); }
    /** Sum of all elements (0-d). */
    public static Variable sum(Variable a) { return ReduceOps.sum(a, all(a), false); }
    public static Variable mean(Variable a, int[] axes, boolean keepDim) { return ReduceOps.mean(a, axes, keepDim); }
    /** Mean of all elements (0-d). */
    public static Variable mean(Variable a) { return ReduceOps.mean(a, all(a), false); }
    /** Variance with divisor {@code N - correction} (0 biased, 1 unbiased). */
    public static Variable var(Variable a, int[] axes, int correction, boolean keepDim) { return ReduceOps.var(a, axes, correction, keepDim); }
    /** Maximum over axes; ties split the gradient evenly among the maxima (torch.amax). */
    public static Variable max(Variable a, int[] axes, boolean keepDim) { return ReduceOps.max(a, axes, keepDim); }
    /** Minimum over axes; ties split the gradient evenly among the minima (torch.amin). */
    public static Variable min(Variable a, int[] axes, boolean keepDim) { return ReduceOps.min(a, axes, keepDim); }
    /** {@code log(softmax(a))} along axis, computed stably as {@code x - max - log(sum(exp(x - max)))}. */
    public static Variable logSoftmax(Variable a, int axis) { return SoftmaxOps.logSoftmax(a, axis); }
    public static Variable softmax(Variable a, int axis) { return SoftmaxOps.softmax(a, axis); }

    // ------------------------------------------------------------------ shapes

    public static Variable reshape(Variable a, int... shape) { return ShapeOps.reshape(a, shape); }
    /** Flattens axes {@code start..end} (inclusive, may be negative) into one. */
    public static Variable flatten(Variable a, int start, int end) {
        int[] s = a.shape();
        int r = s.length, st = Shapes.axis(start, r), en = Shapes.axis(end, r);
        int[] ns = new int[r - (en - st)];
        int k = 0, prod = 1;
        for (int i = 0; i < r; i++) {
            if (i < st || i > en) ns[k++] = s[i];
            else {
                prod *= s[i];
                if (i == en) ns[k++] = prod;
            }
        }
        return ShapeOps.reshape(a, ns);
    }
    public static Variable permute(Variable a, int... dims) { return ShapeOps.permute(a, dims); }
    public static Variable transpose(Variable a, int d0, int d1) { return ShapeOps.transpose(a, d0, d1); }
    public static Variable slice(Variable a, int axis, int start, int end, int step) { return ShapeOps.slice(a, axis, start, end, step); }
    public static Variable slice(Variable a, int axis, int start, int end) { return ShapeOps.slice(a, axis, start, end, 1); }
    public static Variable select(Variable a, int axis, int index) { return ShapeOps.select(a, axis, index); }
    public static Variable unsqueeze(Variable a, int axis) { return ShapeOps.unsqueeze(a, axis); }
    public static Variable squeeze(Variable a, int axis) { return ShapeOps.squeeze(a, axis); }
    public static Variable expand(Variable a, int... shape) { return ShapeOps.expand(a, shape); }
    public static Variable cat(int axis, Variable... xs) { return ShapeOps.cat(axis, xs); }
    public static Variable stack(int axis, Variable... xs) { return ShapeOps.stack(axis, xs); }
    public static Variable contiguous(Variable a) { return ShapeOps.contiguous(a); }
    /** The same logical {@code [N,C,H,W]} stored NHWC. */
    public static Variable toChannelsLast(Variable a) { return ShapeOps.toChannelsLast(a); }

    // ------------------------------------------------------------------ linear algebra

    /** {@code [..., M, K] @ [..., K, N]} with broadcast batch axes (ranks ≥ 2). */
    public static Variable matmul(Variable a, Variable b) { return LinalgOps.matmul(a, b); }
    /** {@code x wᵀ + b}: x {@code [..., in]}, w {@code [out, in]}, b {@code [out]} or null. */
    public static Variable linear(Variable x, Variable w, Variable b) { return LinalgOps.linear(x, w, b); }

    // ------------------------------------------------------------------ convolution and pooling

    /** x {@code [N, C, H, W]}, w {@code [O, C/g, KH, KW]}, b {@code [O]} or null. */
    public static Variable conv2d(Variable x, Variable w, Variable b, Conv2dSpec spec) { return ConvOps.conv2d(x, w, b, spec); }

    /** Transposed conv with PyTorch's weight layout {@code [Cin, Cout/g, KH, KW]}; spec gives stride, padding, dilation, groups. */
    public static Variable convTranspose2d(Variable x, Variable w, Variable b, Conv2dSpec spec, int outputPaddingH, int outputPaddingW) {
        return ConvOps.convTranspose2d(x, w, b, spec, outputPaddingH, outputPaddingW);
    }

    /** Transposed conv with square stride / padding / output padding and no dilation. */
    public static Variable convTranspose2d(Variable x, Variable w, Variable b, int stride, int padding, int outputPadding, int groups) {
        return ConvOps.convTranspose2d(x, w, b, Conv2dSpec.of(stride, padding, groups), outputPadding, outputPadding);
    }

    /** Max pooling; the gradient of each window goes to its first maximum in scan order. */
    public static Variable maxPool2d(Variable x, Pool2dSpec spec) { return PoolOps.maxPool2d(x, spec); }
    /** Average pooling (padded zeros counted in the divisor). */
    public static Variable avgPool2d(Variable x, Pool2dSpec spec) { return PoolOps.avgPool2d(x, spec); }

    // ------------------------------------------------------------------ indexing (I64 indices)

    public static Variable gather(Variable x, int axis, Tensor index) { return IndexOps.gather(x, axis, index); }
    public static Variable scatterAdd(Variable base, int axis, Tensor index, Variable src) { return IndexOps.scatterAdd(base, axis, index, src); }
    /** Slices at a 1-D index along axis; -1 gives a zero slice. */
    public static Variable indexSelect(Variable x, int axis, Tensor index) { return IndexOps.indexSelect(x, axis, index); }
    /** base with slice i of src added at slice index[i] along axis (-1 skipped). */
    public static Variable indexAdd(Variable base, int axis, Tensor index, Variable src) { return IndexOps.indexAdd(base, axis, index, src); }

    private static int[] all(Variable a) {
        int[] ax = new int[a.rank()];
        for (int i = 0; i < ax.length; i++) ax[i] = i;
        return ax;
    }
}
