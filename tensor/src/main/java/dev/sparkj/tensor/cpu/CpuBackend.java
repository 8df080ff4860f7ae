package dev.sparkj.tensor.cpu;

import dev.sparkj.tensor.*;

/** Placeholder while the kernels are being written. */
public class CpuBackend implements Backend {
    private static UnsupportedOperationException todo() { return new UnsupportedOperationException("not yet implemented"); }
    @Override public String name() { return "cpu"; }
    @Override public Storage allocate(DType dtype, int length) { return HeapStorage.allocate(dtype, length); }
    @Override public void copy(Tensor src, Tensor dst) { throw todo(); }
    @Override public void fill(Tensor dst, double value) { throw todo(); }
    @Override public void unary(UnaryOp op, Tensor x, Tensor out) { throw todo(); }
    @Override public void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) { throw todo(); }
    @Override public void binaryScalar(BinaryOp op, Tensor a, double scalar, Tensor out) { throw todo(); }
    @Override public void clamp(Tensor x, double lo, double hi, Tensor out) { throw todo(); }
    @Override public void where(Tensor cond, Tensor a, Tensor b, Tensor out) { throw todo(); }
    @Override public void reduce(ReduceOp op, Tensor x, int[] axes, Tensor out) { throw todo(); }
    @Override public void variance(Tensor x, int[] axes, int correction, Tensor out) { throw todo(); }
    @Override public void argmax(Tensor x, int axis, Tensor out) { throw todo(); }
    @Override public void matmul(Tensor a, Tensor b, Tensor out) { throw todo(); }
    @Override public void gather(Tensor x, int axis, Tensor index, Tensor out) { throw todo(); }
    @Override public void scatterAdd(Tensor out, int axis, Tensor index, Tensor src) { throw todo(); }
    @Override public void indexSelect(Tensor x, int axis, Tensor index, Tensor out) { throw todo(); }
    @Override public void indexAdd(Tensor out, int axis, Tensor index, Tensor src) { throw todo(); }
    @Override public void conv2d(Tensor x, Tensor w, Tensor bias, Conv2dSpec spec, Tensor out) { throw todo(); }
    @Override public void conv2dBackwardInput(Tensor gy, Tensor w, Conv2dSpec spec, Tensor gx) { throw todo(); }
    @Override public void conv2dBackwardWeight(Tensor x, Tensor gy, Conv2dSpec spec, Tensor gw) { throw todo(); }
    @Override public void maxPool2d(Tensor x, Pool2dSpec spec, Tensor out, Tensor argmax) { throw todo(); }
    @Override public void maxPool2dBackward(Tensor gy, Tensor argmax, Tensor gx) { throw todo(); }
    @Override public void avgPool2d(Tensor x, Pool2dSpec spec, Tensor out) { throw todo(); }
    @Override public void avgPool2dBackward(Tensor gy, Pool2dSpec spec, Tensor gx) { throw todo(); }
}
