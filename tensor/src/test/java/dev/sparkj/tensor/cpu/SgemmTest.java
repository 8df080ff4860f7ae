package dev.sparkj.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Checks {@link Sgemm} against a naive double-precision triple loop, over edge-heavy shapes. */
class SgemmTest {
    private static final int[] SMALL = {1, 2, 3, 5, 7, 13, 17};
    /** Shapes {m, n, k} that cross MR/NR edges, the KC and MC blocks, the NC block and the parallel cut-off. */
    private static final int[][] LARGE = {
        {31, 33, 65}, {33, 31, 17}, {65, 127, 129}, {129, 65, 31}, {127, 129, 300}, {300, 70, 40},
        {17, 4097, 3}, {4, 16, 513}, {1, 200, 257}, {200, 1, 257}, {150, 150, 150},
    };
    private static final boolean[] TF = {false, true};

    /** One problem: operands with random padding (offsets, leading dimensions) around them. */
    private record Problem(boolean ta, boolean tb, int m, int n, int k, float alpha, float beta,
                           float[] a, int offA, int lda, float[] b, int offB, int ldb,
                           float[] c, int offC, int ldc) {
        static Problem random(SplittableRandom rnd, boolean ta, boolean tb, int m, int n, int k,
                              float alpha, float beta, boolean padded) {
            int aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n;
            int lda = Math.max(1, aCols) + (padded ? rnd.nextInt(4) : 0);
            int ldb = Math.max(1, bCols) + (padded ? rnd.nextInt(4) : 0);
            int ldc = Math.max(1, n) + (padded ? rnd.nextInt(4) : 0);
            int offA = padded ? rnd.nextInt(5) : 0, offB = padded ? rnd.nextInt(5) : 0, offC = padded ? rnd.nextInt(5) : 0;
            float[] a = fill(rnd, offA + aRows * lda + 3);
            float[] b = fill(rnd, offB + bRows * ldb + 3);
            float[] c = fill(rnd, offC + m * ldc + 3);
            return new Problem(ta, tb, m, n, k, alpha, beta, a, offA, lda, b, offB, ldb, c, offC, ldc);
        }

        float aAt(int i, int p) { return ta ? a[offA + p * lda + i] : a[offA + i * lda + p]; }

        float bAt(int p, int j) { return tb ? b[offB + j * ldb + p] : b[offB + p * ldb + j]; }

        /** Runs Sgemm on a copy of C and returns it. */
        float[] run(GemmKernel kern, int threads) {
            return run(kern, GemmBlocking.DEFAULT, threads);
        }

        float[] run(GemmKernel kern, GemmBlocking blk, int threads) {
            float[] out = c.clone();
            Sgemm.gemm(kern, blk, threads, ta, tb, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, out, offC, ldc);
            return out;
        }

        float[] run() {
            float[] out = c.clone();
            Sgemm.gemm(ta, tb, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, out, offC, ldc);
            return out;
        }

        /** Asserts {@code got} matches the double-precision reference and that padding is untouched. */
        void check(float[] got) {
            boolean[] inside = new boolean[c.length];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double dot = 0, mag = 0;
                    for (int p = 0; p < k; p++) {
                        double x = aAt(i, p), y = bAt(p, j);
                        dot += x * y;
                        mag += Math.abs(x * y);
                    }
                    int idx = offC + i * ldc + j;
                    inside[idx] = true;
                    double old = c[idx];
                    double want = alpha * dot + (beta == 0f ? 0 : beta * old);
                    double tol = 1e-5 * (Math.abs(alpha) * mag + (beta == 0f ? 0 : Math.abs(beta * old))) + 1e-30;
                    if (!(Math.abs(got[idx] - want) <= tol)) {
                        fail(String.format("%s C(%d,%d) = %s, want %s (tol %.3g)", this, i, j, got[idx], want, tol));
                    }
                }
            }
            for (int idx = 0; idx < c.length; idx++) {
                if (!inside[idx] && Float.floatToRawIntBits(got[idx]) != Float.floatToRawIntBits(c[idx])) {
                    fail(this + ": wrote outside C at index " + idx);
                }
            }
        }

        @Override public String toString() {
            return String.format("gemm(ta=%b, tb=%b, m=%d, n=%d, k=%d, alpha=%s, beta=%s, lda=%d, ldb=%d, ldc=%d)",
                    ta, tb, m, n, k, alpha, beta, lda, ldb, ldc);
        }
    }

    private static float[] fill(SplittableRandom rnd, int len) {
        float[] x = new float[len];
        for (int i = 0; i < len; i++) x[i] = (float) (rnd.nextDouble() * 2 - 1);
        return x;
    }

    @Test
    void smallShapesAllTransposesMatchReference() {
        SplittableRandom rnd = new SplittableRandom(1);
        for (boolean ta : TF) for (boolean tb : TF) for (int m : SMALL) for (int n : SMALL) for (int k : SMALL) {
            Problem p = Problem.random(rnd, ta, tb, m, n, k, 1f, 0f, (m + n + k) % 2 == 0);
            p.check(p.run());
        }
    }

    @Test
    void largerShapesCrossingBlocksMatchReference() {
        SplittableRandom rnd = new SplittableRandom(2);
        for (int[] s : LARGE) for (boolean ta : TF) for (boolean tb : TF) {
            Problem p = Problem.random(rnd, ta, tb, s[0], s[1], s[2], 0.75f, -0.5f, true);
            p.check(p.run());
        }
    }

    @Test
    void alphaBetaVariants() {
        SplittableRandom rnd = new SplittableRandom(3);
        float[][] ab = {{1f, 0f}, {-2.5f, 0f}, {1f, 1f}, {0.5f, -3f}, {-1f, 0.25f}};
        for (float[] v : ab) for (boolean ta : TF) for (boolean tb : TF) for (int[] s : new int[][] {{7, 33, 13}, {65, 17, 129}}) {
            Problem p = Problem.random(rnd, ta, tb, s[0], s[1], s[2], v[0], v[1], true);
            p.check(p.run());
        }
    }

    @Test
    void betaZeroOverwritesNaNGarbage() {
        SplittableRandom rnd = new SplittableRandom(4);
        for (int[] s : new int[][] {{5, 17, 3}, {64, 64, 64}, {33, 129, 257}}) {
            Problem p = Problem.random(rnd, false, true, s[0], s[1], s[2], 2f, 0f, true);
            for (int i = 0; i < p.m; i++) Arrays.fill(p.c, p.offC + i * p.ldc, p.offC + i * p.ldc + p.n, Float.NaN);
            float[] got = p.run();
            p.check(got);
            for (int i = 0; i < p.m; i++) for (int j = 0; j < p.n; j++) {
                if (Float.isNaN(got[p.offC + i * p.ldc + j])) fail("NaN left at " + i + "," + j);
            }
        }
    }

    @Test
    void kZeroAndAlphaZeroOnlyScaleC() {
        float[] c = {1f, 2f, 3f, 4f, 5f, 6f, 99f};
        float[] none = new float[0];
        float[] got = c.clone();
        Sgemm.gemm(false, false, 2, 3, 0, 1f, none, 0, 1, none, 0, 3, 0.5f, got, 0, 3);
        assertArrayEquals(new float[] {0.5f, 1f, 1.5f, 2f, 2.5f, 3f, 99f}, got);

        got = new float[] {Float.NaN, Float.NaN, Float.NaN, Float.NaN, Float.NaN, Float.NaN, 99f};
        Sgemm.gemm(true, true, 2, 3, 0, 1f, none, 0, 2, none, 0, 1, 0f, got, 0, 3);
        assertArrayEquals(new float[] {0f, 0f, 0f, 0f, 0f, 0f, 99f}, got);

        // alpha == 0: A and B are not read, even when they hold NaN.
        float[] nan = new float[6];
        Arrays.fill(nan, Float.NaN);
        got = c.clone();
        Sgemm.gemm(false, false, 2, 3, 2, 0f, nan, 0, 2, nan, 0, 3, 2f, got, 0, 3);
        assertArrayEquals(new float[] {2f, 4f, 6f, 8f, 10f, 12f, 99f}, got);
    }

    @Test
    void exactSmallProduct() {
        // [1 2; 3 4] * [5 6; 7 8] = [19 22; 43 50]; as stored transposes too.
        float[] a = {1, 2, 3, 4}, at = {1, 3, 2, 4}, b = {5, 6, 7, 8}, bt = {5, 7, 6, 8};
        float[] want = {19, 22, 43, 50};
        for (boolean ta : TF) for (boolean tb : TF) {
            float[] c = new float[4];
            Sgemm.gemm(ta, tb, 2, 2, 2, 1f, ta ? at : a, 0, 2, tb ? bt : b, 0, 2, 0f, c, 0, 2);
            assertArrayEquals(want, c, "ta=" + ta + " tb=" + tb);
        }
    }

    @Test
    void resultsDoNotDependOnThreadsOrKernel() {
        SplittableRandom rnd = new SplittableRandom(5);
        GemmKernel vec = Sgemm.KERNEL;
        GemmKernel scalar = new ScalarGemmKernel(vec.mr(), vec.nr());
        // Above the parallel cut-off (2^21 multiply-adds); {3, 2000, 400} splits columns, not rows.
        for (int[] s : new int[][] {{129, 65, 300}, {3, 2000, 400}, {515, 37, 120}}) {
            Problem p = Problem.random(rnd, s[0] % 2 == 0, true, s[0], s[1], s[2], 1.5f, 0.5f, true);
            float[] one = p.run(vec, 1);
            p.check(one);
            assertArrayEquals(one, p.run(vec, 2), "2 workers vs 1: " + p);
            assertArrayEquals(one, p.run(vec, 3), "3 workers vs 1: " + p);
            assertArrayEquals(one, p.run(scalar, 2), "scalar vs vector kernel: " + p);
        }
    }

    @Test
    void fourAndTwelveRowKernelsGiveTheSameFloats() {
        // Both vector kernels run on any machine (the 12-row one is the default only with 16-lane vectors):
        // every element of C is one chain of fused multiply-adds in increasing k, whatever the tile height,
        // so the results agree bit for bit, at edges (rows not a multiple of 12 or 4), over several kc slices
        // and in parallel.
        SplittableRandom rnd = new SplittableRandom(11);
        GemmKernel four = new VectorGemmKernel(), twelve = new WideGemmKernel();
        assertEquals(4, four.mr());
        assertEquals(12, twelve.mr());
        assertEquals(four.nr(), twelve.nr());
        GemmBlocking small = new GemmBlocking(36, 7, twelve.nr() * 3, twelve.nr(), 2 * 7 * twelve.nr() * 3);
        for (int[] s : new int[][] {{1, 33, 9}, {13, 70, 23}, {25, 31, 40}, {131, 300, 77}, {517, 100, 400}})
            for (boolean ta : TF) for (boolean tb : TF) {
                Problem p = Problem.random(rnd, ta, tb, s[0], s[1], s[2], 1.25f, -0.75f, true);
                float[] got = p.run(twelve, 2);
                p.check(got);
                assertArrayEquals(p.run(four, 1), got, "12-row vs 4-row kernel: " + p);
                assertArrayEquals(p.run(four, small, 2), p.run(twelve, small, 1), "small blocking: " + p);
            }
    }

    @Test
    void fewColumnsAsRowDotsMatchReferenceAndThreads() {
        // A B^T with n <= RowDots.MAX_COLUMNS and k >= the vector length takes RowDots: odd k (lane tails),
        // alpha/beta, padding, and enough rows to cross the parallel cut-off.
        SplittableRandom rnd = new SplittableRandom(9);
        int vl = VectorGemmKernel.VL;
        for (int n = 1; n <= RowDots.MAX_COLUMNS; n++)
            for (int k : new int[] {vl, vl + 3, 48, 5 * vl + 1})
                for (float[] ab : new float[][] {{1f, 0f}, {-0.5f, 2f}}) {
                    int m = 20000 / k * 7 + 3;
                    Problem p = Problem.random(rnd, false, true, m, n, k, ab[0], ab[1], true);
                    assertEquals(true, RowDots.suits(false, true, n, k), p.toString());
                    float[] one = p.run(Sgemm.KERNEL, 1);
                    p.check(one);
                    assertArrayEquals(one, p.run(Sgemm.KERNEL, 2), "2 workers vs 1: " + p);
                }
        assertEquals(false, RowDots.suits(false, true, RowDots.MAX_COLUMNS + 1, 64));
        assertEquals(false, RowDots.suits(false, false, 3, 64));
        assertEquals(false, RowDots.suits(false, true, 3, vl - 1));
    }

    @Test
    void deepProductsMatchReferenceAndThreads() {
        // A^T B with a tiny C and k >= 32768 inner terms takes DeepGemm (the weight gradient of a 1x1 convolution
        // from 24 channels to 3 on 224x224 maps): chunked over k, partials added in order; alpha/beta, padding,
        // columns ending mid-vector, k not a multiple of the chunk.
        SplittableRandom rnd = new SplittableRandom(12);
        int vl = VectorGemmKernel.VL;
        int[][] shapes = {{3, 24, DeepGemm.MIN_K}, {1, 1, 40001}, {DeepGemm.MAX_M, DeepGemm.MAX_N, 33001}, {5, vl + 3, 70003}};
        for (int[] s : shapes)
            for (float[] ab : new float[][] {{1f, 0f}, {-0.5f, 2f}}) {
                Problem p = Problem.random(rnd, true, false, s[0], s[1], s[2], ab[0], ab[1], true);
                assertEquals(Sgemm.Route.DEEP, Sgemm.route(Sgemm.KERNEL, true, false, s[0], s[1], s[2], ab[0], ab[1]), p.toString());
                float[] one = p.run(Sgemm.KERNEL, 1);
                p.check(one);
                assertArrayEquals(one, p.run(Sgemm.KERNEL, 2), "2 workers vs 1: " + p);
            }
        assertEquals(false, DeepGemm.suits(true, false, 3, 24, DeepGemm.MIN_K - 1));
        assertEquals(false, DeepGemm.suits(true, false, DeepGemm.MAX_M + 1, 24, 1 << 20));
        assertEquals(false, DeepGemm.suits(true, false, 3, DeepGemm.MAX_N + 1, 1 << 20));
        assertEquals(false, DeepGemm.suits(false, false, 3, 24, 1 << 20));
        assertEquals(false, DeepGemm.suits(true, true, 3, 24, 1 << 20));
    }

    @Test
    void shallowProductsMatchReferenceAndThreads() {
        // k <= 4 inner terms takes ShallowGemm (the input gradient of a 1x1 convolution to 3 channels): column
        // strips with a masked tail, both B layouts, alpha/beta, padding, row counts past the parallel cut-off.
        SplittableRandom rnd = new SplittableRandom(11);
        int vl = VectorGemmKernel.VL;
        for (int k = 1; k <= ShallowGemm.MAX_DEPTH; k++)
            for (int n : new int[] {1, 3, vl - 1, vl, 24, 2 * vl + 5})
                for (boolean tb : TF)
                    for (float[] ab : new float[][] {{1f, 0f}, {-0.5f, 2f}}) {
                        int m = n * k < 16 ? 70001 : 9001;
                        Problem p = Problem.random(rnd, false, tb, m, n, k, ab[0], ab[1], true);
                        assertEquals(Sgemm.Route.SHALLOW, Sgemm.route(Sgemm.KERNEL, false, tb, m, n, k, ab[0], ab[1]), p.toString());
                        float[] one = p.run(Sgemm.KERNEL, 1);
                        p.check(one);
                        assertArrayEquals(one, p.run(Sgemm.KERNEL, 2), "2 workers vs 1: " + p);
                    }
        assertEquals(false, ShallowGemm.suits(false, ShallowGemm.MAX_DEPTH + 1));
        assertEquals(false, ShallowGemm.suits(true, 3));
    }

    @Test
    void narrowProductsMatchReferenceAndThreads() {
        // m >= 256 rows, n <= 128 columns (whole vectors), small B: Sgemm.narrowProduct (B packed once, A in
        // place); both B layouts, depths below and above one kc slice, odd row counts, padding.
        SplittableRandom rnd = new SplittableRandom(10);
        int vl = VectorGemmKernel.VL;
        for (int[] s : new int[][] {{256, vl, 7}, {261, 2 * vl, 300}, {1031, 96, 384}, {515, 128, 64}, {300, 64, 1000}})
            for (boolean tb : TF) {
                Problem p = Problem.random(rnd, false, tb, s[0], s[1], s[2], 1f, 0f, true);
                assertEquals(true, Sgemm.narrow(false, s[0], s[1], s[2], 1f, 0f), p.toString());
                float[] one = p.run(Sgemm.KERNEL, 1);
                p.check(one);
                assertArrayEquals(one, p.run(Sgemm.KERNEL, 2), "2 workers vs 1: " + p);
                assertArrayEquals(one, p.run(Sgemm.KERNEL, 3), "3 workers vs 1: " + p);
            }
        assertEquals(false, Sgemm.narrow(false, 1000, 136, 64, 1f, 0f), "too wide");
        assertEquals(false, Sgemm.narrow(false, 1000, 100, 64, 1f, 0f), "not whole vectors");
        assertEquals(false, Sgemm.narrow(false, 1000, 128, 1024, 1f, 0f), "B too large");
        assertEquals(false, Sgemm.narrow(false, 1000, 64, 64, 1f, 1f), "beta");
        assertEquals(false, Sgemm.narrow(true, 1000, 64, 64, 1f, 0f), "transposed A");
        assertEquals(false, Sgemm.narrow(false, 100, 64, 64, 1f, 0f), "few rows");
    }

    @Test
    void scalarKernelOfOtherTileSizesMatchesReference() {
        SplittableRandom rnd = new SplittableRandom(6);
        for (int[] tile : new int[][] {{1, 1}, {3, 5}, {4, 8}}) {
            GemmKernel kern = new ScalarGemmKernel(tile[0], tile[1]);
            for (int[] s : new int[][] {{7, 13, 5}, {33, 17, 65}}) for (boolean ta : TF) for (boolean tb : TF) {
                Problem p = Problem.random(rnd, ta, tb, s[0], s[1], s[2], -1f, 0.5f, true);
                p.check(p.run(kern, 2));
            }
        }
    }

    @Test
    void tinyBlockingSplitsEveryLoopAndStaysExact() {
        // Blocks far smaller than the matrices: many KC slices (beta applied once) in groups of two,
        // NC blocks, nb sweeps and row blocks.
        SplittableRandom rnd = new SplittableRandom(7);
        GemmKernel vec = Sgemm.KERNEL;
        GemmBlocking tiny = new GemmBlocking(vec.mr() * 2 + 1, 5, vec.nr() * 3, vec.nr(), 2 * 5 * vec.nr() * 3);
        for (int[] s : new int[][] {{37, 70, 23}, {9, 100, 41}, {70, 9, 12}, {130, 300, 60}}) for (boolean ta : TF) for (boolean tb : TF) {
            Problem p = Problem.random(rnd, ta, tb, s[0], s[1], s[2], 1.25f, -0.75f, true);
            float[] got = p.run(vec, tiny, 2);
            p.check(got);
            assertArrayEquals(got, p.run(vec, tiny, 1), "tiny blocking, 2 workers vs 1: " + p);
        }
    }

    @Test
    void concurrentAndNestedCallsShareNoScratch() {
        // Calls made from pool workers (each nesting its own parallel split) must not share packing buffers.
        SplittableRandom rnd = new SplittableRandom(8);
        Problem[] ps = new Problem[6];
        float[][] want = new float[ps.length][];
        for (int i = 0; i < ps.length; i++) {
            ps[i] = Problem.random(rnd, i % 2 == 0, i % 3 == 0, 100 + i, 150 - i, 160 + 7 * i, 1f, 0.5f, true);
            want[i] = ps[i].run(Sgemm.KERNEL, 1);
        }
        float[][] got = new float[ps.length][];
        Parallel.forEach(ps.length, i -> got[i] = ps[i].run());
        for (int i = 0; i < ps.length; i++) assertArrayEquals(want[i], got[i], "call " + i + ": " + ps[i]);
    }

    @Test
    void rejectsBadLeadingDimensionsAndShortArrays() {
        float[] x = new float[12];
        assertThrows(IllegalArgumentException.class, () -> Sgemm.gemm(false, false, 3, 4, 4, 1f, x, 0, 3, x, 0, 4, 0f, x, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> Sgemm.gemm(false, false, 3, 4, 4, 1f, x, 0, 4, x, 0, 4, 0f, new float[11], 0, 4));
        assertThrows(IllegalArgumentException.class, () -> Sgemm.gemm(false, false, -1, 4, 4, 1f, x, 0, 4, x, 0, 4, 0f, x, 0, 4));
        float[] c = {7f};
        Sgemm.gemm(false, false, 0, 4, 4, 1f, x, 0, 4, x, 0, 4, 0f, c, 0, 4);
        assertEquals(7f, c[0]);
    }
}
