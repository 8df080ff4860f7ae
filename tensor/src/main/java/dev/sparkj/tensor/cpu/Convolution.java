package dev.sparkj.tensor.cpu;

import dev.sparkj.tensor.Conv2dSpec;
import dev.sparkj.tensor.Tensor;

/**
 * F32 conv2d and its two gradients for any layout: picks the kernel and moves data only when the
 * kernel needs another layout.
 *
 * <ul>
 * <li>Channels-last tensors (unit channel stride) are used in place: depthwise convolutions go to
 *     {@link Depthwise}, all others to {@link ConvNhwc} (a 1x1 stride-1 conv is then a single GEMM).</li>
 * <li>Row-major NCHW 1x1 stride-1 convolutions are GEMMs per image on the {@code [C, H*W]} planes.</li>
 * <li>Any other layout (NCHW with larger kernels, odd strided views) is copied to a channels-last
 *     workspace, computed there, and the result copied back to the output's layout.</li>
 * </ul>
 */
final class Convolution {
    private Convolution() {}

    static void conv2d(Tensor x, Tensor w, Tensor bias, Conv2dSpec spec, Tensor out) {
        ConvGeometry g = ConvGeometry.of(x.shape(), w.shape(), out.shape(), spec);
        float[] b = bias == null ? null : vector(bias);
        try (Workspace.Lease ws = Workspace.lease()) {
            if (Nhwc.of(x) == null && g.pointwise() && g.groups() == 1 && planes(x) && planes(out)) {
                float[] wa = weightMatrix(w, g, ws);
                int ldw = wa == Heap.f32(w) ? weightLd(w, g) : g.c(), wo = wa == Heap.f32(w) ? w.offset() : 0, hw = g.h() * g.w();
                for (int n = 0; n < g.n(); n++)
                    Sgemm.gemm(false, false, g.o(), hw, g.c(), 1f, wa, wo, ldw, Heap.f32(x), x.offset() + n * x.stride(0), planeLd(x),
                            0f, Heap.f32(out), out.offset() + n * out.stride(0), planeLd(out));
                if (b != null) addPlaneBias(out, b);
                return;
            }
            Nhwc xv = Nhwc.of(x, ws);
            Nhwc yv = rowsOrWorkspace(out, ws);
            if (g.depthwise()) Depthwise.forward(xv, g, w, b, yv, ws);
            else ConvNhwc.forward(xv, g, w, b, yv, ws);
            if (yv.a() != Heap.f32(out)) Copies.copy(yv.tensor(), out);
        }
    }

    static void backwardInput(Tensor gy, Tensor w, Conv2dSpec spec, Tensor gx) {
        backwardInput(gy, w, null, spec, gx);
    }

    /** {@link #backwardInput} plus {@code bias[c]} at every pixel of gx (null = none): a transposed convolution. */
    static void backwardInput(Tensor gy, Tensor w, Tensor bias, Conv2dSpec spec, Tensor gx) {
        ConvGeometry g = ConvGeometry.of(gx.shape(), w.shape(), gy.shape(), spec);
        float[] b = bias == null ? null : vector(bias);
        try (Workspace.Lease ws = Workspace.lease()) {
            if (Nhwc.of(gy) == null && g.pointwise() && g.groups() == 1 && planes(gy) && planes(gx)) {
                float[] wa = weightMatrix(w, g, ws);
                int ldw = wa == Heap.f32(w) ? weightLd(w, g) : g.c(), wo = wa == Heap.f32(w) ? w.offset() : 0, hw = g.h() * g.w();
                for (int n = 0; n < g.n(); n++) // gx[n] = W^T gy[n]
                    Sgemm.gemm(true, false, g.c(), hw, g.o(), 1f, wa, wo, ldw, Heap.f32(gy), gy.offset() + n * gy.stride(0), planeLd(gy),
                            0f, Heap.f32(gx), gx.offset() + n * gx.stride(0), planeLd(gx));
                if (b != null) addPlaneBias(gx, b);
                return;
            }
            Nhwc gyv = Nhwc.of(gy, ws);
            Nhwc gxv = rowsOrWorkspace(gx, ws);
            if (g.depthwise()) {
                Depthwise.backwardInput(gyv, g, w, gxv, ws);
                if (b != null) ConvNhwc.addBias(gxv.a(), gxv.off(), gxv.rowStride(), 0, g.n() * g.h() * g.w(), b);
            } else ConvNhwc.backwardInput(gyv, g, w, gxv, b, ws);
            if (gxv.a() != Heap.f32(gx)) Copies.copy(gxv.tensor(), gx);
        }
    }

