package dev.sparkj.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkj.tensor.Backend;
import dev.sparkj.tensor.Backends;
import dev.sparkj.tensor.Conv2dSpec;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * {@link SubPixel} (4x4 stride-2 padding-1 convolutions as Winograd F(5x5, 2x2) on the padded space-to-depth
 * input) against the double-precision reference backend: forward, input gradient (the ConvTranspose forward) and
 * weight gradient, input channels of one to five vectors, odd output channel counts, outputs of 1, 2, 3 and 7 pixels a side (inputs twice that), batch 1 to 3;
 * edge tiles on every side. Tolerance as in {@link WinogradTest}, with the bounds the 3x3 form had (the new form
 * sums fewer terms): {@code max |err| <= 2e-6 sqrt(9K) max |ref|}, K = 4C forward and O for the input gradient,
 * and {@code 2e-6 sqrt(P)} (P = N h w) for the weight gradient.
 */
class SubPixelTest {
    private static final Backend REF = Backends.reference();
    private static final double TOL = 2e-6;
    private static final Conv2dSpec SPEC = new Conv2dSpec(2, 2, 1, 1, 1, 1, 1);

    private static final int VL = Winograd.VL;

    /** n, c (in vectors), o, h, w (output size; the input is 2h x 2w). */
    private static final int[][] SHAPES = {
            {1, 1, 5, 1, 1}, {2, 2, 3, 2, 2}, {3, 1, 9, 3, 3}, {1, 3, 11, 7, 7}, {2, 1, 17, 1, 7},
            {1, 2, 13, 7, 2}, {3, 3, 19, 3, 7}, {2, 5, 31, 7, 3}, {1, 1, 1, 2, 3},
    };

    @Test
    void matchesReference() {
        Rng r = new Rng(11);
        double worstF = 0, worstI = 0, worstW = 0;
        for (int[] s : SHAPES) {
            int n = s[0], c = s[1] * VL, o = s[2], h = s[3], w = s[4];
            Tensor x = r.normal(0, 1, n, c, 2 * h, 2 * w).toChannelsLast();
            Tensor wt = r.normal(0, 1, o, c, 4, 4);
            Tensor gy = r.normal(0, 1, n, o, h, w).toChannelsLast();
            Tensor bias = r.normal(0, 1, o);
            ConvGeometry g = ConvGeometry.of(x.shape(), wt.shape(), new int[]{n, o, h, w}, SPEC);
            assertTrue(SubPixel.eligible(g));
            String name = java.util.Arrays.toString(s);
            try (Workspace.Lease ws = Workspace.lease()) {
                // forward, with bias
                Nhwc y = Nhwc.dense(new float[n * h * w * o], 0, n, h, w, o);
                SubPixel.forward(Nhwc.of(x), g, wt, bias.toFloatArray(), y, ws);
                Tensor ref = x.to(REF).conv2d(wt.to(REF), bias.to(REF), SPEC);
                double e = WinogradTest.relError(y.tensor(), ref) / Math.sqrt(9.0 * 4 * c);
                worstF = Math.max(worstF, e);
                assertTrue(e <= TOL, name + " forward " + e);
                // input gradient
                Nhwc gx = Nhwc.dense(new float[n * 4 * h * w * c], 0, n, 2 * h, 2 * w, c);
                SubPixel.backwardInput(Nhwc.of(gy), g, wt, gx, null, ws);
                ref = gy.to(REF).conv2dBackwardInput(wt.to(REF), SPEC, x.shape());
                e = WinogradTest.relError(gx.tensor(), ref) / Math.sqrt(9.0 * o);
                worstI = Math.max(worstI, e);
                assertTrue(e <= TOL, name + " input gradient " + e);
                // weight gradient
                float[] gwp = new float[o * 16 * c];
                SubPixel.backwardWeight(Nhwc.of(x), Nhwc.of(gy), g, gwp, ws);
                Tensor gw = Heap.view(gwp, 0, o, 4, 4, c).permute(0, 3, 1, 2).contiguous();
                ref = gy.to(REF).conv2dBackwardWeight(x.to(REF), SPEC, wt.shape());
                e = WinogradTest.relError(gw, ref) / Math.sqrt((double) n * h * w);
                worstW = Math.max(worstW, e);
                assertTrue(e <= TOL, name + " weight gradient " + e);
            }
        }
        System.out.printf("SubPixel worst: forward %.2e sqrt(36C), input grad %.2e sqrt(9O), weight grad %.2e sqrt(P)%n",
                worstF, worstI, worstW);
    }

