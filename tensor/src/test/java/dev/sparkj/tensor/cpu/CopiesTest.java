package dev.sparkj.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Transposing copies on the CPU backend, element by element against index arithmetic: the copies whose destination
 * runs are short (NCHW to channels-last with three channels, SparK's patchify permutation) walk the source's order
 * instead, and must still put every element in its place, serial and parallel (past the serial cut-off), for floats
 * and for the other element types.
 */
class CopiesTest {
    /** Values that identify their flat index. */
    private static float[] iota(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = i;
        return a;
    }

    @Test
    void channelsLastFromNchwPutsEveryElementInPlace() {
        for (int[] s : new int[][] {{2, 3, 5, 7}, {16, 3, 64, 64}, {2, 1, 3, 3}, {3, 20, 4, 5}}) {
            int n = s[0], c = s[1], h = s[2], w = s[3];
            Tensor x = Tensor.of(iota(n * c * h * w), s);
            Tensor y = x.toChannelsLast();
            float[] a = Heap.f32(y);
            int[] st = y.strides();
            assertEquals(1, c == 1 ? 1 : st[1], "channel stride");
            for (int i = 0; i < n; i++)
                for (int ch = 0; ch < c; ch++)
                    for (int yy = 0; yy < h; yy++)
                        for (int xx = 0; xx < w; xx++) {
                            int at = y.offset() + i * st[0] + ch * st[1] + yy * st[2] + xx * st[3];
                            assertEquals(((i * c + ch) * h + yy) * w + xx, a[at], 0f, java.util.Arrays.toString(s));
                        }
        }
    }

    @Test
    void patchifyPermutationPutsEveryElementInPlace() {
        // [N, C, h, p, w, p] -> [N, h, w, p, p, C]: the destination's fastest dimension is C (3), the source's is p
        for (int[] s : new int[][] {{2, 3, 2, 4, 3, 4}, {16, 3, 7, 8, 7, 8}}) {
            Tensor x = Tensor.of(iota(s[0] * s[1] * s[2] * s[3] * s[4] * s[5]), s);
            float[] got = x.permute(0, 2, 4, 3, 5, 1).contiguous().toFloatArray();
            int k = 0;
            for (int i = 0; i < s[0]; i++)
                for (int hh = 0; hh < s[2]; hh++)
                    for (int ww = 0; ww < s[4]; ww++)
                        for (int py = 0; py < s[3]; py++)
                            for (int px = 0; px < s[5]; px++)
                                for (int ch = 0; ch < s[1]; ch++) {
                                    int src = ((((i * s[1] + ch) * s[2] + hh) * s[3] + py) * s[4] + ww) * s[5] + px;
                                    assertEquals(src, got[k++], 0f, "element " + (k - 1));
                                }
        }
    }

    @Test
    void otherElementTypesTransposeToo() {
        int n = 2, c = 3, h = 4, w = 5;
        double[] d = new double[n * c * h * w];
        long[] l = new long[d.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = i + 0.5;
            l[i] = 3L * i;
        }
        Tensor yd = Tensor.of(d, n, c, h, w).toChannelsLast();
        Tensor yl = Tensor.ofLongs(l, n, c, h, w).toChannelsLast();
        double[] ad = Heap.of(yd).f64();
        long[] al = Heap.of(yl).i64();
        for (int i = 0; i < n; i++)
            for (int ch = 0; ch < c; ch++)
                for (int p = 0; p < h * w; p++) {
                    int src = (i * c + ch) * h * w + p, dst = (i * h * w + p) * c + ch;
                    assertEquals(src + 0.5, ad[yd.offset() + dst], 0.0);
                    assertEquals(3L * src, al[yl.offset() + dst]);
                }
    }
}
