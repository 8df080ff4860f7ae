package dev.sparkj.tensor;

/**
 * The primitive kernels a device implements. Everything above the tensor module (autograd, layers,
 * sparse ops, SparK) is written once on top of these.
 *
 * <p>Contract for every method: the caller ({@link Tensor}) has already checked shapes and allocated
 * the outputs. Inputs may be arbitrary strided views (permuted, sliced, broadcast with stride 0);
 * outputs are freshly allocated, dense and non-overlapping (possibly permuted, e.g. channels-last),
 * and never alias an input unless stated. Outputs are fully overwritten unless stated.
 * A backend must give the same values as {@link dev.sparkj.tensor.ref.ReferenceBackend} within
 * float rounding; the conformance suite checks every registered backend against it.
 */
public interface Backend {

    /** Short name: "reference", "cpu", "opencl:...". */
    String name();

    /** True when this backend's storages are {@link HeapStorage}s (shared with every other heap backend without copying). */
    default boolean heapResident() { return true; }

    /** A zero-filled storage of {@code length} elements on this backend's device. */
    Storage allocate(DType dtype, int length);

    /**
     * A storage for an output that is about to be fully overwritten: its contents are unspecified (a reused
     * array may hold old values). The default is {@link #allocate}.
     */
    default Storage allocateUninitialized(DType dtype, int length) { return allocate(dtype, length); }

    // ---------------------------------------------------------------- data movement

    /** {@code dst[i] = (dst.dtype) src[i]}: same shape, any strides and element types. */
    void copy(Tensor src, Tensor dst);

    /** Every element of {@code dst} (a possibly strided view) set to {@code value}. */
    void fill(Tensor dst, double value);

    // ---------------------------------------------------------------- elementwise

    /** {@code out = op(x)}; x and out have the same shape and floating dtype. */
    void unary(UnaryOp op, Tensor x, Tensor out);

    /**
     * {@code out = op(a, b)}; a and b already have out's shape (broadcast dimensions have stride 0).
     * For comparisons out is BOOL and a, b share a dtype; otherwise all three share a dtype.
     */
    void binary(BinaryOp op, Tensor a, Tensor b, Tensor out);

    /** {@code out = op(a, scalar)} for arithmetic ops; {@code out} and {@code a} share shape and dtype. */
    void binaryScalar(BinaryOp op, Tensor a, double scalar, Tensor out);

    /** {@code out = min(max(x, lo), hi)}. */
    void clamp(Tensor x, double lo, double hi, Tensor out);

    /** {@code out = cond != 0 ? a : b}; cond (BOOL/U8), a, b already broadcast to out's shape. */
    void where(Tensor cond, Tensor a, Tensor b, Tensor out);

    // ---------------------------------------------------------------- reductions

    /**
     * Reduces {@code x} over {@code axes} (sorted, distinct) into {@code out}, which has x's shape with
     * those axes set to 1. Floating sums accumulate in at least double precision order-independently
     * enough to meet the reference within 1e-5 relative.
     */
    void reduce(ReduceOp op, Tensor x, int[] axes, Tensor out);

    /** Variance over axes with divisor {@code count - correction} (0 = biased, 1 = unbiased); out as in reduce. */
    void variance(Tensor x, int[] axes, int correction, Tensor out);

    /** Index of the first maximum along {@code axis}; out is I64 with that axis set to 1. */
    void argmax(Tensor x, int axis, Tensor out);

    // ---------------------------------------------------------------- linear algebra

    /**
     * Batched matrix product {@code out[b] = a[b] @ b[b]}: a {@code [B, M, K]}, b {@code [B, K, N]},
     * out {@code [B, M, N]} dense row-major. Transposes arrive as strides; a batch stride may be 0. Every element of
     * out is written: callers hand it over uncleared.
     */
    void matmul(Tensor a, Tensor b, Tensor out);

    // ---------------------------------------------------------------- indexing

    /** {@code out[..., i, ...] = x[..., index[..., i, ...], ...]} along {@code axis} (torch.gather); index I64 of out's shape. */
    void gather(Tensor x, int axis, Tensor index, Tensor out);

    /** In place: {@code out[..., index[..., i, ...], ...] += src[..., i, ...]} along axis (torch.scatter_add_). */
    void scatterAdd(Tensor out, int axis, Tensor index, Tensor src);

    /** {@code out} = the slices of x at positions {@code index} (1-D I64, -1 gives a zero slice) along axis (torch.index_select). */
    void indexSelect(Tensor x, int axis, Tensor index, Tensor out);

    /** In place: slice {@code index[i]} of out along axis += slice i of src (torch.index_add_); index -1 is skipped. */
    void indexAdd(Tensor out, int axis, Tensor index, Tensor src);

    // ---------------------------------------------------------------- convolution and pooling

    /**
     * 2-D convolution: x {@code [N, C, H, W]}, w {@code [O, C/g, KH, KW]}, optional bias {@code [O]} (null = none),
     * out {@code [N, O, HO, WO]}. x and out may be channels-last in memory. Every element of out is written: callers
     * hand it over uncleared (as for the gradients below).
     */
    void conv2d(Tensor x, Tensor w, Tensor bias, Conv2dSpec spec, Tensor out);

    /** Gradient of conv2d with respect to its input: gx {@code [N, C, H, W]} from gy and w (overwritten). */
    void conv2dBackwardInput(Tensor gy, Tensor w, Conv2dSpec spec, Tensor gx);

    /**
     * Transposed convolution, conv2d's input gradient used as a layer: out {@code [N, Cout, HO, WO]} from x
     * {@code [N, Cin, H, W]} and w {@code [Cin, Cout/g, KH, KW]} (read as the weight of a conv2d from Cout to Cin
     * channels), plus {@code bias[Cout]} (null = none) at every pixel; out overwritten. A backend that adds the bias
     * while it writes out saves a pass over it.
     */
    default void convTranspose2d(Tensor x, Tensor w, Tensor bias, Conv2dSpec spec, Tensor out) {
        conv2dBackwardInput(x, w, spec, out);
        if (bias != null) out.addInPlace(bias.reshape(1, bias.shape(0), 1, 1));
    }

    /** Gradient of conv2d with respect to its weight: gw {@code [O, C/g, KH, KW]} from x and gy (overwritten). */
    void conv2dBackwardWeight(Tensor x, Tensor gy, Conv2dSpec spec, Tensor gw);

    /**
     * Max pooling: out {@code [N, C, HO, WO]} and argmax (I64, same shape) holding the flat index
     * {@code h * W + w} inside the input plane of the first maximum in scan order.
     */
    void maxPool2d(Tensor x, Pool2dSpec spec, Tensor out, Tensor argmax);

    /** gx (zero-filled first, then) {@code gx[n, c, argmax] += gy} for every output position. */
    void maxPool2dBackward(Tensor gy, Tensor argmax, Tensor gx);

    /** Average pooling, padded zeros counted in the divisor. */
    void avgPool2d(Tensor x, Pool2dSpec spec, Tensor out);

    /** Gradient of avgPool2d: gx overwritten. */
    void avgPool2dBackward(Tensor gy, Pool2dSpec spec, Tensor gx);
}
