package dev.sparkj.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkj.tensor.Rng;
import org.junit.jupiter.api.Test;

/**
 * {@link DirectGemm} against products summed in double: odd row counts (the one-row tail), a half-used last
 * micro-panel, row strides wider than the rows, offsets, both storage forms of B; and the transposed
 * accumulation, whole or cut into consecutive calls (the same cuts giving the same floats).
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

    @Test
    void transposedAccumulationMatchesDoubleProductsWholeOrSplit() {
        Rng r = new Rng(4);
        for (int[] s : new int[][]{{4, VL, 1}, {8, 3 * VL, 37}, {12, 2 * VL, 200}}) {
            int rows = s[0], n = s[1], k = s[2], lda = rows + 4, ldb = n + VL, ldc = n + 2 * VL;
            float[] a = random(r, k * lda), b = random(r, k * ldb);
            float[] whole = new float[rows * ldc], split = new float[rows * ldc], again = new float[rows * ldc];
            java.util.Arrays.fill(whole, Float.NaN); // not accumulating: C's old contents are never used
            DirectGemm.accumulateTransposed(rows, n, k, a, 0, lda, b, 0, ldb, false, whole, 0, ldc);
            // the same sum as consecutive calls over k: the first starts from zero, the others add to C
            for (float[] out : new float[][]{split, again})
                for (int p0 = 0, part = 0; p0 < k; part++) {
                    int len = Math.min(k - p0, 1 + part * 7);
                    DirectGemm.accumulateTransposed(rows, n, len, a, p0 * lda, lda, b, p0 * ldb, ldb, p0 > 0, out, 0, ldc);
                    p0 += len;
                }
            assertArrayEquals(split, again, "the same cuts give the same floats " + java.util.Arrays.toString(s));
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < n; j++) {
                    double e = 0;
                    for (int p = 0; p < k; p++) e += (double) a[p * lda + i] * b[p * ldb + j];
                    assertClose(e, whole[i * ldc + j], k, "C(" + i + "," + j + ")");
                    assertClose(e, split[i * ldc + j], k, "split C(" + i + "," + j + ")");
                }
            for (int i = 0; i < rows; i++)
                for (int j = n; j < ldc; j++) assertTrue(Float.isNaN(whole[i * ldc + j]), "wrote past column " + n);
        }
    }

    @Test
    void rejectsShapesItCannotTile() {
        float[] x = new float[64];
        assertThrows(IllegalArgumentException.class, () -> DirectGemm.multiply(1, VL + 1, 1, x, 0, 1, x, 0, x, 0, VL + 1));
        assertThrows(IllegalArgumentException.class,
                () -> DirectGemm.accumulateTransposed(3, VL, 1, x, 0, 3, x, 0, VL, false, x, 0, VL));
    }
}
