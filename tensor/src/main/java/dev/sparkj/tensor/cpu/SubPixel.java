package dev.sparkj.tensor.cpu;

import dev.sparkj.tensor.Tensor;

/**
 * The 4x4, stride-2, padding-1 convolution (the convolution whose input gradient is SparK's up-sampling
 * ConvTranspose2d(C, C, 4, 2, 1)) as a 3x3 stride-1 padding-1 convolution on the space-to-depth input, run
 * through {@link Winograd}.
 *
 * <p>For x {@code [N, C, 2h, 2w]} and y {@code [N, O, h, w]}: {@code y[o, a, b] = sum W[o, c, ky, kx]
 * x[c, 2a - 1 + ky, 2b - 1 + kx]}. Row {@code 2a - 1 + ky = 2 (a + dy) + r} with {@code (dy, r)} = (-1, 1),
 * (0, 0), (0, 1), (1, 0) for ky = 0..3 (columns likewise). With the space-to-depth input
 * {@code x'[(r, s, c), i, j] = x[c, 2i + r, 2j + s]} (channel {@code (2r + s) C + c}, c fastest: each x'
 * pixel is two runs of 2C floats of x, one per input row), {@code y = conv3x3(x', W')} with
 * {@code W'[o, (r, s, c), dy + 1, dx + 1] = W[o, c, ky, kx]} (16 of every 36 taps; the rest zero). Hence
 * <ul>
 * <li>forward: {@code y = conv3x3(s2d(x), W')};</li>
 * <li>input gradient (the transposed convolution's forward): {@code gx = d2s(conv3x3_backwardInput(gy, W'))};</li>
 * <li>weight gradient: {@code gW[o, c, ky, kx] = gW'[o, (r, s, c), dy + 1, dx + 1]} of
 *     {@code conv3x3_backwardWeight(s2d(x), gy)}.</li>
 * </ul>
 * Winograd does 36 products per 4x4 tile and pair of its 4C x O channels, 2.25 per output pixel and pair
 * against the 16 C x O (4 per pair of the 4C) of im2col + GEMM: 9/16 of the products. Switch:
 * {@code -Dsparkj.conv.subpixel=false} (read at each call).
 */
final class SubPixel {
    private SubPixel() {}

    /** ky (or kx) to the 3x3 tap dy + 1 and the phase r. */
    private static final int[] TAP = {0, 1, 1, 2}, PHASE = {1, 0, 1, 0};

    private static boolean enabled() { return !"false".equals(System.getProperty("sparkj.conv.subpixel")); }

    /** k4 s2 p1, dilation 1, groups 1, even input, output half the input. */
    static boolean eligible(ConvGeometry g) {
        return g.kh() == 4 && g.kw() == 4 && g.sh() == 2 && g.sw() == 2 && g.ph() == 1 && g.pw() == 1
                && g.dh() == 1 && g.dw() == 1 && g.groups() == 1 && g.h() % 2 == 0 && g.w() % 2 == 0
                && g.ho() == g.h() / 2 && g.wo() == g.w() / 2 && g.ho() >= 1 && g.wo() >= 1;
    }

    /** The equivalent 3x3 stride-1 padding-1 geometry: 4C input channels at the output's size. */
    static ConvGeometry equivalent(ConvGeometry g) {
        return new ConvGeometry(g.n(), 4 * g.c(), g.ho(), g.wo(), g.o(), 3, 3, g.ho(), g.wo(), 1, 1, 1, 1, 1, 1, 1);
    }

