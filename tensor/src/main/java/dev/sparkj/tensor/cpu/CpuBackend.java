package dev.sparkj.tensor.cpu;

import dev.sparkj.tensor.BinaryOp;
import dev.sparkj.tensor.Conv2dSpec;
import dev.sparkj.tensor.DType;
import dev.sparkj.tensor.HeapStorage;
import dev.sparkj.tensor.Pool2dSpec;
import dev.sparkj.tensor.ReduceOp;
import dev.sparkj.tensor.Tensor;
import dev.sparkj.tensor.UnaryOp;
import dev.sparkj.tensor.ref.ReferenceBackend;

/**
 * The fast CPU backend: Vector API kernels ({@code FloatVector.SPECIES_PREFERRED}, scalar edges) on
 * the shared {@link Parallel} pool, with deterministic work splits. This class only dispatches: the
 * kernels live in {@link Elementwise}, {@link Copies}, {@link Reductions}, {@link Argmax},
 * {@link Matmul}, {@link Indexing}, {@link Convolution} and {@link Pooling}.
 *
 * <p>Every F32 primitive has a fast path, for any strides (including stride-0 broadcasts and
 * channels-last memory), and {@code copy}/{@code fill} are fast for every element type. Only work in
 * other element types (F64 above all, e.g. gradient checks in double; integer elementwise arithmetic)
 * falls through to the inherited {@link ReferenceBackend} loops, which define the semantics; so do
 * empty tensors, where there is nothing to speed up.
 */
public class CpuBackend extends ReferenceBackend {
    @Override public String name() { return "cpu"; }

    private static boolean f32(Tensor... ts) {
        for (Tensor t : ts) if (t.dtype() != DType.F32 || !(t.storage() instanceof HeapStorage) || t.numel() == 0) return false;
        return true;
    }

    private static boolean heapNonEmpty(Tensor t, DType dt) {
        return t.dtype() == dt && t.storage() instanceof HeapStorage && t.numel() > 0;
    }

    private static boolean mask(Tensor t) {
        return (t.dtype() == DType.BOOL || t.dtype() == DType.U8) && t.storage() instanceof HeapStorage;
    }

    // ---------------------------------------------------------------- data movement

    @Override
    public void copy(Tensor src, Tensor dst) {
        if (src.storage() instanceof HeapStorage && dst.storage() instanceof HeapStorage
                && java.util.Arrays.equals(src.shape(), dst.shape()) && dst.numel() > 0) Copies.copy(src, dst);
        else super.copy(src, dst);
    }

    @Override
    public void fill(Tensor dst, double value) {
        if (dst.storage() instanceof HeapStorage && dst.numel() > 0) Copies.fill(dst, value);
        else super.fill(dst, value);
    }

    // ---------------------------------------------------------------- elementwise

    @Override
    public void unary(UnaryOp op, Tensor x, Tensor out) {
        if (f32(x, out)) Elementwise.unary(op, x, out);
        else super.unary(op, x, out);
    }

