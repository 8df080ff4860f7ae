package dev.sparkj.tensor.cpu;

import dev.sparkj.tensor.Tensor;

/**
 * The 4x4, stride-2, padding-1 convolution (the convolution whose input gradient is SparK's up-sampling
 * ConvTranspose2d(C, C, 4, 2, 1)) as a 2x2 stride-1 convolution on the space-to-depth input, run through
 * {@link Winograd}'s F(5x5, 2x2).
 *
 * <p>For x {@code [N, C, 2h, 2w]} and y {@code [N, O, h, w]}: {@code y[o, i, j] = sum W[o, c, ky, kx]
 * x[c, 2i - 1 + ky, 2j - 1 + kx]}. Write {@code ky = 2 ty + a} (ty, a in {0, 1}), so that row
 * {@code 2i - 1 + ky = 2 (i + ty) - 1 + a}. With the space-to-depth input of x padded by one row and column on
 * each side,
 * <pre>
 *     x'[n, i, j, (2a + b) C + c] = x[n, 2i - 1 + a, 2j - 1 + b, c]      (i <= h, j <= w; zero outside x)
 * </pre>
 * ({@code [N, h + 1, w + 1, 4C]}; each x' pixel is two runs of 2C floats of x, one per input row) and
 * {@code W'[o, (2a + b) C + c, ty, tx] = W[o, c, 2 ty + a, 2 tx + b]} (a dense 2x2 filter, every tap used),
 * {@code y = conv2x2(x', W')} without padding. Hence
 * <ul>
 * <li>forward: {@code y = conv2x2(s2d(x), W')};</li>
 * <li>input gradient (the transposed convolution's forward): {@code gx = d2s(gx')} with gx' the input gradient
 *     of that 2x2 convolution, {@code [N, h + 1, w + 1, 4C]}: gy padded by one, convolved with W' rotated and
 *     transposed; d2s keeps the entries that fall inside x (each pixel of x exactly once);</li>
 * <li>weight gradient: {@code gW[o, c, 2 ty + a, 2 tx + b] = gW'[o, (2a + b) C + c, ty, tx]} of
 *     {@code conv2x2_backwardWeight(s2d(x), gy)}.</li>
 * </ul>
 * x' and gx' are never stored: {@link Winograd.Image#spaceToDepth} lets the tile transforms read x and write gx
 * in place, part (a, b) of the channels at twice x's pixel strides.
 * F(5x5, 2x2) does 36 products per 6x6 tile and pair of its 4C x O channels, 1.44 per output pixel and pair,
 * against the 16 C x O (4 per pair of the 4C) of im2col + GEMM: 9/25 of the products. (The 3x3 form of session 5,
 * W embedded in a 3x3 filter over the unpadded space-to-depth input with F(4x4, 3x3), needed 9/16.) Its
 * transforms share {@link Winograd#BT4}, since both schemes interpolate at the same six points. Switch:
 * {@code -Dsparkj.conv.subpixel=false} (read at each call).
 */
final class SubPixel {
    private SubPixel() {}

    /** The Winograd scheme: F(5x5, 2x2). */
    private static final int M = 5;

    private static boolean enabled() { return !"false".equals(System.getProperty("sparkj.conv.subpixel")); }

    /**
     * k4 s2 p1, dilation 1, groups 1, even input, output half the input, and C a whole number of vectors (the view
     * of x' gives each part of C channels its own vectors; a part ending mid-vector would spill into the next).
     */
    static boolean eligible(ConvGeometry g) {
        return g.kh() == 4 && g.kw() == 4 && g.sh() == 2 && g.sw() == 2 && g.ph() == 1 && g.pw() == 1
                && g.dh() == 1 && g.dw() == 1 && g.groups() == 1 && g.h() % 2 == 0 && g.w() % 2 == 0
                && g.ho() == g.h() / 2 && g.wo() == g.w() / 2 && g.ho() >= 1 && g.wo() >= 1
                && g.c() % Winograd.VL == 0;
    }

    /** The equivalent 3x3 stride-1 padding-1 geometry: 4C input channels at the output's size. */
    static ConvGeometry equivalent(ConvGeometry g) {
        return new ConvGeometry(g.n(), 4 * g.c(), g.ho(), g.wo(), g.o(), 3, 3, g.ho(), g.wo(), 1, 1, 1, 1, 1, 1, 1);
    }

