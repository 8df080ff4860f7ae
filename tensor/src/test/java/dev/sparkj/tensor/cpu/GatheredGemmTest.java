package dev.sparkj.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkj.tensor.Rng;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

/**
 * {@link GatheredGemm} against {@link Sgemm} on the written-out matrix, compared bit for bit: the gathered
 * products promise the same floats, whichever of Sgemm's paths the shape takes (the few-column product, the
 * packed loop nest with several depth slices, the row dot products), with missing taps, rows whose taps are all
 * missing, row counts that are not a multiple of four, tap runs that cross B micro-panels, offsets and wider
 * leading dimensions. Plus one check against double-precision sums (so the comparison is not two copies of
 * one mistake), and the input checks.
 */
class GatheredGemmTest {
    private static float[] random(Rng r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    /** A table of {@code rows x taps} input rows out of {@code nIn}, about {@code missing} of them negative. */
    private static int[] table(Rng r, int rows, int taps, int nIn, double missing) {
        int[] idx = new int[rows * taps];
        for (int i = 0; i < idx.length; i++) idx[i] = r.nextDouble() < missing ? -1 - (i & 1) : (int) (r.nextDouble() * nIn);
        for (int t = 0; t < taps && rows > 3; t++) idx[3 * taps + t] = -1; // row 3 reads nothing at all
        return idx;
    }

    /** The written-out G, {@code [rows x taps*C]}. */
    private static float[] writeOut(GatheredGemm.Rows g) {
        int k = g.cols();
        float[] a = new float[g.rows() * k];
        for (int i = 0; i < g.rows(); i++)
            for (int t = 0; t < g.taps(); t++) {
                int src = g.index()[i * g.taps() + t];
                for (int c = 0; c < g.channels(); c++)
                    a[i * k + t * g.channels() + c] = src < 0 ? 0f : g.x()[g.offset() + src * g.channels() + c];
            }
        return a;
    }

    private static GatheredGemm.Rows rows(Rng r, int nIn, int ch, int taps, int nOut, int offset) {
        return new GatheredGemm.Rows(random(r, offset + nIn * ch + 5), offset, ch, taps, table(r, nOut, taps, nIn, 0.3), nOut);
    }

    @Test
    void timesIsSgemmOnTheWrittenOutMatrix() {
        Rng r = new Rng(11);
        // {rows of G, channels, taps, n}: few columns (DirectGemm's product), a half-used last panel, a tail of
        // rows, many columns and depth over several KC slices (the packed loop nest), a handful of columns (RowDots)
        for (int[] s : new int[][]{{1003, 64, 9, 64}, {301, 16, 9, 24}, {262, 20, 9, 40}, {777, 128, 9, 136},
                {530, 48, 9, 200}, {300, 64, 9, 3}, {40, 64, 9, 64}, {1, 16, 9, 16}}) {
            int m = s[0], ch = s[1], taps = s[2], n = s[3], k = ch * taps;
            for (boolean transB : new boolean[]{false, true}) {
                GatheredGemm.Rows g = rows(r, 2 * m + 7, ch, taps, m, 3);
                int ldb = (transB ? k : n) + 5, ldc = n + 8, offB = 2, offC = 4;
                float[] b = random(r, offB + (transB ? n : k) * ldb);
                float[] want = new float[offC + m * ldc], got = new float[offC + m * ldc];
                Arrays.fill(want, 7f);
                Arrays.fill(got, 7f);
                for (int i = 0; i < m; i++) Arrays.fill(got, offC + i * ldc, offC + i * ldc + n, Float.NaN); // C is written, never read ...
                Sgemm.gemm(false, transB, m, n, k, 1f, writeOut(g), 0, k, b, offB, ldb, 0f, want, offC, ldc);
                GatheredGemm.times(g, transB, n, b, offB, ldb, got, offC, ldc);
                assertArrayEquals(want, got, Arrays.toString(s) + " transB=" + transB); // ... and only C is written
            }
        }
    }

    @Test
    void transposedTimesIsSgemmOnTheWrittenOutMatrix() {
        Rng r = new Rng(12);
        // {rows of G (the depth), channels, taps, m}: panels inside one tap, panels across taps (C = 20, 24),
        // a depth over several KC slices, a narrow C
        for (int[] s : new int[][]{{1500, 64, 9, 64}, {700, 20, 9, 33}, {611, 24, 9, 16}, {900, 128, 9, 128}, {5, 16, 4, 8}}) {
            int k = s[0], ch = s[1], taps = s[2], m = s[3], n = ch * taps;
            GatheredGemm.Rows g = rows(r, k / 2 + 3, ch, taps, k, 6);
            int lda = m + 3, ldc = n + 4, offA = 1, offC = 2;
            float[] a = random(r, offA + k * lda);
            float[] want = new float[offC + m * ldc], got = new float[offC + m * ldc];
            Arrays.fill(want, 5f);
            Arrays.fill(got, 5f);
            for (int i = 0; i < m; i++) Arrays.fill(got, offC + i * ldc, offC + i * ldc + n, Float.NaN);
            Sgemm.gemm(true, false, m, n, k, 1f, a, offA, lda, writeOut(g), 0, n, 0f, want, offC, ldc);
            GatheredGemm.transposedTimes(m, a, offA, lda, g, got, offC, ldc);
            assertArrayEquals(want, got, Arrays.toString(s));
        }
    }

    @Test
    void timesMatchesDoubleSums() {
        Rng r = new Rng(13);
        int m = 517, ch = 32, taps = 9, n = 48, k = ch * taps;
        GatheredGemm.Rows g = rows(r, 300, ch, taps, m, 0);
        float[] b = random(r, k * n), c = new float[m * n];
        GatheredGemm.times(g, false, n, b, 0, n, c, 0, n);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int t = 0; t < taps; t++) {
                    int src = g.index()[i * taps + t];
                    if (src >= 0) for (int q = 0; q < ch; q++) sum += (double) g.x()[src * ch + q] * b[(t * ch + q) * n + j];
                }
                assertTrue(Math.abs(sum - c[i * n + j]) <= 1e-5 * Math.sqrt(k) * 4, i + "," + j + ": " + c[i * n + j] + " vs " + sum);
            }
        for (int j = 0; j < n; j++) assertEquals(0f, c[3 * n + j], "a row with no taps"); // row 3 reads nothing
    }

    @Test
    void emptyDepthClearsC() {
        GatheredGemm.Rows g = new GatheredGemm.Rows(new float[8], 0, 4, 2, new int[0], 0);
        float[] c = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
        GatheredGemm.transposedTimes(2, new float[2], 0, 2, g, c, 0, 8);
        assertArrayEquals(new float[16], c);
    }

    @Test
    void rejectsTablesThatPointOutsideTheInput() {
        float[] x = new float[4 * 10]; // 10 rows of 4 channels
        var e = assertThrows(IllegalArgumentException.class, () -> new GatheredGemm.Rows(x, 0, 4, 2, new int[]{0, 9, 3, 10}, 2));
        assertTrue(e.getMessage().contains("index[3] = 10") && e.getMessage().contains("10 rows of 4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new GatheredGemm.Rows(x, 0, 4, 3, new int[5], 2));
        assertTrue(e.getMessage().contains("need 6 index entries, got 5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new GatheredGemm.Rows(x, 8, 4, 1, new int[]{8}, 1));
        assertTrue(e.getMessage().contains("index[0] = 8"), e.getMessage()); // 8 rows fit after offset 8
        GatheredGemm.Rows g = new GatheredGemm.Rows(x, 0, 4, 1, new int[]{1, 2}, 2);
        e = assertThrows(IllegalArgumentException.class, () -> GatheredGemm.times(g, false, 3, new float[4], 0, 3, new float[6], 0, 3));
        assertTrue(e.getMessage().contains("B (4x3"), e.getMessage());
    }
}
