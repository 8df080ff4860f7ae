package dev.sparkj.tensor.cpu;

import dev.sparkj.tensor.Pool2dSpec;
import dev.sparkj.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * F32 max and average pooling with their gradients on {@code [N, C, H, W]} views. The kernels run per
 * output pixel with the channels as vector lanes on channels-last memory; other layouts with at least a
 * vector's worth of channels are copied to NHWC workspaces for it (cheaper than strided scalar windows),
 * and the rest (fewer channels than lanes) runs per {@code (n, c)} plane with scalar loops over any strides.
 * Parallel over images/rows or planes; every output element has one writer, so results are
 * deterministic.
 */
final class Pooling {
    private Pooling() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final int VL = F.length();

    // ------------------------------------------------------------------ max pooling

    static void maxPool2d(Tensor x, Pool2dSpec p, Tensor out, Tensor argmax) {
        onChannelsLast(x, out, (xv, ov) -> maxPoolKernel(xv, p, ov, argmax));
    }

    /**
     * Runs {@code kernel(in, out)} so that it can vectorise over channels: with enough channels and either tensor
     * not channels-last, on an NHWC copy of {@code in} into an NHWC workspace that is then copied to {@code out}.
     */
    private static void onChannelsLast(Tensor in, Tensor out, java.util.function.BiConsumer<Tensor, Tensor> kernel) {
        if (out.shape(1) >= VL && (in.stride(1) != 1 || out.stride(1) != 1)) {
            try (Workspace.Lease ws = Workspace.lease()) {
                Tensor iv = in.stride(1) == 1 ? in : Nhwc.of(in, ws).tensor(), ov = channelsLast(out, ws);
                kernel.accept(iv, ov);
                if (ov != out) Copies.copy(ov, out);
            }
            return;
        }
        kernel.accept(in, out);
    }

    /** t itself when its channel stride is 1, else a dense NHWC workspace of its shape (contents unspecified). */
    private static Tensor channelsLast(Tensor t, Workspace.Lease ws) {
        if (t.stride(1) == 1) return t;
        return Nhwc.dense(ws.floats(t.numel()), 0, t.shape(0), t.shape(2), t.shape(3), t.shape(1)).tensor();
    }

