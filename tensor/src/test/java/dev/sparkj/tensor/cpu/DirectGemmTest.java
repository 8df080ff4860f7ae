package dev.sparkj.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkj.tensor.Rng;
import org.junit.jupiter.api.Test;

/**
 * {@link DirectGemm} against products summed in double: odd row counts (the one-row tail), a half-used last
 * micro-panel, row strides wider than the rows, offsets, both storage forms of B; and the transposed
 * accumulation on channel panels, whole or cut into consecutive calls (the same cuts giving the same floats).
 */
class DirectGemmTest {
    private static final int VL = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();

    private static float[] random(Rng r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    /** max |got - exact| / (sqrt(k) max|a| max|b|), the scale of a float dot product's rounding. */
    private static void assertClose(double exact, float got, int k, String what) {
        assertTrue(Math.abs(exact - got) <= 1e-6 * Math.sqrt(k) * 16 + 1e-6 * Math.abs(exact),
                what + ": " + got + " vs " + exact);
    }

    @Test
    void multiplyMatchesDoubleProducts() {
        Rng r = new Rng(3);
        for (int[] s : new int[][]{{1, VL, 1}, {7, VL, 5}, {9, 3 * VL, 44}, {12, 2 * VL, 13}, {5, 5 * VL, 300}}) {
            int rows = s[0], n = s[1], k = s[2], lda = k + 3, ldc = n + VL, aOff = 5, cOff = 2;
            for (boolean transB : new boolean[]{false, true}) {
                float[] a = random(r, aOff + rows * lda), b = random(r, k * n);
                float[] bp = new float[3 + DirectGemm.packedSize(k, n)];
                DirectGemm.packB(transB, b, 0, transB ? k : n, k, n, bp, 3);
                float[] c = new float[cOff + rows * ldc];
                java.util.Arrays.fill(c, Float.NaN); // C is written, never read
                DirectGemm.multiply(rows, n, k, a, aOff, lda, bp, 3, c, cOff, ldc);
                for (int i = 0; i < rows; i++)
                    for (int j = 0; j < ldc; j++) {
                        if (j >= n) {
                            assertTrue(Float.isNaN(c[cOff + i * ldc + j]), "wrote past column " + n);
                            continue;
                        }
                        double e = 0;
                        for (int p = 0; p < k; p++)
                            e += (double) a[aOff + i * lda + p] * (transB ? b[j * k + p] : b[p * n + j]);
                        assertClose(e, c[cOff + i * ldc + j], k, "C(" + i + "," + j + ") " + java.util.Arrays.toString(s));
                    }
            }
        }
    }

    /** A (k x rows) and B (k x n) in {@link Winograd.Panels} layout: logical (p, i) of A at {@code (i / VL) aStride + p VL + i % VL}. */
    private static float[] aPanels(float[] a, int k, int rows, int aStride) {
        float[] out = new float[((rows + VL - 1) / VL) * aStride];
        java.util.Arrays.fill(out, Float.NaN); // a position the kernel must not read
        for (int p = 0; p < k; p++)
            for (int i = 0; i < rows; i++) out[(i / VL) * aStride + p * VL + i % VL] = a[p * rows + i];
        return out;
    }

    private static float[] bPanels(float[] b, int k, int n, int bStride) {
        int nr = DirectGemm.NR;
        float[] out = new float[((n + nr - 1) / nr) * bStride];
        java.util.Arrays.fill(out, Float.NaN);
        for (int p = 0; p < k; p++)
            for (int j = 0; j < n; j++) out[(j / nr) * bStride + p * nr + j % nr] = b[p * n + j];
        return out;
    }

    @Test
    void panelAccumulationMatchesDoubleProductsWholeOrSplit() {
        Rng r = new Rng(4);
        // rows not a multiple of VL and n an odd number of vectors: unused panel positions hold NaN
        for (int[] s : new int[][]{{4, VL, 1}, {8, 3 * VL, 37}, {12, 2 * VL, 200}, {4 * VL + 4, VL, 50}}) {
            int rows = s[0], n = s[1], k = s[2], ldc = n + 2 * VL;
            int aStride = k * VL + 3, bStride = k * DirectGemm.NR + 5;
            float[] a = random(r, k * rows), b = random(r, k * n);
            float[] ap = aPanels(a, k, rows, aStride), bp = bPanels(b, k, n, bStride);
            float[] whole = new float[rows * ldc], split = new float[rows * ldc], again = new float[rows * ldc];
            java.util.Arrays.fill(whole, Float.NaN); // not accumulating: C's old contents are never used
            DirectGemm.accumulatePanels(rows, n, k, ap, 0, aStride, bp, 0, bStride, false, whole, 0, ldc);
            // the same sum as consecutive calls over k: the first starts from zero, the others add to C
            for (float[] out : new float[][]{split, again})
                for (int p0 = 0, part = 0; p0 < k; part++) {
                    int len = Math.min(k - p0, 1 + part * 7);
                    DirectGemm.accumulatePanels(rows, n, len, ap, p0 * VL, aStride, bp, p0 * DirectGemm.NR, bStride,
                            p0 > 0, out, 0, ldc);
                    p0 += len;
                }
            assertArrayEquals(split, again, "the same cuts give the same floats " + java.util.Arrays.toString(s));
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < n; j++) {
                    double e = 0;
                    for (int p = 0; p < k; p++) e += (double) a[p * rows + i] * b[p * n + j];
                    assertClose(e, whole[i * ldc + j], k, "C(" + i + "," + j + ")");
                    assertClose(e, split[i * ldc + j], k, "split C(" + i + "," + j + ")");
                }
            for (int i = 0; i < rows; i++)
                for (int j = n; j < ldc; j++) assertTrue(Float.isNaN(whole[i * ldc + j]), "wrote past column " + n);
        }
    }

