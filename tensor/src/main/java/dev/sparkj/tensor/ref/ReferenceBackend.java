package dev.sparkj.tensor.ref;

import dev.sparkj.tensor.*;

import static dev.sparkj.tensor.ref.Strided.heap;
import static dev.sparkj.tensor.ref.Strided.offsets;
import static dev.sparkj.tensor.ref.Strided.store;
import static dev.sparkj.tensor.ref.Strided.values;

/**
 * The oracle: every primitive as the plainest loop, computed in double precision and rounded once
 * to the output type. Slow on purpose; fast backends are tested against it.
 */
public class ReferenceBackend implements Backend {

    @Override public String name() { return "reference"; }

    @Override public Storage allocate(DType dtype, int length) { return HeapStorage.allocate(dtype, length); }

    @Override public Storage allocateUninitialized(DType dtype, int length) { return HeapStorage.allocateUninitialized(dtype, length); }

    @Override
    public void copy(Tensor src, Tensor dst) {
        requireSameShape(src, dst, "copy");
        store(dst, values(src));
    }

    @Override
    public void fill(Tensor dst, double value) {
        HeapStorage h = heap(dst);
        for (int o : offsets(dst)) h.set(o, value);
    }

    @Override
    public void unary(UnaryOp op, Tensor x, Tensor out) {
        double[] v = values(x);
        for (int i = 0; i < v.length; i++) v[i] = Scalar.unary(op, v[i]);
        store(out, v);
    }