    private static void maxPoolKernel(Tensor x, Pool2dSpec p, Tensor out, Tensor argmax) {
        int n = x.shape(0), c = x.shape(1), h = x.shape(2), w = x.shape(3), ho = out.shape(2), wo = out.shape(3);
        float[] xa = Heap.f32(x), ya = Heap.f32(out);
        long[] aa = Heap.i64(argmax);
        int[] xs = x.strides(), ys = out.strides(), as = argmax.strides();
        int xo = x.offset(), yo = out.offset(), ao = argmax.offset();
        if (xs[1] == 1 && ys[1] == 1 && c >= VL) {
            Parallel.forRange(n * ho, StridedLoops.grain(n * ho, (long) wo * c * p.kernelH() * p.kernelW()), (lo, hi) -> {
                int[] lanes = new int[VL];
                for (int row = lo; row < hi; row++) {
                    int b = row / ho, oy = row % ho;
                    int ky0 = Math.max(0, p.padH() - oy * p.strideH()), ky1 = Math.min(p.kernelH(), h + p.padH() - oy * p.strideH());
                    for (int ox = 0; ox < wo; ox++) {
                        int kx0 = Math.max(0, p.padW() - ox * p.strideW()), kx1 = Math.min(p.kernelW(), w + p.padW() - ox * p.strideW());
                        int iy0 = oy * p.strideH() - p.padH(), ix0 = ox * p.strideW() - p.padW();
                        int yb = yo + b * ys[0] + oy * ys[2] + ox * ys[3], ab = ao + b * as[0] + oy * as[2] + ox * as[3];
                        int xb = xo + b * xs[0];
                        int ch = 0;
                        for (int bound = F.loopBound(c); ch < bound; ch += VL) {
                            // the window's first tap (always inside the image) seeds the running max
                            FloatVector best = FloatVector.fromArray(F, xa, xb + (iy0 + ky0) * xs[2] + (ix0 + kx0) * xs[3] + ch);
                            IntVector arg = IntVector.broadcast(I, (iy0 + ky0) * w + ix0 + kx0);
                            for (int ky = ky0; ky < ky1; ky++) {
                                int iy = iy0 + ky;
                                for (int kx = ky == ky0 ? kx0 + 1 : kx0; kx < kx1; kx++) {
                                    int ix = ix0 + kx;
                                    FloatVector v = FloatVector.fromArray(F, xa, xb + iy * xs[2] + ix * xs[3] + ch);
                                    VectorMask<Float> m = v.compare(VectorOperators.GT, best)
                                            .or(v.test(VectorOperators.IS_NAN).andNot(best.test(VectorOperators.IS_NAN)));
                                    best = best.blend(v, m);
                                    arg = arg.blend(IntVector.broadcast(I, iy * w + ix), m.cast(I));
                                }
                            }
                            best.intoArray(ya, yb + ch);
                            arg.intoArray(lanes, 0);
                            for (int l = 0; l < VL; l++) aa[ab + (ch + l) * as[1]] = lanes[l];
                        }
                        for (; ch < c; ch++) {
                            float best = 0;
                            int arg = -1;
                            for (int ky = ky0; ky < ky1; ky++)
                                for (int kx = kx0; kx < kx1; kx++) {
                                    int iy = iy0 + ky, ix = ix0 + kx;
                                    float v = xa[xb + iy * xs[2] + ix * xs[3] + ch];
                                    if (arg < 0 || v > best || (v != v && best == best)) {
                                        best = v;
                                        arg = iy * w + ix;
                                    }
                                }
                            ya[yb + ch] = best;
                            aa[ab + ch * as[1]] = arg;
                        }
                    }
                }
            });
            return;
        }
        Parallel.forRange(n * c, StridedLoops.grain(n * c, (long) ho * wo * p.kernelH() * p.kernelW()), (lo, hi) -> {
            for (int pl = lo; pl < hi; pl++) {
                int b = pl / c, ch = pl % c;
                int xb = xo + b * xs[0] + ch * xs[1], yb = yo + b * ys[0] + ch * ys[1], ab = ao + b * as[0] + ch * as[1];
                for (int oy = 0; oy < ho; oy++) {
                    int ky0 = Math.max(0, p.padH() - oy * p.strideH()), ky1 = Math.min(p.kernelH(), h + p.padH() - oy * p.strideH());
                    int iy0 = oy * p.strideH() - p.padH();
                    for (int ox = 0; ox < wo; ox++) {
                        int kx0 = Math.max(0, p.padW() - ox * p.strideW()), kx1 = Math.min(p.kernelW(), w + p.padW() - ox * p.strideW());
                        int ix0 = ox * p.strideW() - p.padW();
                        // the window's first tap seeds the max; later taps replace it branch-free (select, not jump)
                        float best = xa[xb + (iy0 + ky0) * xs[2] + (ix0 + kx0) * xs[3]];
                        int arg = (iy0 + ky0) * w + ix0 + kx0;
                        for (int ky = ky0; ky < ky1; ky++) {
                            int iy = iy0 + ky, rowOff = xb + iy * xs[2];
                            for (int kx = kx0; kx < kx1; kx++) {
                                int ix = ix0 + kx;
                                float v = xa[rowOff + ix * xs[3]];
                                boolean take = v > best | (v != v & best == best);
                                best = take ? v : best;
                                arg = take ? iy * w + ix : arg;
                            }
                        }
                        ya[yb + oy * ys[2] + ox * ys[3]] = best;
                        aa[ab + oy * as[2] + ox * as[3]] = arg;
                    }
                }
            }
        });
    }