    @Test
    void eightAndFourRowTilesGiveTheSameFloats() {
        // Eight-row tiles are the default only with 16-lane vectors; both heights run here on any machine.
        // Every element is one chain of fused multiply-adds in increasing p, so they agree bit for bit: blocks
        // of eight, a block of four and single rows after them, a half-used last panel.
        Rng r = new Rng(5);
        for (int[] s : new int[][]{{13, VL, 9}, {21, 3 * VL, 40}, {8, 2 * VL, 1}, {35, VL, 300}}) {
            int rows = s[0], n = s[1], k = s[2], lda = k + 1;
            float[] a = random(r, rows * lda), b = random(r, k * n);
            float[] bp = new float[DirectGemm.packedSize(k, n)];
            DirectGemm.packB(false, b, 0, n, k, n, bp, 0);
            float[] four = new float[rows * n], eight = new float[rows * n];
            DirectGemm.multiply(false, rows, n, k, a, 0, lda, bp, 0, four, 0, n);
            DirectGemm.multiply(true, rows, n, k, a, 0, lda, bp, 0, eight, 0, n);
            assertArrayEquals(four, eight, "multiply " + java.util.Arrays.toString(s));
        }
        for (int[] s : new int[][]{{20, VL, 9}, {8, 3 * VL, 37}, {2 * VL + 12, VL, 50}}) {
            int rows = s[0], n = s[1], k = s[2];
            int aStride = k * VL + 3, bStride = k * DirectGemm.NR + 5;
            float[] ap = aPanels(random(r, k * rows), k, rows, aStride), bp = bPanels(random(r, k * n), k, n, bStride);
            float[] four = new float[rows * n], eight = new float[rows * n];
            for (boolean acc : new boolean[]{false, true}) { // the second pass adds to the first
                DirectGemm.accumulatePanels(false, rows, n, k, ap, 0, aStride, bp, 0, bStride, acc, four, 0, n);
                DirectGemm.accumulatePanels(true, rows, n, k, ap, 0, aStride, bp, 0, bStride, acc, eight, 0, n);
                assertArrayEquals(four, eight, "accumulatePanels " + acc + " " + java.util.Arrays.toString(s));
            }
        }
    }

    @Test
    void rejectsShapesItCannotTile() {
        float[] x = new float[64];
        assertThrows(IllegalArgumentException.class, () -> DirectGemm.multiply(1, VL + 1, 1, x, 0, 1, x, 0, x, 0, VL + 1));
        assertThrows(IllegalArgumentException.class,
                () -> DirectGemm.accumulatePanels(3, VL, 1, x, 0, VL, x, 0, DirectGemm.NR, false, x, 0, VL));
    }
}