    @Override
    public void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        double[] va = values(a), vb = values(b);
        for (int i = 0; i < va.length; i++) va[i] = Scalar.binary(op, va[i], vb[i]);
        store(out, va);
    }

    @Override
    public void binaryScalar(BinaryOp op, Tensor a, double scalar, Tensor out) {
        double[] va = values(a);
        for (int i = 0; i < va.length; i++) va[i] = Scalar.binary(op, va[i], scalar);
        store(out, va);
    }

    @Override
    public void clamp(Tensor x, double lo, double hi, Tensor out) {
        double[] v = values(x);
        for (int i = 0; i < v.length; i++) if (!Double.isNaN(v[i])) v[i] = Math.min(Math.max(v[i], lo), hi);
        store(out, v);
    }

    @Override
    public void where(Tensor cond, Tensor a, Tensor b, Tensor out) {
        double[] c = values(cond), va = values(a), vb = values(b);
        for (int i = 0; i < c.length; i++) va[i] = c[i] != 0 ? va[i] : vb[i];
        store(out, va);
    }

    // ------------------------------------------------------------------ reductions

    /**
     * For each output element (row-major), the row-major input positions reduced into it.
     * Input element i goes to output {@code group[i]}.
     */
    private static int[] groups(int[] inShape, int[] axes) {
        int n = Shapes.numel(inShape);
        int[] outShape = inShape.clone();
        for (int a : axes) outShape[a] = 1;
        int[] outStrides = Shapes.contiguousStrides(outShape);
        int[] g = new int[n];
        int[] idx = new int[inShape.length];
        for (int i = 0; i < n; i++) {
            int o = 0;
            for (int d = 0; d < inShape.length; d++) if (outShape[d] != 1) o += idx[d] * outStrides[d];
            g[i] = o;
            for (int d = inShape.length - 1; d >= 0; d--) {
                if (++idx[d] < inShape[d]) break;
                idx[d] = 0;
            }
        }
        return g;
    }

    @Override
    public void reduce(ReduceOp op, Tensor x, int[] axes, Tensor out) {
        double[] v = values(x);
        int[] g = groups(x.shape(), axes);
        int m = out.numel();
        double[] r = new double[m];
        int[] count = new int[m];
        if (op == ReduceOp.MAX) java.util.Arrays.fill(r, Double.NEGATIVE_INFINITY);
        if (op == ReduceOp.MIN) java.util.Arrays.fill(r, Double.POSITIVE_INFINITY);
        for (int i = 0; i < v.length; i++) {
            int o = g[i];
            count[o]++;
            switch (op) {
                case SUM, MEAN -> r[o] += v[i];
                case MAX -> r[o] = Double.isNaN(r[o]) || Double.isNaN(v[i]) ? Double.NaN : Math.max(r[o], v[i]);
                case MIN -> r[o] = Double.isNaN(r[o]) || Double.isNaN(v[i]) ? Double.NaN : Math.min(r[o], v[i]);
            }
        }
        if (op == ReduceOp.MEAN) for (int o = 0; o < m; o++) r[o] /= count[o];
        store(out, r);
    }

    @Override
    public void variance(Tensor x, int[] axes, int correction, Tensor out) {
        double[] v = values(x);
        int[] g = groups(x.shape(), axes);
        int m = out.numel();
        double[] mean = new double[m], ss = new double[m];
        int[] count = new int[m];
        for (int i = 0; i < v.length; i++) { mean[g[i]] += v[i]; count[g[i]]++; }
        for (int o = 0; o < m; o++) mean[o] /= count[o];
        for (int i = 0; i < v.length; i++) { double d = v[i] - mean[g[i]]; ss[g[i]] += d * d; }
        for (int o = 0; o < m; o++) ss[o] /= Math.max(0, count[o] - correction);
        store(out, ss);
    }

    @Override
    public void argmax(Tensor x, int axis, Tensor out) {
        double[] v = values(x);
        int[] g = groups(x.shape(), new int[]{axis});
        int m = out.numel();
        double[] best = new double[m];
        double[] arg = new double[m];
        boolean[] seen = new boolean[m];
        int[] pos = new int[m];
        for (int i = 0; i < v.length; i++) {
            int o = g[i];
            int k = pos[o]++;
            if (!seen[o] || v[i] > best[o] || (Double.isNaN(v[i]) && !Double.isNaN(best[o]))) {
                best[o] = v[i];
                arg[o] = k;
                seen[o] = true;
            }
        }
        store(out, arg);
    }

    // ------------------------------------------------------------------ linear algebra

    @Override
    public void matmul(Tensor a, Tensor b, Tensor out) {
        int nb = out.shape(0), m = out.shape(1), n = out.shape(2), k = a.shape(2);
        HeapStorage ha = heap(a), hb = heap(b);
        double[] r = new double[nb * m * n];
        for (int bi = 0; bi < nb; bi++)
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < k; p++) s += ha.get(a.indexOf(bi, i, p)) * hb.get(b.indexOf(bi, p, j));
                    r[(bi * m + i) * n + j] = s;
                }
        store(out, r);
    }

    // ------------------------------------------------------------------ indexing

    private static long checkIndex(long i, int size, String what) {
        if (i < 0 || i >= size) throw new IndexOutOfBoundsException(what + " index " + i + " out of range [0, " + size + ")");
        return i;
    }

    @Override
    public void gather(Tensor x, int axis, Tensor index, Tensor out) {
        HeapStorage hx = heap(x), hi = heap(index), ho = heap(out);
        int[] shape = index.shape();
        int[] idx = new int[shape.length];
        for (int i = 0, n = index.numel(); i < n; i++) {
            int[] src = idx.clone();
            src[axis] = (int) checkIndex((long) hi.get(index.indexOf(idx)), x.shape(axis), "gather");
            ho.set(out.indexOf(idx), hx.get(x.indexOf(src)));
            next(idx, shape);
        }
    }

    @Override
    public void scatterAdd(Tensor out, int axis, Tensor index, Tensor src) {
        HeapStorage hs = heap(src), hi = heap(index), ho = heap(out);
        int[] shape = index.shape();
        int[] idx = new int[shape.length];
        for (int i = 0, n = index.numel(); i < n; i++) {
            int[] dst = idx.clone();
            dst[axis] = (int) checkIndex((long) hi.get(index.indexOf(idx)), out.shape(axis), "scatterAdd");
            int o = out.indexOf(dst);
            ho.set(o, ho.get(o) + hs.get(src.indexOf(idx)));
            next(idx, shape);
        }
    }

    @Override
    public void indexSelect(Tensor x, int axis, Tensor index, Tensor out) {
        HeapStorage hx = heap(x), hi = heap(index), ho = heap(out);
        int[] shape = out.shape();
        int[] idx = new int[shape.length];
        for (int i = 0, n = out.numel(); i < n; i++) {
            long j = (long) hi.get(index.indexOf(idx[axis]));
            double v = 0;
            if (j != -1) {
                int[] s = idx.clone();
                s[axis] = (int) checkIndex(j, x.shape(axis), "indexSelect");
                v = hx.get(x.indexOf(s));
            }
            ho.set(out.indexOf(idx), v);
            next(idx, shape);
        }
    }

    @Override
    public void indexAdd(Tensor out, int axis, Tensor index, Tensor src) {
        HeapStorage hs = heap(src), hi = heap(index), ho = heap(out);
        int[] shape = src.shape();
        int[] idx = new int[shape.length];
        for (int i = 0, n = src.numel(); i < n; i++) {
            long j = (long) hi.get(index.indexOf(idx[axis]));
            if (j != -1) {
                int[] d = idx.clone();
                d[axis] = (int) checkIndex(j, out.shape(axis), "indexAdd");
                int o = out.indexOf(d);
                ho.set(o, ho.get(o) + hs.get(src.indexOf(idx)));
            }
            next(idx, shape);
        }
    }

    private static void next(int[] idx, int[] shape) {
        for (int d = shape.length - 1; d >= 0; d--) {
            if (++idx[d] < shape[d]) return;
            idx[d] = 0;
        }
    }

    // ------------------------------------------------------------------ convolution and pooling

    @Override
    public void conv2d(Tensor x, Tensor w, Tensor bias, Conv2dSpec p, Tensor out) {
        int n = x.shape(0), c = x.shape(1), h = x.shape(2), wd = x.shape(3);
        int o = w.shape(0), cg = w.shape(1), kh = w.shape(2), kw = w.shape(3);
        int ho = out.shape(2), wo = out.shape(3), og = o / p.groups();
        HeapStorage hx = heap(x), hw = heap(w), hout = heap(out);
        for (int b = 0; b < n; b++)
            for (int oc = 0; oc < o; oc++) {
                int g = oc / og;
                for (int oy = 0; oy < ho; oy++)
                    for (int ox = 0; ox < wo; ox++) {
                        double s = bias == null ? 0 : heap(bias).get(bias.indexOf(oc));
                        for (int ic = 0; ic < cg; ic++)
                            for (int ky = 0; ky < kh; ky++) {
                                int iy = oy * p.strideH() - p.padH() + ky * p.dilationH();
                                if (iy < 0 || iy >= h) continue;
                                for (int kx = 0; kx < kw; kx++) {
                                    int ix = ox * p.strideW() - p.padW() + kx * p.dilationW();
                                    if (ix < 0 || ix >= wd) continue;
                                    s += hx.get(x.indexOf(b, g * cg + ic, iy, ix)) * hw.get(w.indexOf(oc, ic, ky, kx));
                                }
                            }
                        hout.set(out.indexOf(b, oc, oy, ox), s);
                    }
            }
    }

    @Override
    public void conv2dBackwardInput(Tensor gy, Tensor w, Conv2dSpec p, Tensor gx) {
        int n = gx.shape(0), c = gx.shape(1), h = gx.shape(2), wd = gx.shape(3);
        int o = w.shape(0), cg = w.shape(1), kh = w.shape(2), kw = w.shape(3);
        int ho = gy.shape(2), wo = gy.shape(3), og = o / p.groups();
        HeapStorage hg = heap(gy), hw = heap(w);
        double[] acc = new double[n * c * h * wd];
        for (int b = 0; b < n; b++)
            for (int oc = 0; oc < o; oc++) {
                int g = oc / og;
                for (int oy = 0; oy < ho; oy++)
                    for (int ox = 0; ox < wo; ox++) {
                        double gv = hg.get(gy.indexOf(b, oc, oy, ox));
                        for (int ic = 0; ic < cg; ic++)
                            for (int ky = 0; ky < kh; ky++) {
                                int iy = oy * p.strideH() - p.padH() + ky * p.dilationH();
                                if (iy < 0 || iy >= h) continue;
                                for (int kx = 0; kx < kw; kx++) {
                                    int ix = ox * p.strideW() - p.padW() + kx * p.dilationW();
                                    if (ix < 0 || ix >= wd) continue;
                                    acc[((b * c + g * cg + ic) * h + iy) * wd + ix] += gv * hw.get(w.indexOf(oc, ic, ky, kx));
                                }
                            }
                    }
            }
        store(gx, acc);
    }

    @Override
    public void conv2dBackwardWeight(Tensor x, Tensor gy, Conv2dSpec p, Tensor gw) {
        int n = x.shape(0), h = x.shape(2), wd = x.shape(3);
        int o = gw.shape(0), cg = gw.shape(1), kh = gw.shape(2), kw = gw.shape(3);
        int ho = gy.shape(2), wo = gy.shape(3), og = o / p.groups();
        HeapStorage hg = heap(gy), hx = heap(x);
        double[] acc = new double[o * cg * kh * kw];
        for (int b = 0; b < n; b++)
            for (int oc = 0; oc < o; oc++) {
                int g = oc / og;
                for (int oy = 0; oy < ho; oy++)
                    for (int ox = 0; ox < wo; ox++) {
                        double gv = hg.get(gy.indexOf(b, oc, oy, ox));
                        for (int ic = 0; ic < cg; ic++)
                            for (int ky = 0; ky < kh; ky++) {
                                int iy = oy * p.strideH() - p.padH() + ky * p.dilationH();
                                if (iy < 0 || iy >= h) continue;
                                for (int kx = 0; kx < kw; kx++) {
                                    int ix = ox * p.strideW() - p.padW() + kx * p.dilationW();
                                    if (ix < 0 || ix >= wd) continue;
                                    acc[((oc * cg + ic) * kh + ky) * kw + kx] += gv * hx.get(x.indexOf(b, g * cg + ic, iy, ix));
                                }
                            }
                    }
            }
        store(gw, acc);
    }

    @Override
    public void maxPool2d(Tensor x, Pool2dSpec p, Tensor out, Tensor argmax) {
        int n = x.shape(0), c = x.shape(1), h = x.shape(2), wd = x.shape(3), ho = out.shape(2), wo = out.shape(3);
        HeapStorage hx = heap(x), ho_ = heap(out), ha = heap(argmax);
        for (int b = 0; b < n; b++)
            for (int ch = 0; ch < c; ch++)
                for (int oy = 0; oy < ho; oy++)
                    for (int ox = 0; ox < wo; ox++) {
                        double best = Double.NEGATIVE_INFINITY;
                        int arg = -1;
                        for (int ky = 0; ky < p.kernelH(); ky++) {
                            int iy = oy * p.strideH() - p.padH() + ky;
                            if (iy < 0 || iy >= h) continue;
                            for (int kx = 0; kx < p.kernelW(); kx++) {
                                int ix = ox * p.strideW() - p.padW() + kx;
                                if (ix < 0 || ix >= wd) continue;
                                double v = hx.get(x.indexOf(b, ch, iy, ix));
                                if (arg < 0 || v > best || (Double.isNaN(v) && !Double.isNaN(best))) {
                                    best = v;
                                    arg = iy * wd + ix;
                                }
                            }
                        }
                        ho_.set(out.indexOf(b, ch, oy, ox), best);
                        ha.set(argmax.indexOf(b, ch, oy, ox), arg);
                    }
    }

    @Override
    public void maxPool2dBackward(Tensor gy, Tensor argmax, Tensor gx) {
        int n = gx.shape(0), c = gx.shape(1), h = gx.shape(2), wd = gx.shape(3), ho = gy.shape(2), wo = gy.shape(3);
        HeapStorage hg = heap(gy), ha = heap(argmax);
        double[] acc = new double[n * c * h * wd];
        for (int b = 0; b < n; b++)
            for (int ch = 0; ch < c; ch++)
                for (int oy = 0; oy < ho; oy++)
                    for (int ox = 0; ox < wo; ox++) {
                        int a = (int) ha.get(argmax.indexOf(b, ch, oy, ox));
                        acc[(b * c + ch) * h * wd + a] += hg.get(gy.indexOf(b, ch, oy, ox));
                    }
        store(gx, acc);
    }

    @Override
    public void avgPool2d(Tensor x, Pool2dSpec p, Tensor out) {
        int n = x.shape(0), c = x.shape(1), h = x.shape(2), wd = x.shape(3), ho = out.shape(2), wo = out.shape(3);
        HeapStorage hx = heap(x), hout = heap(out);
        double div = p.kernelH() * p.kernelW();
        for (int b = 0; b < n; b++)
            for (int ch = 0; ch < c; ch++)
                for (int oy = 0; oy < ho; oy++)
                    for (int ox = 0; ox < wo; ox++) {
                        double s = 0;
                        for (int ky = 0; ky < p.kernelH(); ky++) {
                            int iy = oy * p.strideH() - p.padH() + ky;
                            if (iy < 0 || iy >= h) continue;
                            for (int kx = 0; kx < p.kernelW(); kx++) {
                                int ix = ox * p.strideW() - p.padW() + kx;
                                if (ix >= 0 && ix < wd) s += hx.get(x.indexOf(b, ch, iy, ix));
                            }
                        }
                        hout.set(out.indexOf(b, ch, oy, ox), s / div);
                    }
    }

    @Override
    public void avgPool2dBackward(Tensor gy, Pool2dSpec p, Tensor gx) {
        int n = gx.shape(0), c = gx.shape(1), h = gx.shape(2), wd = gx.shape(3), ho = gy.shape(2), wo = gy.shape(3);
        HeapStorage hg = heap(gy);
        double div = p.kernelH() * p.kernelW();
        double[] acc = new double[n * c * h * wd];
        for (int b = 0; b < n; b++)
            for (int ch = 0; ch < c; ch++)
                for (int oy = 0; oy < ho; oy++)
                    for (int ox = 0; ox < wo; ox++) {
                        double g = hg.get(gy.indexOf(b, ch, oy, ox)) / div;
                        for (int ky = 0; ky < p.kernelH(); ky++) {
                            int iy = oy * p.strideH() - p.padH() + ky;
                            if (iy < 0 || iy >= h) continue;
                            for (int kx = 0; kx < p.kernelW(); kx++) {
                                int ix = ox * p.strideW() - p.padW() + kx;
                                if (ix >= 0 && ix < wd) acc[((b * c + ch) * h + iy) * wd + ix] += g;
                            }
                        }
                    }
        store(gx, acc);
    }

    private static void requireSameShape(Tensor a, Tensor b, String op) {
        if (!java.util.Arrays.equals(a.shape(), b.shape()))
            throw new IllegalArgumentException(op + ": shapes " + Shapes.str(a.shape()) + " and " + Shapes.str(b.shape()) + " differ");
    }
}
