package dev.sparkj.tensor.cpu;

import dev.sparkj.tensor.Tensor;

/**
 * Batched F32 matrix product on {@link Sgemm}: {@code out[b] = a[b] @ b[b]}, a {@code [B, M, K]},
 * b {@code [B, K, N]}, out {@code [B, M, N]}. A matrix whose last two dimensions have unit stride in
 * either order is passed to Sgemm as it lies (the other order as a transpose flag, any batch stride,
 * 0 included); any other layout is first copied to a row-major workspace.
 */
final class Matmul {
    private Matmul() {}

    /** One operand as Sgemm sees it: array, base offset, batch stride, leading dimension, transposed. */
    private record Operand(float[] a, int off, int batchStride, int ld, boolean trans) {}

    static void matmul(Tensor a, Tensor b, Tensor out) {
        int nb = out.shape(0), m = out.shape(1), n = out.shape(2), k = a.shape(2);
        if (nb == 0 || m == 0 || n == 0) return;
        if (k == 0) {
            Copies.fill(out, 0);
            return;
        }
        try (Workspace.Lease ws = Workspace.lease()) {
            Operand A = operand(a, ws), B = operand(b, ws);
            // out is dense [B, M, N]; a permuted-dense out goes through a row-major workspace
            boolean direct = out.stride(2) == 1 || n == 1;
            direct &= (m == 1 || out.stride(1) == n) && (nb == 1 || out.stride(0) == m * n);
            float[] c = direct ? Heap.f32(out) : ws.floats(nb * m * n);
            int cOff = direct ? out.offset() : 0;
            Parallel.forEach(nb, i -> Sgemm.gemm(A.trans, B.trans, m, n, k, 1f,
                    A.a, A.off + i * A.batchStride, A.ld, B.a, B.off + i * B.batchStride, B.ld,
                    0f, c, cOff + i * m * n, n));
            if (!direct) Copies.copy(Heap.view(c, 0, nb, m, n), out);
        }
    }

    /** t {@code [B, R, C]} as an Sgemm operand, copied row-major into {@code ws} when its layout needs it. */
    private static Operand operand(Tensor t, Workspace.Lease ws) {
        int nb = t.shape(0), rows = t.shape(1), cols = t.shape(2);
        int sb = nb == 1 ? 0 : t.stride(0), sr = t.stride(1), sc = t.stride(2);
        float[] arr = Heap.f32(t);
        // size-1 dimensions have arbitrary strides: they never stand in the way
        if ((cols == 1 || sc == 1) && (rows == 1 || sr >= cols))
            return new Operand(arr, t.offset(), sb, rows == 1 ? Math.max(1, cols) : sr, false);
        if ((rows == 1 || sr == 1) && (cols == 1 || sc >= rows))
            return new Operand(arr, t.offset(), sb, cols == 1 ? Math.max(1, rows) : sc, true);
        float[] buf = ws.floats(nb * rows * cols);
        Copies.copy(t, Heap.view(buf, 0, nb, rows, cols));
        return new Operand(buf, 0, rows * cols, Math.max(1, cols), false);
    }
}
