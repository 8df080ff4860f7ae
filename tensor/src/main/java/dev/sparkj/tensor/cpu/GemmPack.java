package dev.sparkj.tensor.cpu;

import java.util.Arrays;

/**
 * Copies blocks of A and B into the contiguous, zero-padded micro-panel layout the {@link GemmKernel}
 * streams through, handling the transposed storage forms so the kernel never sees them.
 *
 * <p>Sources whose k rows are a leading dimension apart are copied a few k rows at a time across
 * all panels, so strided (often power-of-two) rows do not thrash the same cache sets.
 */
final class GemmPack {
    private GemmPack() {}

    /** Rows of k walked together across all panels when the source is strided in k (see packB). */
    private static final int K_CHUNK = 8;

    /**
     * Packs rows {@code [i0, i0 + mc)} and columns {@code [p0, p0 + kc)} of op(A) as {@code ceil(mc / mr)}
     * micro-panels of {@code kc * mr} floats starting at {@code dst[0]}; rows past {@code mc} are zero.
     */
    static void packA(boolean transA, float[] a, int offA, int lda, int i0, int mc, int p0, int kc,
                      int mr, float[] dst) {
        int panels = (mc + mr - 1) / mr;
        if (transA) {
            // A stored K x M: op(A)(i, p) = a[p * lda + i], so a panel column is contiguous but k rows are
            // lda apart; copy a few k rows across all panels at a time (see packB).
            for (int ip = 0; ip < panels; ip++) {
                if (Math.min(mr, mc - ip * mr) < mr) Arrays.fill(dst, ip * kc * mr, (ip + 1) * kc * mr, 0f);
            }
            for (int pb = 0; pb < kc; pb += K_CHUNK) {
                int pe = Math.min(kc, pb + K_CHUNK);
                for (int ip = 0; ip < panels; ip++) {
                    int rows = Math.min(mr, mc - ip * mr), base = ip * kc * mr, i = i0 + ip * mr;
                    for (int p = pb; p < pe; p++) {
                        int src = offA + (p0 + p) * lda + i, d = base + p * mr;
                        for (int r = 0; r < rows; r++) dst[d + r] = a[src + r];
                    }
                }
            }
            return;
        }
        for (int ip = 0; ip < panels; ip++) {
            int base = ip * kc * mr;
            int rows = Math.min(mr, mc - ip * mr);
            int i = i0 + ip * mr;
            if (rows < mr) Arrays.fill(dst, base, base + kc * mr, 0f);
            if (rows == 4 && mr == 4) {
                // A stored M x K: interleave four row streams.
                int s0 = offA + i * lda + p0, s1 = s0 + lda, s2 = s1 + lda, s3 = s2 + lda;
                for (int p = 0; p < kc; p++) {
                    int d = base + 4 * p;
                    dst[d] = a[s0 + p];
                    dst[d + 1] = a[s1 + p];
                    dst[d + 2] = a[s2 + p];
                    dst[d + 3] = a[s3 + p];
                }
            } else {
                for (int r = 0; r < rows; r++) {
                    int src = offA + (i + r) * lda + p0, d = base + r;
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
            if (Math.min(nr, nc - jp * nr) < nr) Arrays.fill(dst, jp * kc * nr, (jp + 1) * kc * nr, 0f);
        }
        if (!transB) {
            // B stored K x N: panel rows are contiguous, but consecutive k rows are ldb apart. Copy a
            // few k rows across all panels at a time, so each source row is read in one sweep (a
            // power-of-two ldb would otherwise make every panel re-miss the same cache sets).
            for (int pb = 0; pb < kc; pb += K_CHUNK) {
                int pe = Math.min(kc, pb + K_CHUNK);
                for (int jp = jp0; jp < jp1; jp++) {
                    int cols = Math.min(nr, nc - jp * nr);
                    int base = jp * kc * nr, j = j0 + jp * nr;
                    for (int p = pb; p < pe; p++) {
                        int src = offB + (p0 + p) * ldb + j, d = base + p * nr;
                        for (int jj = 0; jj < cols; jj++) dst[d + jj] = b[src + jj];
                    }
                }
            }
        } else {
            // B stored N x K: a panel column is contiguous; read nr streams, write the panel in order.
            for (int jp = jp0; jp < jp1; jp++) {
                int cols = Math.min(nr, nc - jp * nr);
                int base = jp * kc * nr, j = j0 + jp * nr;
                for (int pb = 0; pb < kc; pb += K_CHUNK) {
                    int pe = Math.min(kc, pb + K_CHUNK);
                    for (int jj = 0; jj < cols; jj++) {
                        int src = offB + (j + jj) * ldb + p0, d = base + jj;
                        for (int p = pb; p < pe; p++) dst[d + p * nr] = b[src + p];
                    }
                }
            }
        }
    }
}
