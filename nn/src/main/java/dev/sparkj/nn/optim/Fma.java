package dev.sparkj.nn.optim;

import dev.sparkj.tensor.DType;
import dev.sparkj.tensor.Tensor;

/**
 * Fused multiply-add on tensors for the composed update path: {@code x·y + z} rounded once, as PyTorch's
 * kernels compute {@code add_(b, alpha=a)} and {@code addcmul_} (its CPU kernels are built with FMA
 * contraction and CUDA's compiler contracts them too). A float32 product is exact in double, so computing
 * in F64 and rounding to F32 gives the fused result (barring a double rounding about once in 2^28 sums).
 * The fused loops call {@link Math#fma(float, float, float)} instead.
 */
final class Fma {
    private Fma() {}

    /** {@code alpha·x + z}, rounded once to {@code z}'s type. */
    static Tensor axpy(double alpha, Tensor x, Tensor z) {
        if (z.dtype() != DType.F32) return z.add(x.mul(alpha));
        return x.cast(DType.F64).mul(alpha).add(z.cast(DType.F64)).cast(DType.F32);
    }

    /** {@code x·y + z}, rounded once to {@code z}'s type. */
    static Tensor mulAdd(Tensor x, Tensor y, Tensor z) {
        if (z.dtype() != DType.F32) return z.add(x.mul(y));
        return x.cast(DType.F64).mul(y.cast(DType.F64)).add(z.cast(DType.F64)).cast(DType.F32);
    }
}
