package dev.sparkj.sparse;

import dev.sparkj.autograd.F;
import dev.sparkj.autograd.Node;
import dev.sparkj.autograd.Variable;
import dev.sparkj.tensor.Pool2dSpec;
import dev.sparkj.tensor.Tensor;

/**
 * Sparse max and average pooling on packed rows, equal to the reference's {@code mask(pool(masked input))}:
 * the window reads zero at masked positions; the image border is -inf for max pooling (as PyTorch)
 * and a counted zero for average pooling ({@code count_include_pad}). Max pooling's gradient goes to
 * the first maximum in scan order (kh outer, kw inner), as PyTorch; when that maximum is a masked
 * zero the gradient is dropped, as in the emulation.
 */
final class SparsePool {
    private SparsePool() {}

    static SparseMap maxPool2d(SparseMap x, Pool2dSpec spec, String who) {
        TapTable table = table(x, spec, who);
        SparseLayout out = table.output();
        if (x.mode() == SparseMap.Mode.MASKED_DENSE)
            return SparseMap.maskedDense(F.mul(F.maxPool2d(x.data(), spec), Variable.of(out.denseMask())), out);
        Variable xv = x.rows();
        int nIn = xv.shape(0), c = xv.shape(1), k = table.geometry().taps(), nOut = out.rows();
        if (HeapF32.eligible(xv.data()) && k <= MaxPoolKernel.MAX_TAPS) {
            Tensor[] ya = MaxPoolKernel.forward(HeapF32.dense(xv.data()), table);               // values, winning taps
            Variable rows = Node.unary("sparseMaxPool2d", xv, ya[0], new Tensor[]{ya[1]}, (n, gy) ->
                    HeapF32.eligible(gy) ? MaxPoolKernel.backward(HeapF32.dense(gy), n.saved(0), table)
                            : tapGradient(gy, n.saved(0).cast(dev.sparkj.tensor.DType.I64).reshape(nOut, 1, c), table, nIn));
            return SparseMap.packed(rows, out);
        }
        Tensor win = windows(xv.data(), table).add(table.borderPenalty());                 // [Nout, K, C]
        Tensor y = win.max(new int[]{1}, false);                                           // [Nout, C]
        Tensor arg = win.argmax(1, true);                                                  // [Nout, 1, C] I64: winning tap
        Variable rows = Node.unary("sparseMaxPool2d", xv, y, new Tensor[]{arg}, (n, gy) -> tapGradient(gy, n.saved(0), table, nIn));
        return SparseMap.packed(rows, out);
    }

    /** Max-pool gradient from the winning taps {@code arg} (I64 {@code [Nout, 1, C]}): each gy goes to its tap's input row. */
    private static Tensor tapGradient(Tensor gy, Tensor arg, TapTable table, int nIn) {
        int nOut = gy.shape(0), c = gy.shape(1), k = table.geometry().taps();
        Tensor ga = Tensor.zeros(gy.dtype(), gy.backend(), nOut, k, c).scatterAdd(1, arg, gy.reshape(nOut, 1, c));
        return Tensor.zeros(gy.dtype(), gy.backend(), nIn, c).indexAdd(0, table.index(), ga.reshape(nOut * k, c));
    }

    static SparseMap avgPool2d(SparseMap x, Pool2dSpec spec, String who) {
        TapTable table = table(x, spec, who);
        SparseLayout out = table.output();
        if (x.mode() == SparseMap.Mode.MASKED_DENSE)
            return SparseMap.maskedDense(F.mul(F.avgPool2d(x.data(), spec), Variable.of(out.denseMask())), out);
        Variable xv = x.rows();
        int nIn = xv.shape(0), c = xv.shape(1), k = table.geometry().taps(), nOut = out.rows();
        Tensor y = windows(xv.data(), table).sum(new int[]{1}, false).div(k);             // [Nout, C]
        Variable rows = Node.unary("sparseAvgPool2d", xv, y, Node.NONE, (n, gy) -> {
            Tensor ga = gy.div(k).reshape(nOut, 1, c).expand(nOut, k, c).contiguous().reshape(nOut * k, c);
            return Tensor.zeros(gy.dtype(), gy.backend(), nIn, c).indexAdd(0, table.index(), ga);
        });
        return SparseMap.packed(rows, out);
    }

    /** The values under every window: {@code [Nout, K, C]} (zero at masked and padding taps). */
    private static Tensor windows(Tensor x, TapTable table) {
        int c = x.shape(1);
        return x.indexSelect(0, table.index()).reshape(table.output().rows(), table.geometry().taps(), c);
    }

    private static TapTable table(SparseMap x, Pool2dSpec spec, String who) {
        SparseLayout in = x.layout();
        if (spec.strideH() != spec.strideW())
            throw new UnsupportedOperationException(who + ": sparse pooling needs a square stride, got " + spec);
        int outH = spec.outH(in.height()), outW = spec.outW(in.width());
        TapTable.checkAligned(who, in.height(), in.width(), in.tile(), spec.kernelH(), spec.kernelW(), spec.strideH(),
                spec.padH(), spec.padW(), 1, 1, outH, outW);
        return in.mask().table(new TapTable.Geometry(in.tile(), spec.kernelH(), spec.kernelW(), spec.strideH(),
                spec.padH(), spec.padW(), 1, 1));
    }
}
