package dev.sparkj.tensor.cpu;

import dev.sparkj.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Depthwise convolution (one KH x KW filter per channel, groups == C == O, e.g. ConvNeXt's 7x7) on
 * channels-last data as a direct kernel with the channels as vector lanes. The forward pass keeps four
 * neighbouring output pixels in registers so each weight vector is loaded once per four FMAs; the
 * stride-1 input gradient is the same kernel on gy with the flipped filter. The weight gradient sums
 * per-(image, row-band) partials in a fixed order, so it is deterministic.
 */
final class Depthwise {
    private Depthwise() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int VL = F.length();
    /** Output rows per weight-gradient partial. */
    private static final int BAND = 8;

    /** The filters as {@code [KH*KW][C]} (tap-major, channels contiguous), flipped in both axes if asked. */
    static float[] taps(Tensor w, ConvGeometry g, boolean flip, Workspace.Lease ws) {
        int kk = g.kh() * g.kw(), c = g.c();
        float[] t = ws.floats(kk * c), wa = Heap.f32(w);
        int[] s = w.strides();
        for (int ky = 0; ky < g.kh(); ky++)
            for (int kx = 0; kx < g.kw(); kx++) {
                int dst = ((flip ? g.kh() - 1 - ky : ky) * g.kw() + (flip ? g.kw() - 1 - kx : kx)) * c;
                for (int ch = 0; ch < c; ch++) t[dst + ch] = wa[w.offset() + ch * s[0] + ky * s[2] + kx * s[3]];
            }
        return t;
    }

    /** Geometry of one direct pass: kernel, stride, padding, dilation. */
    record Pass(int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw) {}

    static void forward(Nhwc x, ConvGeometry g, Tensor w, float[] bias, Nhwc y, Workspace.Lease ws) {
        direct(x, new Pass(g.kh(), g.kw(), g.sh(), g.sw(), g.ph(), g.pw(), g.dh(), g.dw()), taps(w, g, false, ws), bias, y);
    }

    static void backwardInput(Nhwc gy, ConvGeometry g, Tensor w, Nhwc gx, Workspace.Lease ws) {
        int qh = g.dh() * (g.kh() - 1) - g.ph(), qw = g.dw() * (g.kw() - 1) - g.pw();
        if (g.sh() == 1 && g.sw() == 1 && qh >= 0 && qw >= 0) {
            // stride 1: correlation of gy with the flipped filter, padded by d (k - 1) - p
            direct(gy, new Pass(g.kh(), g.kw(), 1, 1, qh, qw, g.dh(), g.dw()), taps(w, g, true, ws), null, gx);
            return;
        }
        gatherInput(gy, g, taps(w, g, false, ws), gx);
    }

    /** y = depthwise correlation of x with {@code wt [KH*KW][C]} (+ bias), y dense or strided NHWC. */
    static void direct(Nhwc x, Pass p, float[] wt, float[] bias, Nhwc y) {
        final int c = x.c(), ho = y.h(), wo = y.w(), n = y.n(), bound = F.loopBound(c);
        Parallel.forRange(n * ho, StridedLoops.grain(n * ho, (long) wo * c * p.kh() * p.kw()), (lo, hi) -> {
            int[] kys = new int[p.kh()];
            for (int row = lo; row < hi; row++) {
                int b = row / ho, oy = row % ho;
                int nk = 0;
                for (int ky = 0; ky < p.kh(); ky++) {
                    int iy = oy * p.sh() - p.ph() + ky * p.dh();
                    if (iy >= 0 && iy < x.h()) kys[nk++] = ky;
                }
                int xb = x.off() + b * x.sN() - p.ph() * x.sH() + oy * p.sh() * x.sH();
                int yb = y.off() + b * y.sN() + oy * y.sH();
                int ox = 0;
                while (ox < wo) {
                    int ix0 = ox * p.sw() - p.pw();
                    boolean interior4 = ox + 4 <= wo && ix0 >= 0 && (ox + 3) * p.sw() - p.pw() + (p.kw() - 1) * p.dw() < x.w();
                    if (interior4) {
                        block4(x, p, wt, bias, y, kys, nk, xb, yb, ox, ix0, c, bound);
                        ox += 4;
                    } else {
                        single(x, p, wt, bias, y, kys, nk, xb, yb, ox, ix0, c, bound);
                        ox++;
                    }
                }
            }
        });
    }

    /** Four adjacent output pixels whose windows lie inside the image's width. */
    private static void block4(Nhwc x, Pass p, float[] wt, float[] bias, Nhwc y, int[] kys, int nk,
                               int xb, int yb, int ox, int ix0, int c, int bound) {
        final float[] xa = x.a(), ya = y.a();
        final int step = p.sw() * x.sW(), kw = p.kw(), xkx = p.dw() * x.sW(), xky = p.dh() * x.sH(), sW = x.sW();
        final int base = xb + ix0 * sW;
        int ch = 0;
        // two channel vectors x four pixels: eight independent FMA chains hide the FMA latency
        for (; ch + 2 * VL <= bound; ch += 2 * VL) {
            FloatVector a0, a1, a2, a3, b0, b1, b2, b3;
            if (bias == null) {
                a0 = a1 = a2 = a3 = b0 = b1 = b2 = b3 = FloatVector.zero(F);
            } else {
                a0 = a1 = a2 = a3 = FloatVector.fromArray(F, bias, ch);
                b0 = b1 = b2 = b3 = FloatVector.fromArray(F, bias, ch + VL);
            }
            for (int t = 0; t < nk; t++) {
                int ky = kys[t];
                int xo = base + ky * xky + ch, wo = ky * kw * c + ch;
                for (int kx = 0; kx < kw; kx++, xo += xkx, wo += c) {
                    FloatVector w0 = FloatVector.fromArray(F, wt, wo), w1 = FloatVector.fromArray(F, wt, wo + VL);
                    a0 = FloatVector.fromArray(F, xa, xo).fma(w0, a0);
                    b0 = FloatVector.fromArray(F, xa, xo + VL).fma(w1, b0);
                    a1 = FloatVector.fromArray(F, xa, xo + step).fma(w0, a1);
                    b1 = FloatVector.fromArray(F, xa, xo + step + VL).fma(w1, b1);
                    a2 = FloatVector.fromArray(F, xa, xo + 2 * step).fma(w0, a2);
                    b2 = FloatVector.fromArray(F, xa, xo + 2 * step + VL).fma(w1, b2);
                    a3 = FloatVector.fromArray(F, xa, xo + 3 * step).fma(w0, a3);
                    b3 = FloatVector.fromArray(F, xa, xo + 3 * step + VL).fma(w1, b3);
                }
            }
            int yo = yb + ox * y.sW() + ch, ys = y.sW();
            a0.intoArray(ya, yo);
            b0.intoArray(ya, yo + VL);
            a1.intoArray(ya, yo + ys);
            b1.intoArray(ya, yo + ys + VL);
            a2.intoArray(ya, yo + 2 * ys);
            b2.intoArray(ya, yo + 2 * ys + VL);
            a3.intoArray(ya, yo + 3 * ys);
            b3.intoArray(ya, yo + 3 * ys + VL);
        }
        for (; ch < bound; ch += VL) {
            FloatVector a0 = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, ch), a1 = a0, a2 = a0, a3 = a0;
            for (int t = 0; t < nk; t++) {
                int ky = kys[t];
                int xo = base + ky * xky + ch, wo = ky * kw * c + ch;
                for (int kx = 0; kx < kw; kx++, xo += xkx, wo += c) {
                    FloatVector wv = FloatVector.fromArray(F, wt, wo);
                    a0 = FloatVector.fromArray(F, xa, xo).fma(wv, a0);
                    a1 = FloatVector.fromArray(F, xa, xo + step).fma(wv, a1);
                    a2 = FloatVector.fromArray(F, xa, xo + 2 * step).fma(wv, a2);
                    a3 = FloatVector.fromArray(F, xa, xo + 3 * step).fma(wv, a3);
                }
            }
            int yo = yb + ox * y.sW() + ch;
            a0.intoArray(ya, yo);
            a1.intoArray(ya, yo + y.sW());
            a2.intoArray(ya, yo + 2 * y.sW());
            a3.intoArray(ya, yo + 3 * y.sW());
        }
        for (int j = 0; j < 4; j++) tail(x, p, wt, bias, y, kys, nk, xb, yb, ox + j, ix0 + j * p.sw(), c, ch);
    }

    /** One output pixel with bounds checks on every tap. */
    private static void single(Nhwc x, Pass p, float[] wt, float[] bias, Nhwc y, int[] kys, int nk,
                               int xb, int yb, int ox, int ix0, int c, int bound) {
        float[] xa = x.a(), ya = y.a();
        int kx0 = 0, kx1 = p.kw();
        while (kx0 < kx1 && ix0 + kx0 * p.dw() < 0) kx0++;
        while (kx1 > kx0 && ix0 + (kx1 - 1) * p.dw() >= x.w()) kx1--;
        final int xkx = p.dw() * x.sW(), xky = p.dh() * x.sH(), kw = p.kw(), base = xb + ix0 * x.sW(), yo = yb + ox * y.sW();
        int ch = 0;
        // four channel vectors at once: independent FMA chains (an edge pixel has no neighbours to pair with)
        for (; ch + 4 * VL <= bound; ch += 4 * VL) {
            FloatVector a0, a1, a2, a3;
            if (bias == null) a0 = a1 = a2 = a3 = FloatVector.zero(F);
            else {
                a0 = FloatVector.fromArray(F, bias, ch);
                a1 = FloatVector.fromArray(F, bias, ch + VL);
                a2 = FloatVector.fromArray(F, bias, ch + 2 * VL);
                a3 = FloatVector.fromArray(F, bias, ch + 3 * VL);
            }
            for (int t = 0; t < nk; t++) {
                int ky = kys[t];
                int xo = base + ky * xky + kx0 * xkx + ch, wo = (ky * kw + kx0) * c + ch;
                for (int kx = kx0; kx < kx1; kx++, xo += xkx, wo += c) {
                    a0 = FloatVector.fromArray(F, xa, xo).fma(FloatVector.fromArray(F, wt, wo), a0);
                    a1 = FloatVector.fromArray(F, xa, xo + VL).fma(FloatVector.fromArray(F, wt, wo + VL), a1);
                    a2 = FloatVector.fromArray(F, xa, xo + 2 * VL).fma(FloatVector.fromArray(F, wt, wo + 2 * VL), a2);
                    a3 = FloatVector.fromArray(F, xa, xo + 3 * VL).fma(FloatVector.fromArray(F, wt, wo + 3 * VL), a3);
                }
            }
            a0.intoArray(ya, yo + ch);
            a1.intoArray(ya, yo + ch + VL);
            a2.intoArray(ya, yo + ch + 2 * VL);
            a3.intoArray(ya, yo + ch + 3 * VL);
        }
        for (; ch < bound; ch += VL) {
            FloatVector a = bias == null ? FloatVector.zero(F) : FloatVector.fromArray(F, bias, ch);
            for (int t = 0; t < nk; t++) {
                int ky = kys[t];
                int xo = base + ky * xky + kx0 * xkx + ch, wo = (ky * kw + kx0) * c + ch;
                for (int kx = kx0; kx < kx1; kx++, xo += xkx, wo += c)
                    a = FloatVector.fromArray(F, xa, xo).fma(FloatVector.fromArray(F, wt, wo), a);
            }
            a.intoArray(ya, yo + ch);
        }
        tail(x, p, wt, bias, y, kys, nk, xb, yb, ox, ix0, c, ch);
    }

    /** Channels {@code ch0 .. c} of one output pixel, scalar. */
    private static void tail(Nhwc x, Pass p, float[] wt, float[] bias, Nhwc y, int[] kys, int nk,
                             int xb, int yb, int ox, int ix0, int c, int ch0) {
        float[] xa = x.a(), ya = y.a();
        for (int ch = ch0; ch < c; ch++) {
            float s = bias == null ? 0f : bias[ch];
            for (int t = 0; t < nk; t++) {
                int ky = kys[t];
                for (int kx = 0; kx < p.kw(); kx++) {
                    int ix = ix0 + kx * p.dw();
                    if (ix < 0 || ix >= x.w()) continue;
                    s = Math.fma(xa[xb + ky * p.dh() * x.sH() + ix * x.sW() + ch], wt[(ky * p.kw() + kx) * c + ch], s);
                }
            }
            ya[yb + ox * y.sW() + ch] = s;
        }
    }

    /** Input gradient for any stride: each gx pixel gathers the taps whose output pixel exists. */
    private static void gatherInput(Nhwc gy, ConvGeometry g, float[] wt, Nhwc gx) {
        final int c = g.c(), bound = F.loopBound(c);
        Parallel.forRange(g.n() * g.h(), StridedLoops.grain(g.n() * g.h(), (long) g.w() * c * g.kh() * g.kw()), (lo, hi) -> {
            int[] kys = new int[g.kh()], oys = new int[g.kh()], kxs = new int[g.kw()], oxs = new int[g.kw()];
            for (int row = lo; row < hi; row++) {
                int b = row / g.h(), iy = row % g.h();
                int ny = 0;
                for (int ky = 0; ky < g.kh(); ky++) {
                    int num = iy + g.ph() - ky * g.dh();
                    if (num >= 0 && num % g.sh() == 0 && num / g.sh() < g.ho()) { kys[ny] = ky; oys[ny++] = num / g.sh(); }
                }
                for (int ix = 0; ix < g.w(); ix++) {
                    int nx = 0;
                    for (int kx = 0; kx < g.kw(); kx++) {
                        int num = ix + g.pw() - kx * g.dw();
                        if (num >= 0 && num % g.sw() == 0 && num / g.sw() < g.wo()) { kxs[nx] = kx; oxs[nx++] = num / g.sw(); }
                    }
                    int xo = gx.off() + b * gx.sN() + iy * gx.sH() + ix * gx.sW(), gb = gy.off() + b * gy.sN();
                    int ch = 0;
                    for (; ch < bound; ch += VL) {
                        FloatVector a = FloatVector.zero(F);
                        for (int ty = 0; ty < ny; ty++)
                            for (int tx = 0; tx < nx; tx++)
                                a = FloatVector.fromArray(F, gy.a(), gb + oys[ty] * gy.sH() + oxs[tx] * gy.sW() + ch)
                                        .fma(FloatVector.fromArray(F, wt, (kys[ty] * g.kw() + kxs[tx]) * c + ch), a);
                        a.intoArray(gx.a(), xo + ch);
                    }
                    for (; ch < c; ch++) {
                        float s = 0;
                        for (int ty = 0; ty < ny; ty++)
                            for (int tx = 0; tx < nx; tx++)
                                s = Math.fma(gy.a()[gb + oys[ty] * gy.sH() + oxs[tx] * gy.sW() + ch], wt[(kys[ty] * g.kw() + kxs[tx]) * c + ch], s);
                        gx.a()[xo + ch] = s;
                    }
                }
            }
        });
    }

    /** gw {@code [C, 1, KH, KW]} (any strides) = weight gradient from x and gy. */
    static void backwardWeight(Nhwc x, Nhwc gy, ConvGeometry g, Tensor gw, Workspace.Lease ws) {
        final int c = g.c(), kk = g.kh() * g.kw(), bands = (g.ho() + BAND - 1) / BAND, units = g.n() * bands;
        float[] part = ws.floats(units * kk * c);
        Parallel.forRange(units, 1, (lo, hi) -> {
            for (int u = lo; u < hi; u++) {
                int b = u / bands, oy0 = (u % bands) * BAND, oy1 = Math.min(g.ho(), oy0 + BAND), pb = u * kk * c;
                java.util.Arrays.fill(part, pb, pb + kk * c, 0f);
                for (int oy = oy0; oy < oy1; oy++)
                    for (int ky = 0; ky < g.kh(); ky++) {
                        int iy = oy * g.sh() - g.ph() + ky * g.dh();
                        if (iy >= 0 && iy < g.h()) weightRow(x, gy, g, b, oy, ky, iy, part, pb);
                    }
            }
        });
        float[] ga = Heap.f32(gw);
        int[] s = gw.strides();
        for (int t = 0; t < kk; t++)
            for (int ch = 0; ch < c; ch++) {
                double sum = 0;
                for (int u = 0; u < units; u++) sum += part[(u * kk + t) * c + ch];
                ga[gw.offset() + ch * s[0] + (t / g.kw()) * s[2] + (t % g.kw()) * s[3]] = (float) sum;
            }
    }

    /**
     * {@code part[ky][kx][c] += sum over ox of gy[b, oy, ox, c] x[b, iy, ix(ox, kx), c]} for one output row and
     * one filter row. Taps go in groups of four kept in registers across the row's interior (one gy load
     * per four FMAs, no accumulator traffic); the few edge pixels add tap by tap.
     */
    private static void weightRow(Nhwc x, Nhwc gy, ConvGeometry g, int b, int oy, int ky, int iy, float[] part, int pb) {
        final int c = g.c(), bound = F.loopBound(c), kw = g.kw(), sw = g.sw(), pw = g.pw(), dw = g.dw();
        final float[] xa = x.a(), ga = gy.a();
        final int go = gy.off() + b * gy.sN() + oy * gy.sH(), gs = gy.sW();
        final int xr = x.off() + b * x.sN() + iy * x.sH(), xs = x.sW(), tap = dw * xs;
        for (int k0 = 0; k0 < kw; k0 += 4) {
            int k1 = Math.min(kw, k0 + 4) - 1; // taps k0..k1; a short group repeats its last tap (result unused)
            int t1 = Math.min(k0 + 1, k1) - k0, t2 = Math.min(k0 + 2, k1) - k0, t3 = Math.min(k0 + 3, k1) - k0;
            int lo = Math.max(0, Math.floorDiv(pw - k0 * dw + sw - 1, sw));
            int hi = Math.min(g.wo() - 1, Math.floorDiv(g.w() - 1 + pw - k1 * dw, sw));
            int aBase = pb + (ky * kw + k0) * c;
            int ch = 0;
            for (; ch < bound; ch += VL) {
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                for (int ox = lo; ox <= hi; ox++) {
                    FloatVector gv = FloatVector.fromArray(F, ga, go + ox * gs + ch);
                    int xo = xr + (ox * sw - pw + k0 * dw) * xs + ch;
                    a0 = FloatVector.fromArray(F, xa, xo).fma(gv, a0);
                    a1 = FloatVector.fromArray(F, xa, xo + t1 * tap).fma(gv, a1);
                    a2 = FloatVector.fromArray(F, xa, xo + t2 * tap).fma(gv, a2);
                    a3 = FloatVector.fromArray(F, xa, xo + t3 * tap).fma(gv, a3);
                }
                int ao = aBase + ch;
                FloatVector.fromArray(F, part, ao).add(a0).intoArray(part, ao);
                if (k0 + 1 <= k1) FloatVector.fromArray(F, part, ao + c).add(a1).intoArray(part, ao + c);
                if (k0 + 2 <= k1) FloatVector.fromArray(F, part, ao + 2 * c).add(a2).intoArray(part, ao + 2 * c);
                if (k0 + 3 <= k1) FloatVector.fromArray(F, part, ao + 3 * c).add(a3).intoArray(part, ao + 3 * c);
            }
            for (; ch < c; ch++) // channel tail
                for (int kx = k0; kx <= k1; kx++) {
                    float a = 0;
                    for (int ox = lo; ox <= hi; ox++) a = Math.fma(ga[go + ox * gs + ch], xa[xr + (ox * sw - pw + kx * dw) * xs + ch], a);
                    part[aBase + (kx - k0) * c + ch] += a;
                }
            // edge pixels: some taps of the group fall outside the row
            for (int ox = 0; ox < g.wo(); ox++) {
                if (ox == lo && hi >= lo) ox = hi + 1;
                if (ox >= g.wo()) break;
                for (int kx = k0; kx <= k1; kx++) {
                    int ix = ox * sw - pw + kx * dw;
                    if (ix < 0 || ix >= g.w()) continue;
                    int gOff = go + ox * gs, xOff = xr + ix * xs, ao = aBase + (kx - k0) * c;
                    int e = 0;
                    for (; e < bound; e += VL)
                        FloatVector.fromArray(F, ga, gOff + e).fma(FloatVector.fromArray(F, xa, xOff + e),
                                FloatVector.fromArray(F, part, ao + e)).intoArray(part, ao + e);
                    for (; e < c; e++) part[ao + e] = Math.fma(ga[gOff + e], xa[xOff + e], part[ao + e]);
                }
            }
        }
    }
}