    /** gx = 0, then gx[n, c, argmax] += gy for every output position. */
    static void maxPool2dBackward(Tensor gy, Tensor argmax, Tensor gx) {
        int n = gx.shape(0), c = gx.shape(1), w = gx.shape(3), ho = gy.shape(2), wo = gy.shape(3);
        Copies.fill(gx, 0);
        float[] ga = Heap.f32(gy), xa = Heap.f32(gx);
        long[] aa = Heap.i64(argmax);
        int[] gs = gy.strides(), xs = gx.strides(), as = argmax.strides();
        int go = gy.offset(), xo = gx.offset(), ao = argmax.offset();
        // units: (image, channel block); a channel block is contiguous in channels-last memory
        int cb = xs[1] == 1 ? Math.min(c, 64) : 1;
        int blocks = (c + cb - 1) / cb;
        Parallel.forRange(n * blocks, StridedLoops.grain(n * blocks, (long) ho * wo * cb), (lo, hi) -> {
            for (int u = lo; u < hi; u++) {
                int b = u / blocks, c0 = (u % blocks) * cb, c1 = Math.min(c, c0 + cb);
                for (int oy = 0; oy < ho; oy++)
                    for (int ox = 0; ox < wo; ox++) {
                        int gb = go + b * gs[0] + oy * gs[2] + ox * gs[3], ab = ao + b * as[0] + oy * as[2] + ox * as[3];
                        for (int ch = c0; ch < c1; ch++) {
                            int a = (int) aa[ab + ch * as[1]];
                            xa[xo + b * xs[0] + ch * xs[1] + (a / w) * xs[2] + (a % w) * xs[3]] += ga[gb + ch * gs[1]];
                        }
                    }
            }
        });
    }

    // ------------------------------------------------------------------ average pooling

    static void avgPool2d(Tensor x, Pool2dSpec p, Tensor out) {
        onChannelsLast(x, out, (xv, ov) -> avgPoolKernel(xv, p, ov));
    }

    private static void avgPoolKernel(Tensor x, Pool2dSpec p, Tensor out) {
        int n = x.shape(0), c = x.shape(1), h = x.shape(2), w = x.shape(3), ho = out.shape(2), wo = out.shape(3);
        float[] xa = Heap.f32(x), ya = Heap.f32(out);
        int[] xs = x.strides(), ys = out.strides();
        int xo = x.offset(), yo = out.offset();
        float div = p.kernelH() * p.kernelW();
        if (xs[1] == 1 && ys[1] == 1) {
            Parallel.forRange(n * ho, StridedLoops.grain(n * ho, (long) wo * c * p.kernelH() * p.kernelW()), (lo, hi) -> {
                for (int row = lo; row < hi; row++) {
                    int b = row / ho, oy = row % ho;
                    int ky0 = Math.max(0, p.padH() - oy * p.strideH()), ky1 = Math.min(p.kernelH(), h + p.padH() - oy * p.strideH());
                    for (int ox = 0; ox < wo; ox++) {
                        int kx0 = Math.max(0, p.padW() - ox * p.strideW()), kx1 = Math.min(p.kernelW(), w + p.padW() - ox * p.strideW());
                        int iy0 = oy * p.strideH() - p.padH(), ix0 = ox * p.strideW() - p.padW();
                        int yb = yo + b * ys[0] + oy * ys[2] + ox * ys[3], xb = xo + b * xs[0];
                        int ch = 0;
                        for (int bound = F.loopBound(c); ch < bound; ch += VL) {
                            FloatVector s = FloatVector.zero(F);
                            for (int ky = ky0; ky < ky1; ky++)
                                for (int kx = kx0; kx < kx1; kx++)
                                    s = s.add(FloatVector.fromArray(F, xa, xb + (iy0 + ky) * xs[2] + (ix0 + kx) * xs[3] + ch));
                            s.div(div).intoArray(ya, yb + ch);
                        }
                        for (; ch < c; ch++) {
                            float s = 0;
                            for (int ky = ky0; ky < ky1; ky++)
                                for (int kx = kx0; kx < kx1; kx++) s += xa[xb + (iy0 + ky) * xs[2] + (ix0 + kx) * xs[3] + ch];
                            ya[yb + ch] = s / div;
                        }
                    }
                }
            });
            return;
        }
        Parallel.forRange(n * c, StridedLoops.grain(n * c, (long) ho * wo * p.kernelH() * p.kernelW()), (lo, hi) -> {
            for (int pl = lo; pl < hi; pl++) {
                int b = pl / c, ch = pl % c;
                int xb = xo + b * xs[0] + ch * xs[1], yb = yo + b * ys[0] + ch * ys[1];
                for (int oy = 0; oy < ho; oy++) {
                    int ky0 = Math.max(0, p.padH() - oy * p.strideH()), ky1 = Math.min(p.kernelH(), h + p.padH() - oy * p.strideH());
                    int iy0 = oy * p.strideH() - p.padH();
                    for (int ox = 0; ox < wo; ox++) {
                        int kx0 = Math.max(0, p.padW() - ox * p.strideW()), kx1 = Math.min(p.kernelW(), w + p.padW() - ox * p.strideW());
                        int ix0 = ox * p.strideW() - p.padW();
                        float s = 0;
                        for (int ky = ky0; ky < ky1; ky++) {
                            int rowOff = xb + (iy0 + ky) * xs[2];
                            for (int kx = kx0; kx < kx1; kx++) s += xa[rowOff + (ix0 + kx) * xs[3]];
                        }
                        ya[yb + oy * ys[2] + ox * ys[3]] = s / div;
                    }
                }
            }
        });
    }

