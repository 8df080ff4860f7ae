package dev.sparkj.tensor.cpu;

import java.util.Arrays;

/**
 * Copies blocks of A and B into the contiguous, zero-padded micro-panel layout the {@link GemmKernel}
 * streams through, handling the transposed storage forms so the kernel never sees them.
 */
final class GemmPack {
    private GemmPack() {}

    /**
     * Packs rows {@code [i0, i0 + mc)} and columns {@code [p0, p0 + kc)} of op(A) as {@code ceil(mc / mr)}
     * micro-panels of {@code kc * mr} floats starting at {@code dst[0]}; rows past {@code mc} are zero.
     */
    static void packA(boolean transA, float[] a, int offA, int lda, int i0, int mc, int p0, int kc,
                      int mr, float[] dst) {
        int panels = (mc + mr - 1) / mr;
        for (int ip = 0; ip < panels; ip++) {
            int base = ip * kc * mr;
            int rows = Math.min(mr, mc - ip * mr);
            int i = i0 + ip * mr;
            if (rows < mr) Arrays.fill(dst, base, base + kc * mr, 0f);
            if (transA) {
                // A stored K x M: op(A)(i, p) = a[(p) * lda + i]; a panel column is contiguous in memory.
                for (int p = 0; p < kc; p++) {
                    System.arraycopy(a, offA + (p0 + p) * lda + i, dst, base + p * mr, rows);
                }
            } else {
                // A stored M x K: each panel row is contiguous in memory; scatter it with stride mr.
                for (int r = 0; r < rows; r++) {
                    int src = offA + (i + r) * lda + p0;
                    int d = base + r;
                    for (int p = 0; p < kc; p++) dst[d + p * mr] = a[src + p];
                }
            }
        }
    }

    /**
     * Packs micro-panels {@code [jp0, jp1)} of the block rows {@code [p0, p0 + kc)}, columns
     * {@code [j0, j0 + nc)} of op(B); panel {@code jp} covers columns {@code j0 + jp * nr ...} and lands
     * at {@code dst[jp * kc * nr]}; columns past {@code nc} are zero.
     */
    static void packB(boolean transB, float[] b, int offB, int ldb, int p0, int kc, int j0, int nc,
                      int nr, int jp0, int jp1, float[] dst) {
        for (int jp = jp0; jp < jp1; jp++) {
            int base = jp * kc * nr;
            int cols = Math.min(nr, nc - jp * nr);
            int j = j0 + jp * nr;
            if (cols < nr) Arrays.fill(dst, base, base + kc * nr, 0f);
            if (!transB) {
                // B stored K x N: a panel row is contiguous in memory.
                for (int p = 0; p < kc; p++) {
                    System.arraycopy(b, offB + (p0 + p) * ldb + j, dst, base + p * nr, cols);
                }
            } else {
                // B stored N x K: each panel column is contiguous in memory; scatter it with stride nr.
                for (int jj = 0; jj < cols; jj++) {
                    int src = offB + (j + jj) * ldb + p0;
                    int d = base + jj;
                    for (int p = 0; p < kc; p++) dst[d + p * nr] = b[src + p];
                }
            }
        }
    }
}