    /**
     * The size heuristic, from SubPixelBench (batch 16, 2 cores, SparK's decoder; docs/benchmarks.md). In session 5
     * the 3x3 form won the forward and input gradient at 28->56 x 192 (1.5x), 56->112 x 96 (1.7-1.8x) and
     * 112->224 x 48 (1.65-1.9x), broke even at 14->28 x 384 and lost at 7->14 x 768 (0.44-0.77x). With F(5x5, 2x2)
     * (fewer products, and output sizes 14 and 28 fit its 5-wide tiles with little waste) all three passes together
     * won at 14->28 x 384, batch 16 (3136 output pixels: 444 and 336 ms against 516 and 591) and at 28->56 x 192,
     * batch 8 (6272 pixels: 182 and 218 ms against 290 and 296), lost at 14->28 x 384, batch 8 (1568 pixels: 348 and
     * 346 against 266 and 296) and did not clearly win at 7->14 x 768. So it is used when N h w is at least
     * {@link #MIN_PIXELS} and both channel counts at least {@link #MIN_CHANNELS}, on top of Winograd's own
     * heuristic for the equivalent 3x3 geometry; {@code sparkj.conv.winograd=force} skips both.
     */
    static final int MIN_PIXELS = Integer.getInteger("sparkj.conv.subpixel.minPixels", 3136);
    /** See {@link #MIN_PIXELS}. */
    static final int MIN_CHANNELS = Integer.getInteger("sparkj.conv.subpixel.minChannels", 32);

    private static boolean sized(ConvGeometry g) {
        return "force".equals(System.getProperty("sparkj.conv.winograd"))
                || ((long) g.n() * g.ho() * g.wo() >= MIN_PIXELS && Math.min(g.c(), g.o()) >= MIN_CHANNELS);
    }

    static boolean pays(ConvGeometry g) {
        return enabled() && eligible(g) && sized(g) && Winograd.pays(equivalent(g));
    }

    static boolean paysWeightGradient(ConvGeometry g) {
        return enabled() && eligible(g) && sized(g) && Winograd.paysWeightGradient(equivalent(g));
    }

    static void forward(Nhwc x, ConvGeometry g, Tensor w, float[] bias, Nhwc y, Workspace.Lease ws) {
        float[] u = Winograd.transformWeight(phaseWeight(w, g, ws), false, M, ws);
        Winograd.convolve(Winograd.Image.spaceToDepth(x), Winograd.Image.of(y), 0, 0, u, true, bias, M, ws);
    }

    /**
     * gx' is written straight into gx through the view: each pixel of gx is one entry of gx'. bias (null = none)
     * is added to every pixel of gx, by the output transform: gx' channel {@code p C + c} is channel c of phase p.
     */
    static void backwardInput(Nhwc gy, ConvGeometry g, Tensor w, Nhwc gx, float[] bias, Workspace.Lease ws) {
        float[] u = Winograd.transformWeight(phaseWeight(w, g, ws), true, M, ws);
        float[] bias4 = null;
        if (bias != null) {
            bias4 = new float[4 * g.c()];
            for (int p = 0; p < 4; p++) System.arraycopy(bias, 0, bias4, p * g.c(), g.c());
        }
        Winograd.convolve(Winograd.Image.of(gy), Winograd.Image.spaceToDepth(gx), 1, 1, u, false, bias4, M, ws);
    }

    /** gwp {@code [O][4][4][C]} (dense). */
    static void backwardWeight(Nhwc x, Nhwc gy, ConvGeometry g, float[] gwp, Workspace.Lease ws) {
        final int o = g.o(), c = g.c(), c4 = 4 * c;
        float[] ge = ws.floats(o * 4 * c4);
        Winograd.backwardWeight(Winograd.Image.spaceToDepth(x), gy, 0, 0, ge, ws, M);
        // ge [O][2][2][4C] -> gwp [O][4][4][C]
        Parallel.forRange(o, StridedLoops.grain(o, 16L * c), (lo, hi) -> {
            for (int oi = lo; oi < hi; oi++)
                for (int ky = 0; ky < 4; ky++)
                    for (int kx = 0; kx < 4; kx++) {
                        int src = ((oi * 2 + ky / 2) * 2 + kx / 2) * c4 + (2 * (ky % 2) + kx % 2) * c;
                        System.arraycopy(ge, src, gwp, ((oi * 4 + ky) * 4 + kx) * c, c);
                    }
        });
    }

    /** W' {@code [O, 4C, 2, 2]} (dense, in ws) from w {@code [O, C, 4, 4]}: {@code W'[o, (2a + b) C + c, ty, tx] = w[o, c, 2ty + a, 2tx + b]}. */
    static Tensor phaseWeight(Tensor w, ConvGeometry g, Workspace.Lease ws) {
        final int o = g.o(), c = g.c(), c4 = 4 * c;
        final float[] we = ws.floats(o * c4 * 4);
        final float[] wa = Heap.f32(w);
        final int off = w.offset(), s0 = w.stride(0), s1 = w.stride(1), s2 = w.stride(2), s3 = w.stride(3);
        Parallel.forRange(o, StridedLoops.grain(o, 16L * c), (lo, hi) -> {
            for (int oi = lo; oi < hi; oi++)
                for (int ci = 0; ci < c; ci++)
                    for (int ky = 0; ky < 4; ky++)
                        for (int kx = 0; kx < 4; kx++) {
                            int ch = (2 * (ky % 2) + kx % 2) * c + ci;
                            we[((oi * c4 + ch) * 2 + ky / 2) * 2 + kx / 2] = wa[off + oi * s0 + ci * s1 + ky * s2 + kx * s3];
                        }
        });
        return Heap.view(we, 0, o, c4, 2, 2);
    }
}
