package dev.sparkj.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkj.tensor.Backend;
import dev.sparkj.tensor.Backends;
import dev.sparkj.tensor.Conv2dSpec;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link Winograd} against the double-precision reference backend, over odd shapes (sizes that are not
 * multiples of the tile, channel counts that are not multiples of the vector, paddings 0 to 2, small
 * batches), for F(4x4, 3x3), F(2x2, 3x3) and F(6x6, 3x3), forward (with and without bias), input gradient and
 * weight gradient.
 *
 * <p>Tolerance: {@code max |y - ref| <= tol sqrt(9 K) max |ref|}, K the channels summed (C forward, O for
 * the input gradient), the form of BackendConformanceTest's {@code 2e-6 sqrt(9K)} for convolutions (a
 * sum of 9K products in float has a rounding error growing like sqrt(9K) times the values' scale).
 * Winograd's transforms scale values by up to 8 (A^T) and 5 (B^T) and mix six terms in each direction,
 * so F(4x4)'s errors are many times those of a plain dot product. Measured worst cases over these
 * shapes (printed by {@link #forwardAndInputGradientMatchReference}): about 6.5e-7 sqrt(9K) for F(4x4)
 * and 4.5e-8 sqrt(9K) for F(2x2) (im2col + GEMM: about 1e-8). F(4x4) is held to the conformance bound
 * itself, {@code 2e-6} (a 3x margin), since that is the accuracy every convolution of the backend promises;
 * F(2x2) to {@code 2e-7} (a 4x margin). F(6x6) (measured 1.1e-6 sqrt(9K), 1.0e-6 sqrt(P) for the weight
 * gradient) is held to the same bound as F(4x4). Inputs are seeded and results independent of the thread count, so
 * these checks are deterministic.
 */
class WinogradTest {
    /** The output tile sizes checked, in the order the digest prints them: F(6x6), F(4x4), F(2x2). */
    private static final int[] SCHEMES = {6, 4, 2};
    /** F(4x4, 3x3): the conformance test's bound for a convolution, {@code 2e-6 sqrt(9K)} of max|ref|. */
    private static final double TOL4 = 2e-6;
    /** F(6x6, 3x3): held to the same conformance bound as F(4x4). */
    private static final double TOL6 = 2e-6;
    /** Weight gradient, F(6x6): the same bound as F(4x4)'s. */
    private static final double TOLW6 = 2e-6;
    /** F(2x2, 3x3): as accurate as im2col + GEMM within a factor of two or so. */
    private static final double TOL2 = 2e-7;
    private static final Backend REF = Backends.reference();
    /**
     * Weight gradient, F(4x4): the same bound, with the sum over P = N HO WO pixels in place of 9K (measured
     * worst case over SHAPES 2.5e-7 sqrt(P), an 8x margin).
     */
    private static final double TOLW4 = 2e-6;
    /** Weight gradient, F(2x2): measured worst case 5.0e-8 sqrt(P), a 4x margin. */
    private static final double TOLW2 = 2e-7;

    /** n, c, o, h, w, ph, pw. */
    private static final int[][] SHAPES = {
            {1, 3, 3, 1, 1, 1, 1}, {1, 3, 13, 3, 3, 1, 1}, {2, 13, 3, 5, 7, 1, 1}, {1, 13, 40, 7, 5, 0, 0},
            {3, 40, 13, 9, 9, 2, 2}, {2, 40, 40, 14, 14, 1, 1}, {1, 13, 13, 17, 17, 1, 1}, {2, 3, 40, 17, 9, 0, 2},
            {1, 40, 3, 3, 17, 2, 0}, {1, 16, 24, 14, 3, 1, 2}, {2, 8, 8, 9, 14, 2, 1}, {1, 40, 13, 1, 5, 1, 2},
            {3, 13, 16, 5, 3, 0, 1}, {1, 64, 32, 17, 14, 1, 1},
    };

    // ------------------------------------------------------------------ the matrices themselves

    /** A^T [(G g) .* (B^T d)] is the 3-tap correlation of d with g, in double, for the three tile sizes. */
    @Test
    void transformsComputeCorrelation() {
        SplittableRandom r = new SplittableRandom(7);
        for (int m : new int[]{2, 4, 6}) {
            double[][] bt = m == 6 ? Winograd.BT6 : m == 4 ? Winograd.BT4 : Winograd.BT2;
            double[][] g = m == 6 ? Winograd.G6 : m == 4 ? Winograd.G4 : Winograd.G2;
            double[][] at = m == 6 ? Winograd.AT6 : m == 4 ? Winograd.AT4 : Winograd.AT2;
            int t = m + 2;
            for (int trial = 0; trial < 20; trial++) {
                double[] d = new double[t], f = new double[3];
                for (int i = 0; i < t; i++) d[i] = r.nextDouble(-1, 1);
                for (int i = 0; i < 3; i++) f[i] = r.nextDouble(-1, 1);
                double[] prod = new double[t];
                for (int p = 0; p < t; p++) {
                    double gf = 0, bd = 0;
                    for (int k = 0; k < 3; k++) gf += g[p][k] * f[k];
                    for (int k = 0; k < t; k++) bd += bt[p][k] * d[k];
                    prod[p] = gf * bd;
                }
                for (int i = 0; i < m; i++) {
                    double y = 0, want = d[i] * f[0] + d[i + 1] * f[1] + d[i + 2] * f[2];
                    for (int p = 0; p < t; p++) y += at[i][p] * prod[p];
                    assertEquals(want, y, 1e-12, "F(" + m + ",3) output " + i);
                }
            }
        }
    }

    // ------------------------------------------------------------------ against the reference backend

    /** max |got - want| / max |want| over all elements (0 when want is all zero and got matches). */
    static double relError(Tensor got, Tensor want) {
        float[] a = got.contiguous().toFloatArray(), b = want.contiguous().toFloatArray();
        assertEquals(b.length, a.length);
        double err = 0, scale = 0;
        for (int i = 0; i < a.length; i++) {
            assertTrue(Float.isFinite(a[i]), "non-finite output");
            err = Math.max(err, Math.abs((double) a[i] - b[i]));
            scale = Math.max(scale, Math.abs(b[i]));
        }
        return scale == 0 ? err : err / scale;
    }

    /** Winograd forward of x (channels-last) with F(m x m, 3 x 3), into a dense NHWC array. */
    static Tensor forward(Tensor x, Tensor w, Tensor bias, Conv2dSpec spec, int m) {
        int n = x.shape(0), h = spec.outH(x.shape(2), 3), wo = spec.outW(x.shape(3), 3), o = w.shape(0);
        ConvGeometry g = ConvGeometry.of(x.shape(), w.shape(), new int[]{n, o, h, wo}, spec);
        assertTrue(Winograd.eligible(g));
        Nhwc y = Nhwc.dense(new float[n * h * wo * o], 0, n, h, wo, o);
        float[] b = bias == null ? null : bias.toFloatArray();
        try (Workspace.Lease ws = Workspace.lease()) {
            Winograd.forward(Nhwc.of(x), g, w, b, y, ws, m);
        }
        return y.tensor();
    }

    /** Winograd input gradient of gy (channels-last) for an input of {@code xs}. */
    static Tensor backwardInput(Tensor gy, Tensor w, Conv2dSpec spec, int[] xs, int m) {
        ConvGeometry g = ConvGeometry.of(xs, w.shape(), gy.shape(), spec);
        assertTrue(Winograd.eligible(g));
        Nhwc gx = Nhwc.dense(new float[xs[0] * xs[1] * xs[2] * xs[3]], 0, xs[0], xs[2], xs[3], xs[1]);
        try (Workspace.Lease ws = Workspace.lease()) {
            Winograd.backwardInput(Nhwc.of(gy), g, w, gx, null, ws, m);
        }
        return gx.tensor();
    }

    /** Winograd weight gradient {@code [O, C, 3, 3]} from x and gy (both channels-last). */
    static Tensor backwardWeight(Tensor x, Tensor gy, Conv2dSpec spec, int m) {
        int o = gy.shape(1), c = x.shape(1);
        ConvGeometry g = ConvGeometry.of(x.shape(), new int[]{o, c, 3, 3}, gy.shape(), spec);
        assertTrue(Winograd.eligible(g));
        float[] gwp = new float[o * 9 * c];
        try (Workspace.Lease ws = Workspace.lease()) {
            Winograd.backwardWeight(Nhwc.of(x), Nhwc.of(gy), g, gwp, ws, m);
        }
        return Heap.view(gwp, 0, o, 3, 3, c).permute(0, 3, 1, 2).contiguous();
    }

    /**
     * Weight-gradient error scaled by {@code sqrt(P)}, P = N HO WO the pixels summed (each gradient entry is a
     * sum of P products), for one shape.
     */
    private static double weightError(int[] s, int m, Rng r) {
        int n = s[0], c = s[1], o = s[2], h = s[3], w = s[4];
        Conv2dSpec spec = new Conv2dSpec(1, 1, s[5], s[6], 1, 1, 1);
        Tensor x = r.normal(0, 1, n, c, h, w).toChannelsLast();
        int ho = spec.outH(h, 3), wo = spec.outW(w, 3);
        Tensor gy = r.normal(0, 1, n, o, ho, wo).toChannelsLast();
        Tensor ref = gy.to(REF).conv2dBackwardWeight(x.to(REF), spec, new int[]{o, c, 3, 3});
        return relError(backwardWeight(x, gy, spec, m), ref) / Math.sqrt((double) n * ho * wo);
    }

    @Test
    void weightGradientMatchesReference() {
        checkWeightGradient();
    }

    private static void checkWeightGradient() {
        for (int m : SCHEMES) {
            double worst = 0;
            for (int[] s : SHAPES) {
                double e = weightError(s, m, new Rng(java.util.Arrays.hashCode(s) * 7 + m));
                assertTrue(e <= tolW(m), "F(" + m + "x" + m + ") n,c,o,h,w,ph,pw=" + java.util.Arrays.toString(s) + " weight gradient: " + e);
                worst = Math.max(worst, e);
            }
            System.out.printf("Winograd F(%dx%d,3x3) weight gradient: worst error over the odd shapes %.2e sqrt(P) max|ref|%n", m, m, worst);
        }
    }

    /** The weight gradient's tolerance for tile size m, as a multiple of {@code sqrt(P) max|ref|}. */
    private static double tolW(int m) { return m == 6 ? TOLW6 : m == 4 ? TOLW4 : TOLW2; }

    /** Errors scaled by {@code sqrt(9 K)}: {forward, forward + bias, input gradient} for one shape. */
    private static double[] errors(int[] s, int m, Rng r) {
        int n = s[0], c = s[1], o = s[2], h = s[3], w = s[4];
        Conv2dSpec spec = new Conv2dSpec(1, 1, s[5], s[6], 1, 1, 1);
        Tensor x = r.normal(0, 1, n, c, h, w).toChannelsLast();
        Tensor wt = r.normal(0, 1, o, c, 3, 3), bias = r.normal(0, 1, o);
        int ho = spec.outH(h, 3), wo = spec.outW(w, 3);
        Tensor gy = r.normal(0, 1, n, o, ho, wo).toChannelsLast();
        Tensor refY = x.to(REF).conv2d(wt.to(REF), null, spec), refYb = x.to(REF).conv2d(wt.to(REF), bias.to(REF), spec);
        Tensor refGx = gy.to(REF).conv2dBackwardInput(wt.to(REF), spec, x.shape());
        return new double[]{
                relError(forward(x, wt, null, spec, m), refY) / Math.sqrt(9.0 * c),
                relError(forward(x, wt, bias, spec, m), refYb) / Math.sqrt(9.0 * c),
                relError(backwardInput(gy, wt, spec, x.shape(), m), refGx) / Math.sqrt(9.0 * o)};
    }

    /** The tolerance for tile size m, as a multiple of {@code sqrt(9K) max|ref|} (see the class comment). */
    private static double tol(int m) { return m == 6 ? TOL6 : m == 4 ? TOL4 : TOL2; }

    @Test
    void forwardAndInputGradientMatchReference() {
        checkForwardAndInputGradient();
    }

    /**
     * The same checks with the direct path off: every shape's forward and input-gradient products through Sgemm's
     * packed GEMMs, and every weight gradient through the blocked path (blocks one after another, no partial sums).
     */
    @Test
    void packedGemmPathMatchesReference() {
        String old = System.getProperty("sparkj.conv.winograd.direct");
        System.setProperty("sparkj.conv.winograd.direct", "false");
        try {
            assertFalse(Winograd.direct(3, 3));
            checkForwardAndInputGradient();
            checkWeightGradient();
        } finally {
            if (old == null) System.clearProperty("sparkj.conv.winograd.direct");
            else System.setProperty("sparkj.conv.winograd.direct", old);
        }
    }

    private static void checkForwardAndInputGradient() {
        for (int m : SCHEMES) {
            double worst = 0;
            for (int[] s : SHAPES) {
                double[] e = errors(s, m, new Rng(java.util.Arrays.hashCode(s) + m));
                String what = "F(" + m + "x" + m + ") n,c,o,h,w,ph,pw=" + java.util.Arrays.toString(s);
                assertTrue(e[0] <= tol(m), what + " forward: " + e[0]);
                assertTrue(e[1] <= tol(m), what + " forward+bias: " + e[1]);
                assertTrue(e[2] <= tol(m), what + " input gradient: " + e[2]);
                for (double v : e) worst = Math.max(worst, v);
            }
            System.out.printf("Winograd F(%dx%d,3x3): worst error over the odd shapes %.2e sqrt(9K) max|ref|%n", m, m, worst);
        }
    }

    /**
     * Prints the error figures quoted in Winograd's javadoc: max error / max|ref| at a decoder-like shape
     * (C = O = 192, 14x14, batch 1, pad 1) for F(4x4), F(2x2) and the im2col + GEMM path.
     */
    @Test
    void measuredErrors() {
        Rng r = new Rng(11);
        Conv2dSpec spec = Conv2dSpec.of(1, 1, 1);
        Tensor x = r.normal(0, 1, 1, 192, 14, 14).toChannelsLast(), wt = r.normal(0, 1, 192, 192, 3, 3);
        Tensor gy = r.normal(0, 1, 1, 192, 14, 14).toChannelsLast();
        Tensor refY = x.to(REF).conv2d(wt.to(REF), null, spec), refGx = gy.to(REF).conv2dBackwardInput(wt.to(REF), spec, x.shape());
        double k = Math.sqrt(9.0 * 192);
        for (int m : SCHEMES) {
            double e = relError(forward(x, wt, null, spec, m), refY), eg = relError(backwardInput(gy, wt, spec, x.shape(), m), refGx);
            System.out.printf("Winograd F(%dx%d,3x3): C=O=192 14x14: max err / max|ref| forward %.2e, input gradient %.2e "
                    + "(%.2e, %.2e sqrt(9C))%n", m, m, e, eg, e / k, eg / k);
            assertTrue(e / k <= tol(m) && eg / k <= tol(m));
        }
        Tensor refGw = gy.to(REF).conv2dBackwardWeight(x.to(REF), spec, wt.shape());
        double kw = Math.sqrt(14.0 * 14);
        for (int m : SCHEMES) {
            double e = relError(backwardWeight(x, gy, spec, m), refGw);
            System.out.printf("Winograd F(%dx%d,3x3): C=O=192 14x14: max err / max|ref| weight gradient %.2e (%.2e sqrt(P))%n",
                    m, m, e, e / kw);
            assertTrue(e / kw <= tolW(m));
        }
        String old = System.getProperty("sparkj.conv.winograd");
        System.setProperty("sparkj.conv.winograd", "false");
        try {
            double e = relError(x.conv2d(wt, null, spec), refY), eg = relError(gy.conv2dBackwardInput(wt, spec, x.shape()), refGx);
            System.out.printf("im2col + GEMM:        C=O=192 14x14: max err / max|ref| forward %.2e, input gradient %.2e "
                    + "(%.2e, %.2e sqrt(9C))%n", e, eg, e / k, eg / k);
            double ew = relError(gy.conv2dBackwardWeight(x, spec, wt.shape()), refGw);
            System.out.printf("im2col + GEMM:        C=O=192 14x14: max err / max|ref| weight gradient %.2e (%.2e sqrt(P))%n", ew, ew / kw);
        } finally {
            restore(old);
        }
    }

    private static void restore(String old) {
        if (old == null) System.clearProperty("sparkj.conv.winograd");
        else System.setProperty("sparkj.conv.winograd", old);
    }

    // ------------------------------------------------------------------ through the public API

    /**
     * With {@code sparkj.conv.winograd=force}, Tensor.conv2d and conv2dBackwardInput take the Winograd path
     * for every layout (contiguous NCHW inputs go through a channels-last workspace, outputs may be strided
     * views); results match the reference, and differ in their rounding from the im2col path's (so the
     * switch really switched).
     */
    @Test
    void publicApiUsesItWhenForced() {
        Rng r = new Rng(3);
        Conv2dSpec spec = Conv2dSpec.of(1, 1, 1);
        Tensor x = r.normal(0, 1, 2, 13, 9, 7), w = r.normal(0, 1, 11, 13, 3, 3), b = r.normal(0, 1, 11);
        Tensor gy = r.normal(0, 1, 2, 11, 9, 7);
        String old = System.getProperty("sparkj.conv.winograd");
        try {
            for (Tensor xi : new Tensor[]{x, x.toChannelsLast()}) {
                Tensor gyi = xi.isChannelsLast() ? gy.toChannelsLast() : gy;
                System.setProperty("sparkj.conv.winograd", "force");
                Tensor y = xi.conv2d(w, b, spec), gx = gyi.conv2dBackwardInput(w, spec, x.shape());
                System.setProperty("sparkj.conv.winograd", "false");
                Tensor yd = xi.conv2d(w, b, spec), gxd = gyi.conv2dBackwardInput(w, spec, x.shape());
                assertTrue(relError(y, x.to(REF).conv2d(w.to(REF), b.to(REF), spec)) <= TOL4 * Math.sqrt(9 * 13));
                assertTrue(relError(gx, gy.to(REF).conv2dBackwardInput(w.to(REF), spec, x.shape())) <= TOL4 * Math.sqrt(9 * 11));
                assertFalse(java.util.Arrays.equals(y.toFloatArray(), yd.toFloatArray()), "forward did not switch paths");
                assertFalse(java.util.Arrays.equals(gx.toFloatArray(), gxd.toFloatArray()), "input gradient did not switch paths");
                System.setProperty("sparkj.conv.winograd", "force");
                Tensor gw = gyi.conv2dBackwardWeight(xi, spec, w.shape());
                System.setProperty("sparkj.conv.winograd", "false");
                Tensor gwd = gyi.conv2dBackwardWeight(xi, spec, w.shape());
                assertTrue(relError(gw, gy.to(REF).conv2dBackwardWeight(x.to(REF), spec, w.shape())) <= TOLW4 * Math.sqrt(2 * 9 * 7));
                assertFalse(java.util.Arrays.equals(gw.toFloatArray(), gwd.toFloatArray()), "weight gradient did not switch paths");
            }
        } finally {
            restore(old);
        }
    }

    /** The size heuristic: small channel counts and ineligible geometries stay on im2col (the weight gradient also with few tiles). */
    @Test
    void heuristic() {
        String old = System.getProperty("sparkj.conv.winograd");
        System.clearProperty("sparkj.conv.winograd");
        try {
            Conv2dSpec s1 = Conv2dSpec.of(1, 1, 1);
            ConvGeometry big = ConvGeometry.of(new int[]{16, 192, 56, 56}, new int[]{192, 192, 3, 3}, new int[]{16, 192, 56, 56}, s1);
            assertTrue(Winograd.pays(big));
            assertFalse(Winograd.pays(ConvGeometry.of(new int[]{2, 5, 9, 8}, new int[]{7, 5, 3, 3}, new int[]{2, 7, 9, 8}, s1)));
            ConvGeometry strided = ConvGeometry.of(new int[]{16, 192, 56, 56}, new int[]{192, 192, 3, 3},
                    new int[]{16, 192, 28, 28}, Conv2dSpec.of(2, 1, 1));
            assertFalse(Winograd.pays(strided));
            ConvGeometry grouped = ConvGeometry.of(new int[]{16, 192, 56, 56}, new int[]{192, 96, 3, 3},
                    new int[]{16, 192, 56, 56}, Conv2dSpec.of(1, 1, 2));
            assertFalse(Winograd.pays(grouped));
            ConvGeometry decoder = ConvGeometry.of(new int[]{16, 48, 224, 224}, new int[]{24, 48, 3, 3}, new int[]{16, 24, 224, 224}, s1);
            assertTrue(Winograd.pays(decoder));
            ConvGeometry tinyImage = ConvGeometry.of(new int[]{16, 512, 2, 2}, new int[]{512, 512, 3, 3}, new int[]{16, 512, 2, 2}, s1);
            assertFalse(Winograd.pays(tinyImage)); // one 4x4 tile for 4 outputs: 36 products where im2col needs 36
            assertTrue(Winograd.eligible(tinyImage));
            ConvGeometry huge = ConvGeometry.of(new int[]{1, 2048, 14, 14}, new int[]{2048, 2048, 3, 3}, new int[]{1, 2048, 14, 14}, s1);
            assertFalse(Winograd.pays(huge)); // U would take 36 * 2048^2 floats (600 MB)
            assertTrue(Winograd.paysWeightGradient(big));
            ConvGeometry fewTiles = ConvGeometry.of(new int[]{2, 768, 14, 14}, new int[]{768, 768, 3, 3}, new int[]{2, 768, 14, 14}, s1);
            assertTrue(Winograd.pays(fewTiles));
            assertFalse(Winograd.paysWeightGradient(fewTiles)); // 32 tiles: the GEMMs mostly move dU
            ConvGeometry batch4 = ConvGeometry.of(new int[]{4, 768, 14, 14}, new int[]{768, 768, 3, 3}, new int[]{4, 768, 14, 14}, s1);
            assertTrue(Winograd.paysWeightGradient(batch4)); // 64 tiles
            // tile size: F(4x4) unless the switch asks for F(2x2) or F(6x6)
            assertEquals(4, Winograd.tileSize());
            System.setProperty("sparkj.conv.winograd.m", "6");
            assertEquals(6, Winograd.tileSize());
            System.setProperty("sparkj.conv.winograd.m", "2");
            assertEquals(2, Winograd.tileSize());
            System.setProperty("sparkj.conv.winograd.m", "5");
            assertEquals(4, Winograd.tileSize());
            System.clearProperty("sparkj.conv.winograd.m");
            System.setProperty("sparkj.conv.winograd.wgrad", "false");
            assertFalse(Winograd.paysWeightGradient(big));
            System.clearProperty("sparkj.conv.winograd.wgrad");
            System.setProperty("sparkj.conv.winograd", "false");
            assertFalse(Winograd.pays(big));
        } finally {
            restore(old);
        }
    }

    // ------------------------------------------------------------------ thread count

    /**
     * Runs {@link Digest} in child JVMs: 1 worker, 2 workers with blocks of 16 tiles (several blocks per
     * worker: each worker runs whole blocks) and 2 workers with the default blocks (a single block: the
     * steps are spread over the workers). The outputs must be bit-identical and match the reference; the
     * weight gradients bit-identical between 1 and 2 workers with the same blocks.
     */
    @Test
    void bitIdenticalAcrossThreadCountsAndBlocking() throws Exception {
        String packed = "-Dsparkj.conv.winograd.direct=false";
        String[] one = digest(1, true, packed), two = digest(2, true, packed), twoPhased = digest(2, false, packed);
        assertEquals(one[0], two[0], "outputs differ between 1 and 2 threads");
        assertEquals(one[0], twoPhased[0], "outputs differ between per-worker blocks and one shared block");
        // the weight gradient's blocks cut its sum over tiles: bit-identical for a given block size, whatever the threads
        assertEquals(one[10], two[10], "weight gradients differ between 1 and 2 threads");
        checkDigestErrors(one);
    }

    /** The digest's errors (see {@link Digest}) within each tile size's tolerance. */
    private static void checkDigestErrors(String[] d) {
        for (int i = 1; i <= 6; i++) assertTrue(Double.parseDouble(d[i]) <= tol(SCHEMES[(i - 1) / 2]), "error " + d[i]);
        for (int i = 7; i <= 9; i++) assertTrue(Double.parseDouble(d[i]) <= tolW(SCHEMES[i - 7]), "weight gradient error " + d[i]);
    }

    /**
     * The direct path ({@link DirectGemm}; the digest's 44 and 36 channels take it by default), with the weight
     * gradient's tiles cut into 7 chunks: outputs bit-identical for 1 and 2 workers and for default and small
     * blocks (several blocks per worker); weight gradients bit-identical for 1 and 2 workers with the same blocks
     * (its blocks cut the sum over tiles, so, as on the packed path, the block size may change the last bits).
     */
    @Test
    void directPathBitIdenticalAcrossThreadCountsAndBlocking() throws Exception {
        String chunks = "-Dsparkj.conv.winograd.directChunkTiles=8", small = "-Dsparkj.conv.winograd.directBlock=9000";
        String wSmall = "-Dsparkj.conv.winograd.directWgradBlock=3000";
        String[] one = digest(1, false, chunks, wSmall), two = digest(2, false, chunks, wSmall);
        String[] twoSmall = digest(2, false, chunks, small, wSmall), twoDefault = digest(2, false, chunks);
        assertEquals(one[0], two[0], "outputs differ between 1 and 2 threads");
        assertEquals(one[0], twoSmall[0], "outputs differ between block sizes");
        assertEquals(one[0], twoDefault[0], "outputs differ between block sizes");
        assertEquals(one[10], two[10], "weight gradients differ between 1 and 2 threads");
        checkDigestErrors(one);
        checkDigestErrors(twoDefault);
    }

    private static String[] digest(int threads, boolean smallBlocks, String... props) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector", "-Dsparkj.threads=" + threads));
        cmd.addAll(List.of(props));
        if (smallBlocks) cmd.addAll(List.of("-Dsparkj.conv.winograd.block=40000", "-Dsparkj.conv.winograd.minBlock=16"));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Digest.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, p.waitFor(), "child JVM failed");
        String[] f = out.split("\\s+");
        assertEquals(11, f.length, out); // hash, 2 x 3 errors, 3 weight-gradient errors, hash
        return f;
    }

    /**
     * Prints a hash of the bits of Winograd outputs (channel tails, ragged edge tiles, the three tile sizes,
     * forward and input gradient), then each one's error scaled as in the tests (forward and input gradient,
     * then weight gradient), then a hash of the weight gradients (whose sum over tiles the block size cuts).
     */
    static final class Digest {
        public static void main(String[] args) {
            Rng r = new Rng(5);
            Conv2dSpec spec = Conv2dSpec.of(1, 1, 1);
            Tensor x = r.normal(0, 1, 2, 44, 23, 19).toChannelsLast(), w = r.normal(0, 1, 36, 44, 3, 3);
            Tensor gy = r.normal(0, 1, 2, 36, 23, 19).toChannelsLast();
            Tensor refY = x.to(REF).conv2d(w.to(REF), null, spec), refGx = gy.to(REF).conv2dBackwardInput(w.to(REF), spec, x.shape());
            long h = 17;
            StringBuilder errs = new StringBuilder();
            for (int m : SCHEMES) {
                Tensor y = forward(x, w, null, spec, m), gx = backwardInput(gy, w, spec, x.shape(), m);
                for (float v : y.contiguous().toFloatArray()) h = h * 31 + Float.floatToRawIntBits(v);
                for (float v : gx.contiguous().toFloatArray()) h = h * 31 + Float.floatToRawIntBits(v);
                errs.append(' ').append(relError(y, refY) / Math.sqrt(9 * 44)).append(' ').append(relError(gx, refGx) / Math.sqrt(9 * 36));
            }
            Tensor refGw = gy.to(REF).conv2dBackwardWeight(x.to(REF), spec, w.shape());
            long hw = 17;
            for (int m : SCHEMES) {
                Tensor gw = backwardWeight(x, gy, spec, m);
                for (float v : gw.contiguous().toFloatArray()) hw = hw * 31 + Float.floatToRawIntBits(v);
                errs.append(' ').append(relError(gw, refGw) / Math.sqrt(2 * 23 * 19));
            }
            System.out.println(Long.toHexString(h) + errs + ' ' + Long.toHexString(hw));
        }
    }
}
