package dev.sparkj.autograd.ops;

import dev.sparkj.autograd.Node;
import dev.sparkj.autograd.Variable;
import dev.sparkj.tensor.Conv2dSpec;
import dev.sparkj.tensor.Shapes;
import dev.sparkj.tensor.Tensor;

/**
 * 2-D convolution and its adjoint, transposed convolution, with their gradients; use them through
 * {@link dev.sparkj.autograd.F}. Both are built from the three conv kernels of the tensor module
 * (forward, input gradient, weight gradient), whose roles swap between the two ops.
 */
public final class ConvOps {
    private ConvOps() {}

    private static final int[] NCHW_NO_C = {0, 2, 3};

    /**
     * Convolution (cross-correlation, as PyTorch): x {@code [N, C, H, W]}, w {@code [O, C/g, KH, KW]},
     * b {@code [O]} or null, output {@code [N, O, HO, WO]} (channels-last when x is).
     */
    public static Variable conv2d(Variable x, Variable w, Variable b, Conv2dSpec spec) {
        Tensor xt = x.data(), wt = w.data();
        Tensor y = xt.conv2d(wt, b == null ? null : b.data(), spec);
        int[] xs = x.shape(), ws = w.shape();
        return Node.record("conv2d", new Variable[]{x, w, b}, y, new Tensor[]{xt, wt}, (n, gy) -> {
            Tensor g = inLayoutOf(gy, n.saved(0));
            // the weight gradient first: then x, if it can be recomputed, lends its memory to the input gradient
            Tensor gw = n.needs(1) ? g.conv2dBackwardWeight(n.saved(0), spec, ws) : null;
            n.doneWith(0);
            return new Tensor[]{
                    n.needs(0) ? g.conv2dBackwardInput(n.saved(1), spec, xs) : null,
                    gw,
                    n.needs(2) ? g.sum(NCHW_NO_C, false) : null};
        });
    }

    /**
     * The output gradient in the forward input's memory order: a channels-last input with a gradient that
     * arrives in another order (e.g. from a loss computed on NCHW patches) is copied once here. The kernels
     * would otherwise copy it to channels-last themselves, once per gradient they compute, and the input
     * gradient (which takes gy's order) would carry the other order on to every layer below.
     */
    private static Tensor inLayoutOf(Tensor gy, Tensor x) {
        return x.isChannelsLast() && !gy.isChannelsLast() ? gy.toChannelsLast() : gy;
    }

    /**
     * Transposed convolution, the adjoint of {@link #conv2d} (PyTorch's {@code conv_transpose2d}): x
     * {@code [N, Cin, H, W]}, w {@code [Cin, Cout/g, KH, KW]}, b {@code [Cout]} or null, output
     * {@code [N, Cout, HO, WO]} with {@code HO = (H-1)·stride - 2·pad + dilation·(KH-1) + outputPadding + 1}
     * (output padding must be smaller than the stride; PyTorch also allows it below the dilation).
     * The weight is read as a conv2d weight mapping Cout to Cin channels: forward = conv2d's input gradient,
     * input gradient = conv2d, weight gradient = conv2d's weight gradient with input and output swapped.
     */
    public static Variable convTranspose2d(Variable x, Variable w, Variable b, Conv2dSpec spec, int outPadH, int outPadW) {
        int[] xs = x.shape(), ws = w.shape();
        if (xs.length != 4 || ws.length != 4)
            throw new IllegalArgumentException("convTranspose2d needs 4-D input and weight, got " + Shapes.str(xs) + " and " + Shapes.str(ws));
        int groups = spec.groups(), cin = xs[1];
        if (ws[0] != cin || cin % groups != 0)
            throw new IllegalArgumentException("convTranspose2d: input " + Shapes.str(xs) + " and weight " + Shapes.str(ws)
                    + " (want [Cin, Cout/g, KH, KW]) with groups " + groups);
        if (outPadH < 0 || outPadW < 0 || outPadH >= spec.strideH() || outPadW >= spec.strideW())
            throw new IllegalArgumentException("convTranspose2d: output padding (" + outPadH + ", " + outPadW
                    + ") must be non-negative and smaller than the stride in " + spec);
        int cout = ws[1] * groups;
        int ho = (xs[2] - 1) * spec.strideH() - 2 * spec.padH() + spec.dilationH() * (ws[2] - 1) + outPadH + 1;
        int wo = (xs[3] - 1) * spec.strideW() - 2 * spec.padW() + spec.dilationW() * (ws[3] - 1) + outPadW + 1;
        if (ho < 1 || wo < 1) throw new IllegalArgumentException("convTranspose2d output would be empty for input " + Shapes.str(xs));
        int[] ys = {xs[0], cout, ho, wo};
        Tensor xt = x.data(), wt = w.data();
        if (b != null && (b.rank() != 1 || b.shape(0) != cout))
            throw new IllegalArgumentException("convTranspose2d bias " + Shapes.str(b.shape()) + " for " + cout + " output channels");
        Tensor y = xt.convTranspose2d(wt, b == null ? null : b.data(), spec, ys); // [N, Cout, HO, WO]
        return Node.record("convTranspose2d", new Variable[]{x, w, b}, y, new Tensor[]{xt, wt}, (n, gy) -> {
            Tensor g = inLayoutOf(gy, n.saved(0));
            return new Tensor[]{
                    n.needs(0) ? g.conv2d(n.saved(1), null, spec) : null,            // [N, Cin, H, W]
                    n.needs(1) ? n.saved(0).conv2dBackwardWeight(g, spec, ws) : null, // conv input = g, conv output grad = x
                    n.needs(2) ? g.sum(NCHW_NO_C, false) : null};
        });
    }
}