    @Override
    public void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        boolean fast = op.isComparison() ? f32(a, b) && heapNonEmpty(out, DType.BOOL) : f32(a, b, out);
        if (fast) Elementwise.binary(op, a, b, out);
        else super.binary(op, a, b, out);
    }

    @Override
    public void binaryScalar(BinaryOp op, Tensor a, double scalar, Tensor out) {
        if (!op.isComparison() && f32(a, out)) Elementwise.binaryScalar(op, a, scalar, out);
        else super.binaryScalar(op, a, scalar, out);
    }

    @Override
    public void clamp(Tensor x, double lo, double hi, Tensor out) {
        if (f32(x, out)) Elementwise.clamp(x, lo, hi, out);
        else super.clamp(x, lo, hi, out);
    }

    @Override
    public void where(Tensor cond, Tensor a, Tensor b, Tensor out) {
        if (mask(cond) && f32(a, b, out)) Elementwise.where(cond, a, b, out);
        else super.where(cond, a, b, out);
    }

    // ---------------------------------------------------------------- reductions

    @Override
    public void reduce(ReduceOp op, Tensor x, int[] axes, Tensor out) {
        if (f32(x, out)) Reductions.reduce(op, x, axes, out);
        else super.reduce(op, x, axes, out);
    }

    @Override
    public void variance(Tensor x, int[] axes, int correction, Tensor out) {
        if (f32(x, out)) Reductions.variance(x, axes, correction, out);
        else super.variance(x, axes, correction, out);
    }

    @Override
    public void argmax(Tensor x, int axis, Tensor out) {
        if (f32(x) && heapNonEmpty(out, DType.I64)) Argmax.argmax(x, axis, out);
        else super.argmax(x, axis, out);
    }

    // ---------------------------------------------------------------- linear algebra

    @Override
    public void matmul(Tensor a, Tensor b, Tensor out) {
        if (a.dtype() == DType.F32 && b.dtype() == DType.F32 && out.dtype() == DType.F32
                && a.storage() instanceof HeapStorage && b.storage() instanceof HeapStorage && out.storage() instanceof HeapStorage)
            Matmul.matmul(a, b, out);
        else super.matmul(a, b, out);
    }

    // ---------------------------------------------------------------- indexing

    @Override
    public void gather(Tensor x, int axis, Tensor index, Tensor out) {
        if (f32(x, out) && heapNonEmpty(index, DType.I64)) Indexing.gather(x, axis, index, out);
        else super.gather(x, axis, index, out);
    }

    @Override
    public void scatterAdd(Tensor out, int axis, Tensor index, Tensor src) {
        if (f32(out, src) && heapNonEmpty(index, DType.I64)) Indexing.scatterAdd(out, axis, index, src);
        else super.scatterAdd(out, axis, index, src);
    }

    @Override
    public void indexSelect(Tensor x, int axis, Tensor index, Tensor out) {
        if (f32(x, out) && heapNonEmpty(index, DType.I64)) Indexing.indexSelect(x, axis, index, out);
        else super.indexSelect(x, axis, index, out);
    }

    @Override
    public void indexAdd(Tensor out, int axis, Tensor index, Tensor src) {
        if (f32(out, src) && heapNonEmpty(index, DType.I64)) Indexing.indexAdd(out, axis, index, src);
        else super.indexAdd(out, axis, index, src);
    }

    // ---------------------------------------------------------------- convolution and pooling

    @Override
    public void conv2d(Tensor x, Tensor w, Tensor bias, Conv2dSpec spec, Tensor out) {
        if (f32(x, w, out) && (bias == null || f32(bias))) Convolution.conv2d(x, w, bias, spec, out);
        else super.conv2d(x, w, bias, spec, out);
    }

    @Override
    public void conv2dBackwardInput(Tensor gy, Tensor w, Conv2dSpec spec, Tensor gx) {
        if (f32(gy, w, gx)) Convolution.backwardInput(gy, w, spec, gx);
        else super.conv2dBackwardInput(gy, w, spec, gx);
    }

    @Override
    public void convTranspose2d(Tensor x, Tensor w, Tensor bias, Conv2dSpec spec, Tensor out) {
        if (f32(x, w, out) && (bias == null || f32(bias))) Convolution.backwardInput(x, w, bias, spec, out);
        else super.convTranspose2d(x, w, bias, spec, out);
    }

    @Override
    public void conv2dBackwardWeight(Tensor x, Tensor gy, Conv2dSpec spec, Tensor gw) {
        if (f32(x, gy, gw)) Convolution.backwardWeight(x, gy, spec, gw);
        else super.conv2dBackwardWeight(x, gy, spec, gw);
    }

    @Override
    public void maxPool2d(Tensor x, Pool2dSpec spec, Tensor out, Tensor argmax) {
        if (f32(x, out) && heapNonEmpty(argmax, DType.I64)) Pooling.maxPool2d(x, spec, out, argmax);
        else super.maxPool2d(x, spec, out, argmax);
    }

    @Override
    public void maxPool2dBackward(Tensor gy, Tensor argmax, Tensor gx) {
        if (f32(gy, gx) && heapNonEmpty(argmax, DType.I64)) Pooling.maxPool2dBackward(gy, argmax, gx);
        else super.maxPool2dBackward(gy, argmax, gx);
    }

    @Override
    public void avgPool2d(Tensor x, Pool2dSpec spec, Tensor out) {
        if (f32(x, out)) Pooling.avgPool2d(x, spec, out);
        else super.avgPool2d(x, spec, out);
    }

    @Override
    public void avgPool2dBackward(Tensor gy, Pool2dSpec spec, Tensor gx) {
        if (f32(gy, gx)) Pooling.avgPool2dBackward(gy, spec, gx);
        else super.avgPool2dBackward(gy, spec, gx);
    }
}