    /** gx[.., iy, ix] = sum of gy over the windows that hold (iy, ix), divided by the window size. */
    static void avgPool2dBackward(Tensor gy, Pool2dSpec p, Tensor gx) {
        onChannelsLast(gy, gx, (gv, xv) -> avgPoolBackwardKernel(gv, p, xv));
    }

    private static void avgPoolBackwardKernel(Tensor gy, Pool2dSpec p, Tensor gx) {
        int n = gx.shape(0), c = gx.shape(1), h = gx.shape(2), w = gx.shape(3), ho = gy.shape(2), wo = gy.shape(3);
        float[] ga = Heap.f32(gy), xa = Heap.f32(gx);
        int[] gs = gy.strides(), xs = gx.strides();
        int go = gy.offset(), xo = gx.offset();
        float div = p.kernelH() * p.kernelW();
        int kh = p.kernelH(), kw = p.kernelW(), sh = p.strideH(), sw = p.strideW(), ph = p.padH(), pw = p.padW();
        boolean lanes = gs[1] == 1 && xs[1] == 1;
        int units = lanes ? n * h : n * c;
        long per = lanes ? (long) w * c * ((kh + sh - 1) / sh) * ((kw + sw - 1) / sw) : (long) h * w * ((kh + sh - 1) / sh) * ((kw + sw - 1) / sw);
        Parallel.forRange(units, StridedLoops.grain(units, per), (lo, hi) -> {
            for (int u = lo; u < hi; u++) {
                int b = u / (lanes ? h : c), second = u % (lanes ? h : c);
                int iyLo = lanes ? second : 0, iyHi = lanes ? second + 1 : h;
                int chLo = lanes ? 0 : second, chHi = lanes ? c : second + 1;
                for (int iy = iyLo; iy < iyHi; iy++) {
                    int oy0 = Math.max(0, floorDiv(iy + ph - kh, sh) + 1), oy1 = Math.min(ho - 1, floorDiv(iy + ph, sh));
                    for (int ix = 0; ix < w; ix++) {
                        int ox0 = Math.max(0, floorDiv(ix + pw - kw, sw) + 1), ox1 = Math.min(wo - 1, floorDiv(ix + pw, sw));
                        int xb = xo + b * xs[0] + iy * xs[2] + ix * xs[3], gb = go + b * gs[0];
                        int ch = chLo;
                        if (lanes) {
                            for (int bound = F.loopBound(c); ch < bound; ch += VL) {
                                FloatVector s = FloatVector.zero(F);
                                for (int oy = oy0; oy <= oy1; oy++)
                                    for (int ox = ox0; ox <= ox1; ox++)
                                        s = s.add(FloatVector.fromArray(F, ga, gb + oy * gs[2] + ox * gs[3] + ch));
                                s.div(div).intoArray(xa, xb + ch);
                            }
                        }
                        for (; ch < chHi; ch++) {
                            float s = 0;
                            for (int oy = oy0; oy <= oy1; oy++)
                                for (int ox = ox0; ox <= ox1; ox++) s += ga[gb + ch * gs[1] + oy * gs[2] + ox * gs[3]];
                            xa[xb + ch * xs[1]] = s / div;
                        }
                    }
                }
            }
        });
    }

    private static int floorDiv(int a, int b) { return Math.floorDiv(a, b); }
}