    /** x' = space-to-depth of x padded by one, materialised: {@code [N, H/2 + 1, W/2 + 1, 4C]}, zero outside x. */
    private static Nhwc materialise(Nhwc x) {
        int n = x.n(), h = x.h() / 2 + 1, w = x.w() / 2 + 1, c = x.c();
        Nhwc xs = Nhwc.dense(new float[n * h * w * 4 * c], 0, n, h, w, 4 * c);
        for (int b = 0; b < n; b++)
            for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++)
                    for (int k = 0; k < 4; k++) {
                        int yy = 2 * i - 1 + k / 2, xx = 2 * j - 1 + k % 2;
                        if (yy < 0 || yy >= x.h() || xx < 0 || xx >= x.w()) continue;
                        System.arraycopy(x.a(), x.off() + b * x.sN() + yy * x.sH() + xx * x.sW(),
                                xs.a(), xs.off() + b * xs.sN() + i * xs.sH() + j * xs.sW() + k * c, c);
                    }
        return xs;
    }

    /**
     * The space-to-depth view ({@link Winograd.Image#spaceToDepth}: x read and gx written in place) gives the same
     * floats as convolving a materialised copy of x' and scattering gx' back, in all three passes: channel counts
     * that are and are not whole vectors, both product routes (few channels: packed once; more: {@link Sgemm}),
     * edge tiles on every side, and a strided (cropped) x.
     */
    @Test
    void viewIsBitIdenticalToMaterialisedSpaceToDepth() {
        Rng r = new Rng(23);
        // n, c (in vectors), o, h, w
        int[][] shapes = {{2, 1, 16, 7, 7}, {1, 2, 5, 3, 4}, {2, 2, 13, 6, 5}, {1, 96 / 8, 192, 6, 6}, {1, 1, 7, 1, 1}};
        for (int[] s : shapes) {
            int n = s[0], c = s[1] * VL, o = s[2], h = s[3], w = s[4];
            String name = java.util.Arrays.toString(s);
            // x as a crop of a larger channels-last map, so its strides are not those of a dense block
            Tensor big = r.normal(0, 1, n, c, 2 * h + 2, 2 * w + 3).toChannelsLast();
            Tensor x = big.slice(2, 1, 1 + 2 * h).slice(3, 2, 2 + 2 * w);
            Tensor wt = r.normal(0, 1, o, c, 4, 4);
            Tensor gy = r.normal(0, 1, n, o, h, w).toChannelsLast();
            ConvGeometry g = ConvGeometry.of(x.shape(), wt.shape(), new int[]{n, o, h, w}, SPEC);
            Nhwc xv = Nhwc.of(x);
            Nhwc xs = materialise(xv);
            try (Workspace.Lease ws = Workspace.lease()) {
                float[] bias = r.normal(0, 1, o).toFloatArray();
                Nhwc y = Nhwc.dense(new float[n * h * w * o], 0, n, h, w, o);
                SubPixel.forward(xv, g, wt, bias, y, ws);
                Nhwc y2 = Nhwc.dense(new float[n * h * w * o], 0, n, h, w, o);
                float[] u = Winograd.transformWeight(SubPixel.phaseWeight(wt, g, ws), false, 5, ws);
                Winograd.convolve(xs, y2, 0, 0, u, true, bias, 5, ws);
                org.junit.jupiter.api.Assertions.assertArrayEquals(y2.a(), y.a(), name + " forward");

                Nhwc gx = Nhwc.dense(new float[n * 4 * h * w * c], 0, n, 2 * h, 2 * w, c);
                java.util.Arrays.fill(gx.a(), Float.NaN); // every pixel must be written
                SubPixel.backwardInput(Nhwc.of(gy), g, wt, gx, null, ws);
                Nhwc gxs = Nhwc.dense(new float[xs.a().length], 0, n, h + 1, w + 1, 4 * c);
                float[] ut = Winograd.transformWeight(SubPixel.phaseWeight(wt, g, ws), true, 5, ws);
                Winograd.convolve(Nhwc.of(gy), gxs, 1, 1, ut, false, null, 5, ws);
                Nhwc gx2 = Nhwc.dense(new float[gx.a().length], 0, n, 2 * h, 2 * w, c);
                for (int b = 0; b < n; b++)
                    for (int yy = 0; yy < 2 * h; yy++)
                        for (int xx = 0; xx < 2 * w; xx++) {
                            int i = (yy + 1) / 2, j = (xx + 1) / 2, k = 2 * ((yy + 1) % 2) + (xx + 1) % 2;
                            System.arraycopy(gxs.a(), gxs.off() + b * gxs.sN() + i * gxs.sH() + j * gxs.sW() + k * c,
                                    gx2.a(), gx2.off() + b * gx2.sN() + yy * gx2.sH() + xx * gx2.sW(), c);
                        }
                org.junit.jupiter.api.Assertions.assertArrayEquals(gx2.a(), gx.a(), name + " input gradient");

                float[] ge = new float[o * 4 * 4 * c], ge2 = new float[o * 4 * 4 * c];
                SubPixel.backwardWeight(xv, Nhwc.of(gy), g, ge, ws);
                float[] gw2 = new float[o * 4 * 4 * c];
                Winograd.backwardWeight(xs, Nhwc.of(gy), 0, 0, ge2, ws, 5);
                for (int oi = 0; oi < o; oi++) // ge2 [O][2][2][4C] -> [O][4][4][C], as SubPixel.backwardWeight does
                    for (int ky = 0; ky < 4; ky++)
                        for (int kx = 0; kx < 4; kx++)
                            System.arraycopy(ge2, ((oi * 2 + ky / 2) * 2 + kx / 2) * 4 * c + (2 * (ky % 2) + kx % 2) * c,
                                    gw2, ((oi * 4 + ky) * 4 + kx) * c, c);
                org.junit.jupiter.api.Assertions.assertArrayEquals(gw2, ge, name + " weight gradient");
            }
        }
    }

    /** Strided (NCHW) views go through the same copies: the public API with Winograd forced, both layouts. */
    @Test
    void publicApiWhenForced() {
        String old = System.getProperty("sparkj.conv.winograd");
        Rng r = new Rng(5);
        try {
            System.setProperty("sparkj.conv.winograd", "force");
            for (boolean cl : new boolean[]{true, false}) {
                int n = 2, c = VL, o = 5, h = 3, w = 2;
                Tensor x = r.normal(0, 1, n, c, 2 * h, 2 * w), wt = r.normal(0, 1, o, c, 4, 4);
                Tensor gy = r.normal(0, 1, n, o, h, w);
                if (cl) {
                    x = x.toChannelsLast();
                    gy = gy.toChannelsLast();
                }
                ConvGeometry g = ConvGeometry.of(x.shape(), wt.shape(), gy.shape(), SPEC);
                assertTrue(SubPixel.pays(g));
                double e = WinogradTest.relError(x.conv2d(wt, null, SPEC), x.to(REF).conv2d(wt.to(REF), null, SPEC));
                assertTrue(e <= TOL * Math.sqrt(36.0 * c), "forward " + e);
                e = WinogradTest.relError(gy.conv2dBackwardInput(wt, SPEC, x.shape()),
                        gy.to(REF).conv2dBackwardInput(wt.to(REF), SPEC, x.shape()));
                assertTrue(e <= TOL * Math.sqrt(9.0 * o), "input gradient " + e);
                e = WinogradTest.relError(gy.conv2dBackwardWeight(x, SPEC, wt.shape()),
                        gy.to(REF).conv2dBackwardWeight(x.to(REF), SPEC, wt.shape()));
                assertTrue(e <= TOL * Math.sqrt((double) n * h * w), "weight gradient " + e);
            }
            System.setProperty("sparkj.conv.subpixel", "false");
            assertFalse(SubPixel.pays(ConvGeometry.of(new int[]{1, VL, 6, 4}, new int[]{5, VL, 4, 4}, new int[]{1, 5, 3, 2}, SPEC)));
        } finally {
            System.clearProperty("sparkj.conv.subpixel");
            if (old == null) System.clearProperty("sparkj.conv.winograd");
            else System.setProperty("sparkj.conv.winograd", old);
        }
    }

    @Test
    void heuristic() {
        String old = System.getProperty("sparkj.conv.winograd");
        try {
            System.clearProperty("sparkj.conv.winograd");
            // SparK's decoder at batch 16: on from 14->28 x 384 on, off at 7->14 x 768 and with few channels
            int[][] on = {{28, 192, 1}, {56, 96, 1}, {7, 768, 0}, {14, 384, 1}, {112, 48, 1}, {112, 16, 0}};
            for (int[] s : on) {
                int h = s[0], c = s[1];
                ConvGeometry g = ConvGeometry.of(new int[]{16, c, 2 * h, 2 * h}, new int[]{c, c, 4, 4},
                        new int[]{16, c, h, h}, SPEC);
                assertTrue(SubPixel.pays(g) == (s[2] == 1), h + " " + c);
                assertTrue(SubPixel.paysWeightGradient(g) == (s[2] == 1), h + " " + c);
            }
            // and at batch 8 (ConvNeXt-S's benchmark): on at 28->56 x 192, off at 14->28 x 384
            for (int[] s : new int[][]{{28, 192, 1}, {14, 384, 0}}) {
                int h = s[0], c = s[1];
                ConvGeometry g = ConvGeometry.of(new int[]{8, c, 2 * h, 2 * h}, new int[]{c, c, 4, 4},
                        new int[]{8, c, h, h}, SPEC);
                assertTrue(SubPixel.pays(g) == (s[2] == 1), "batch 8: " + h + " " + c);
            }
        } finally {
            if (old == null) System.clearProperty("sparkj.conv.winograd");
            else System.setProperty("sparkj.conv.winograd", old);
        }
    }

    @Test
    void eligibility() {
        assertFalse(SubPixel.eligible(ConvGeometry.of(new int[]{1, VL, 7, 4}, new int[]{5, VL, 4, 4}, new int[]{1, 5, 3, 2}, SPEC)));
        assertTrue(SubPixel.eligible(ConvGeometry.of(new int[]{1, VL, 6, 4}, new int[]{5, VL, 4, 4}, new int[]{1, 5, 3, 2}, SPEC)));
        // channels that end mid-vector: the space-to-depth view's parts would overlap
        assertFalse(SubPixel.eligible(ConvGeometry.of(new int[]{1, VL + 1, 6, 4}, new int[]{5, VL + 1, 4, 4}, new int[]{1, 5, 3, 2}, SPEC)));
        assertFalse(SubPixel.eligible(ConvGeometry.of(new int[]{1, 8, 6, 4}, new int[]{4, 4, 4, 4}, new int[]{1, 4, 3, 2},
                new Conv2dSpec(2, 2, 1, 1, 1, 1, 2))));
    }
}