    static void backwardWeight(Tensor x, Tensor gy, Conv2dSpec spec, Tensor gw) {
        ConvGeometry g = ConvGeometry.of(x.shape(), gw.shape(), gy.shape(), spec);
        try (Workspace.Lease ws = Workspace.lease()) {
            if (Nhwc.of(gy) == null && g.pointwise() && g.groups() == 1 && planes(gy) && planes(x)) {
                float[] gwp = ws.floats(g.o() * g.c());
                int hw = g.h() * g.w();
                for (int n = 0; n < g.n(); n++) // gw += gy[n] x[n]^T, images in order
                    Sgemm.gemm(false, true, g.o(), g.c(), hw, 1f, Heap.f32(gy), gy.offset() + n * gy.stride(0), planeLd(gy),
                            Heap.f32(x), x.offset() + n * x.stride(0), planeLd(x), n == 0 ? 0f : 1f, gwp, 0, g.c());
                Copies.copy(Heap.view(gwp, 0, g.o(), g.c(), 1, 1), gw);
                return;
            }
            Nhwc xv = Nhwc.of(x, ws);
            Nhwc gyv = Nhwc.of(gy);
            if (gyv == null || gyv.rowStride() < 0) gyv = copyDense(gy, ws);
            if (g.depthwise()) {
                Depthwise.backwardWeight(xv, gyv, g, gw, ws);
                return;
            }
            float[] gwp = ws.floats(g.o() * g.k());
            ConvNhwc.backwardWeight(xv, gyv, g, gwp, ws);
            Copies.copy(Heap.view(gwp, 0, g.o(), g.kh(), g.kw(), g.cg()).permute(0, 3, 1, 2), gw);
        }
    }

    /** t as channels-last rows (unit channel stride, uniform pixel stride), or a dense workspace of its shape. */
    private static Nhwc rowsOrWorkspace(Tensor t, Workspace.Lease ws) {
        Nhwc v = Nhwc.of(t);
        if (v != null && v.rowStride() > 0) return v;
        return Nhwc.dense(ws.floats(t.numel()), 0, t.shape(0), t.shape(2), t.shape(3), t.shape(1));
    }

    private static Nhwc copyDense(Tensor t, Workspace.Lease ws) {
        Nhwc d = Nhwc.dense(ws.floats(t.numel()), 0, t.shape(0), t.shape(2), t.shape(3), t.shape(1));
        Copies.copy(t, d.tensor());
        return d;
    }

    /** Each image's {@code [C, H*W]} block is a row-major matrix (row stride: the channel stride). */
    private static boolean planes(Tensor t) {
        int c = t.shape(1), h = t.shape(2), w = t.shape(3);
        return (w == 1 || t.stride(3) == 1) && (h == 1 || t.stride(2) == w) && (c == 1 || t.stride(1) >= h * w);
    }

    private static int planeLd(Tensor t) {
        return t.shape(1) == 1 ? Math.max(1, t.shape(2) * t.shape(3)) : t.stride(1);
    }

    /** A 1x1 weight as a row-major O x C matrix: the tensor's own array when it is one, else packed. */
    private static float[] weightMatrix(Tensor w, ConvGeometry g, Workspace.Lease ws) {
        if ((g.c() == 1 || w.stride(1) == 1) && (g.o() == 1 || w.stride(0) >= g.c())) return Heap.f32(w);
        return ConvNhwc.packWeight(w, g, ws);
    }

    private static int weightLd(Tensor w, ConvGeometry g) {
        return g.o() == 1 ? g.c() : w.stride(0);
    }

    /** A 1-D tensor's values. */
    private static float[] vector(Tensor t) {
        float[] r = new float[t.shape(0)], a = Heap.f32(t);
        for (int i = 0; i < r.length; i++) r[i] = a[t.offset() + i * t.stride(0)];
        return r;
    }

    /** out[n, o, :, :] += b[o] on NCHW planes. */
    private static void addPlaneBias(Tensor out, float[] b) {
        int n = out.shape(0), o = out.shape(1), hw = out.shape(2) * out.shape(3);
        float[] y = Heap.f32(out);
        Parallel.forRange(n * o, StridedLoops.grain(n * o, hw), (lo, hi) -> {
            for (int p = lo; p < hi; p++) {
                int base = out.offset() + (p / o) * out.stride(0) + (p % o) * out.stride(1);
                BinaryKernels.arithScalar(dev.sparkj.tensor.BinaryOp.ADD, y, base, b[p % o], y, base, hw);
            }
        });
    }
}