    /**
     * The size heuristic, from SubPixelBench (batch 16, 2 cores, SparK's decoder; docs/benchmarks.md). With
     * Winograd's products on {@link DirectGemm} (few channels), this path won the forward and input gradient at
     * 28->56 x 192 (1.5x), 56->112 x 96 (1.7-1.8x) and 112->224 x 48 (1.65-1.9x), with weight gradients within
     * run-to-run noise of im2col (0.9-1.3x); it broke even at 14->28 x 384 (3136 output pixels: the weight
     * transform, 144 C O floats, is paid per call over few pixels) and lost at 7->14 x 768 (0.44-0.77x). So it is
     * used when N h w is at least {@link #MIN_PIXELS} and both channel counts at least {@link #MIN_CHANNELS}, on
     * top of Winograd's own heuristic for the equivalent geometry; {@code sparkj.conv.winograd=force} skips both.
     */
    static final int MIN_PIXELS = Integer.getInteger("sparkj.conv.subpixel.minPixels", 8192);
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
        ConvGeometry e = equivalent(g);
        Nhwc xs = spaceToDepth(x, g, ws);
        Winograd.forward(xs, e, equivalentWeight(w, g, ws), bias, y, ws);
    }

    static void backwardInput(Nhwc gy, ConvGeometry g, Tensor w, Nhwc gx, Workspace.Lease ws) {
        ConvGeometry e = equivalent(g);
        int n = g.n(), h = g.ho(), wd = g.wo(), c4 = 4 * g.c();
        Nhwc gxs = Nhwc.dense(ws.floats(n * h * wd * c4), 0, n, h, wd, c4);
        Winograd.backwardInput(gy, e, equivalentWeight(w, g, ws), gxs, ws);
        depthToSpace(gxs, g, gx);
    }

    /** gwp {@code [O][4][4][C]} (dense). */
    static void backwardWeight(Nhwc x, Nhwc gy, ConvGeometry g, float[] gwp, Workspace.Lease ws) {
        ConvGeometry e = equivalent(g);
        final int o = g.o(), c = g.c(), c4 = 4 * c;
        float[] ge = ws.floats(o * 9 * c4);
        Winograd.backwardWeight(spaceToDepth(x, g, ws), gy, e, ge, ws);
        // ge [O][3][3][4C] -> gwp [O][4][4][C]
        Parallel.forRange(o, StridedLoops.grain(o, 16L * c), (lo, hi) -> {
            for (int oi = lo; oi < hi; oi++)
                for (int ky = 0; ky < 4; ky++)
                    for (int kx = 0; kx < 4; kx++) {
                        int src = ((oi * 3 + TAP[ky]) * 3 + TAP[kx]) * c4 + (2 * PHASE[ky] + PHASE[kx]) * c;
                        System.arraycopy(ge, src, gwp, ((oi * 4 + ky) * 4 + kx) * c, c);
                    }
        });
    }

    /** W' {@code [O, 4C, 3, 3]} (dense, in ws) from w {@code [O, C, 4, 4]}. */
    static Tensor equivalentWeight(Tensor w, ConvGeometry g, Workspace.Lease ws) {
        final int o = g.o(), c = g.c(), c4 = 4 * c;
        final float[] we = ws.floats(o * c4 * 9);
        final float[] wa = Heap.f32(w);
        final int off = w.offset(), s0 = w.stride(0), s1 = w.stride(1), s2 = w.stride(2), s3 = w.stride(3);
        Parallel.forRange(o, StridedLoops.grain(o, 36L * c), (lo, hi) -> {
            java.util.Arrays.fill(we, lo * c4 * 9, hi * c4 * 9, 0f);
            for (int oi = lo; oi < hi; oi++)
                for (int ci = 0; ci < c; ci++)
                    for (int ky = 0; ky < 4; ky++)
                        for (int kx = 0; kx < 4; kx++) {
                            int ch = (2 * PHASE[ky] + PHASE[kx]) * c + ci;
                            we[((oi * c4 + ch) * 3 + TAP[ky]) * 3 + TAP[kx]] = wa[off + oi * s0 + ci * s1 + ky * s2 + kx * s3];
                        }
        });
        return Heap.view(we, 0, o, c4, 3, 3);
    }

    /** x' {@code [N, h, w, 4C]} (dense, in ws): x'[n, i, j, (2r + s) C + c] = x[n, 2i + r, 2j + s, c]. */
    static Nhwc spaceToDepth(Nhwc x, ConvGeometry g, Workspace.Lease ws) {
        final int n = g.n(), h = g.ho(), wd = g.wo(), c = g.c(), c4 = 4 * c;
        final float[] out = ws.floats(n * h * wd * c4);
        final float[] a = x.a();
        final int xo = x.off(), sN = x.sN(), sH = x.sH(), sW = x.sW();
        final boolean pairs = sW == c;
        Parallel.forRange(n * h, StridedLoops.grain(n * h, 4L * wd * c), (lo, hi) -> {
            for (int row = lo; row < hi; row++) {
                int ni = row / h, i = row % h;
                for (int r = 0; r < 2; r++) {
                    int src = xo + ni * sN + (2 * i + r) * sH, dst = row * wd * c4 + 2 * r * c;
                    for (int j = 0; j < wd; j++, dst += c4, src += 2 * sW) {
                        if (pairs) System.arraycopy(a, src, out, dst, 2 * c);
                        else {
                            System.arraycopy(a, src, out, dst, c);
                            System.arraycopy(a, src + sW, out, dst + c, c);
                        }
                    }
                }
            }
        });
        return Nhwc.dense(out, 0, n, h, wd, c4);
    }

    /** gx[n, 2i + r, 2j + s, c] = gx'[n, i, j, (2r + s) C + c]. */
    static void depthToSpace(Nhwc xs, ConvGeometry g, Nhwc gx) {
        final int n = g.n(), h = g.ho(), wd = g.wo(), c = g.c(), c4 = 4 * c;
        final float[] a = gx.a(), in = xs.a();
        final int xo = gx.off(), sN = gx.sN(), sH = gx.sH(), sW = gx.sW();
        final boolean pairs = sW == c;
        Parallel.forRange(n * h, StridedLoops.grain(n * h, 4L * wd * c), (lo, hi) -> {
            for (int row = lo; row < hi; row++) {
                int ni = row / h, i = row % h;
                for (int r = 0; r < 2; r++) {
                    int dst = xo + ni * sN + (2 * i + r) * sH, src = xs.off() + row * wd * c4 + 2 * r * c;
                    for (int j = 0; j < wd; j++, src += c4, dst += 2 * sW) {
                        if (pairs) System.arraycopy(in, src, a, dst, 2 * c);
                        else {
                            System.arraycopy(in, src, a, dst, c);
                            System.arraycopy(in, src + c, a, dst + sW, c);
                        }
                    }
                }
            }
        });
    }
}
