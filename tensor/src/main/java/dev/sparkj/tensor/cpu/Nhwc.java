package dev.sparkj.tensor.cpu;

import dev.sparkj.tensor.Tensor;

/**
 * A batch of images {@code [N, H, W, C]} with unit channel stride inside a float array: pixel
 * {@code (n, y, x)} starts at {@code off + n * sN + y * sH + x * sW}. This is how the convolution
 * kernels see a channels-last tensor (any pixel strides) or a workspace.
 */
record Nhwc(float[] a, int off, int sN, int sH, int sW, int n, int h, int w, int c) {

    /** The view of t {@code [N, C, H, W]} when its channel stride is 1, else null. */
    static Nhwc of(Tensor t) {
        if (t.shape(1) != 1 && t.stride(1) != 1) return null;
        return new Nhwc(Heap.f32(t), t.offset(), t.stride(0), t.stride(2), t.stride(3), t.shape(0), t.shape(2), t.shape(3), t.shape(1));
    }

    /** A dense NHWC block at {@code a[off...]}. */
    static Nhwc dense(float[] a, int off, int n, int h, int w, int c) {
        return new Nhwc(a, off, h * w * c, w * c, c, n, h, w, c);
    }

    /** t's view, or t copied into a dense NHWC array of {@code ws}. */
    static Nhwc of(Tensor t, Workspace.Lease ws) {
        Nhwc v = of(t);
        if (v != null) return v;
        int n = t.shape(0), c = t.shape(1), h = t.shape(2), w = t.shape(3);
        float[] buf = ws.floats(n * h * w * c);
        Copies.copy(t, dense(buf, 0, n, h, w, c).tensor());
        return dense(buf, 0, n, h, w, c);
    }

    /**
     * Pixel stride when every pixel (n, y, x), taken in row-major order, sits {@code ps} after the previous
     * (so the pixels are the rows of one matrix), else -1.
     */
    int rowStride() {
        int ps = sW;
        if (w == 1) ps = h > 1 ? sH : n > 1 ? sN : Math.max(c, 1);
        if (h > 1 && sH != w * ps) return -1;
        if (n > 1 && sN != h * w * ps) return -1;
        return ps < c ? -1 : ps;
    }

    /** This block as a logical {@code [N, C, H, W]} tensor view. */
    Tensor tensor() {
        return Heap.view(a, off, new int[]{n, c, h, w}, new int[]{sN, 1, sH, sW});
    }
}
