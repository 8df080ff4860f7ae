package dev.sparkj.tensor.cpu;

import dev.sparkj.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * F32 gather / scatter-add and index-select / index-add with I64 indices.
 *
 * <p>index-select and index-add move whole slices (everything but the indexed axis, walked as a
 * {@link LoopPlan}); the hot case, rows of a 2-D matrix along axis 0, becomes row copies and vector row
 * additions. index-add and scatter-add are parallel only where no two workers touch the same output
 * element, and add each element's contributions in the reference's (row-major) order, so they round
 * exactly like it.
 */
final class Indexing {
    private Indexing() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int VL = F.length();

    private static int check(long i, int size, String what) {
        if (i < 0 || i >= size) throw new IndexOutOfBoundsException(what + " index " + i + " out of range [0, " + size + ")");
        return (int) i;
    }

    // ------------------------------------------------------------------ gather / scatterAdd

    /** out[i] = x[i with axis replaced by index[i]]. */
    static void gather(Tensor x, int axis, Tensor index, Tensor out) {
        int[] xs = x.strides();
        int sAxis = xs[axis], size = x.shape(axis);
        xs[axis] = 0;
        LoopPlan p = LoopPlan.of(index.shape(), new int[][]{out.strides(), index.strides(), xs},
                new int[]{out.offset(), index.offset(), x.offset()});
        float[] xa = Heap.f32(x), ya = Heap.f32(out);
        long[] ia = Heap.i64(index);
        int so = p.innerStride(0), si = p.innerStride(1), sx = p.innerStride(2);
        StridedLoops.run(p, () -> (off, n) -> {
            for (int j = 0; j < n; j++) {
                int k = check(ia[off[1] + j * si], size, "gather");
                ya[off[0] + j * so] = xa[off[2] + j * sx + k * sAxis];
            }
        });
    }

    /** out[i with axis replaced by index[i]] += src[i], in row-major order of i. */
    static void scatterAdd(Tensor out, int axis, Tensor index, Tensor src) {
        int[] shape = index.shape(), is = index.strides(), ss = src.strides(), os = out.strides();
        int sAxis = os[axis], size = out.shape(axis), rank = shape.length;
        float[] ya = Heap.f32(out), sa = Heap.f32(src);
        long[] ia = Heap.i64(index);
        // split on the outermost non-axis dim: its slabs write disjoint outputs
        int split = -1;
        for (int d = 0; d < rank && split < 0; d++) if (d != axis && shape[d] > 1) split = d;
        int slabs = split < 0 ? 1 : shape[split];
        int total = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        final int sp = split;
        Parallel.forRange(slabs, total < StridedLoops.SERIAL_BELOW ? slabs : Math.max(1, slabs * 4096 / Math.max(1, total)), (lo, hi) -> {
            int[] idx = new int[rank];
            int[] lim = shape.clone();
            for (int s = lo; s < hi; s++) {
                if (sp >= 0) { idx[sp] = s; lim[sp] = s + 1; }
                walk(idx, lim, sp, rank, () -> {
                    int io = index.offset(), so = src.offset(), oo = out.offset();
                    for (int d = 0; d < rank; d++) {
                        io += idx[d] * is[d];
                        so += idx[d] * ss[d];
                        if (d != axis) oo += idx[d] * os[d];
                    }
                    int k = check(ia[io], size, "scatterAdd");
                    ya[oo + k * sAxis] += sa[so];
                });
                if (sp >= 0) idx[sp] = 0;
            }
        });
    }

    /** Row-major walk over idx within [0, lim) on all dims but the fixed one (its idx already set). */
    private static void walk(int[] idx, int[] lim, int fixed, int rank, Runnable body) {
        for (int d = 0; d < rank; d++) if (d != fixed) idx[d] = 0;
        for (int d = 0; d < rank; d++) if (lim[d] == 0) return;
        while (true) {
            body.run();
            int d = rank - 1;
            for (; d >= 0; d--) {
                if (d == fixed) continue;
                if (++idx[d] < lim[d]) break;
                idx[d] = 0;
            }
            if (d < 0) return;
        }
    }

    // ------------------------------------------------------------------ indexSelect / indexAdd

    /** The slab plan: every dim but the axis, operands (a, b). */
    private static LoopPlan slabPlan(Tensor a, Tensor b, int axis) {
        int r = a.rank();
        int[] shape = new int[r - 1], sa = new int[r - 1], sb = new int[r - 1];
        for (int d = 0, j = 0; d < r; d++) {
            if (d == axis) continue;
            shape[j] = a.shape(d);
            sa[j] = a.stride(d);
            sb[j++] = b.stride(d);
        }
        return LoopPlan.of(shape, new int[][]{sa, sb}, new int[]{0, 0});
    }

    private static long[] indices(Tensor index) {
        int n = index.shape(0), s = index.stride(0), o = index.offset();
        long[] ia = Heap.i64(index), r = new long[n];
        for (int i = 0; i < n; i++) r[i] = ia[o + i * s];
        return r;
    }

    /** out slice i = x slice index[i] along axis (zeros for -1). */
    static void indexSelect(Tensor x, int axis, Tensor index, Tensor out) {
        long[] idx = indices(index);
        int size = x.shape(axis), ox = x.stride(axis), oo = out.stride(axis);
        for (long j : idx) if (j != -1) check(j, size, "indexSelect");
        LoopPlan p = slabPlan(out, x, axis);
        float[] ya = Heap.f32(out), xa = Heap.f32(x);
        int so = p.innerStride(0), sx = p.innerStride(1);
        StridedLoops.Segment copy = (off, n) -> {
            if (so == 1 && sx == 1) System.arraycopy(xa, off[1], ya, off[0], n);
            else for (int j = 0; j < n; j++) ya[off[0] + j * so] = xa[off[1] + j * sx];
        };
        StridedLoops.Segment zero = (off, n) -> { // index -1: a zero slice
            if (so == 1) Arrays.fill(ya, off[0], off[0] + n, 0f);
            else for (int j = 0; j < n; j++) ya[off[0] + j * so] = 0f;
        };
        long slab = (long) p.outer() * p.inner();
        if (idx.length >= 4 * Parallel.threads() || slab * idx.length < StridedLoops.SERIAL_BELOW) {
            int grain = slab * idx.length < StridedLoops.SERIAL_BELOW ? idx.length
                    : (int) Math.max(1, Math.min(idx.length, 16384 / Math.max(1, slab)));
            Parallel.forRange(idx.length, grain, (lo, hi) -> {
                for (int i = lo; i < hi; i++) {
                    boolean none = idx[i] == -1;
                    StridedLoops.serial(p, new int[]{out.offset() + i * oo, none ? 0 : x.offset() + (int) idx[i] * ox}, none ? zero : copy);
                }
            });
        } else { // few, large slices: split each slice instead
            for (int i = 0; i < idx.length; i++) {
                boolean none = idx[i] == -1;
                StridedLoops.run(withOffsets(p, out.offset() + i * oo, none ? 0 : x.offset() + (int) idx[i] * ox), none ? () -> zero : () -> copy);
            }
        }
    }

    /** out slice index[i] += src slice i along axis, for i in order; -1 skipped. */
    static void indexAdd(Tensor out, int axis, Tensor index, Tensor src) {
        long[] idx = indices(index);
        int size = out.shape(axis), oo = out.stride(axis), os = src.stride(axis);
        // the contributions of each destination slice, in increasing i (a counting sort)
        int[] start = new int[size + 1];
        for (long j : idx) if (j != -1) start[check(j, size, "indexAdd") + 1]++;
        for (int d = 0; d < size; d++) start[d + 1] += start[d];
        int[] from = new int[start[size]], fill = Arrays.copyOf(start, size);
        for (int i = 0; i < idx.length; i++) if (idx[i] != -1) from[fill[(int) idx[i]]++] = i;
        LoopPlan p = slabPlan(out, src, axis);
        float[] ya = Heap.f32(out), sa = Heap.f32(src);
        int sy = p.innerStride(0), ss = p.innerStride(1);
        long slab = (long) p.outer() * p.inner();
        if (size >= 4 * Parallel.threads() || slab * idx.length < StridedLoops.SERIAL_BELOW) {
            int grain = slab * idx.length < StridedLoops.SERIAL_BELOW ? size
                    : (int) Math.max(1, Math.min(size, 16384L * size / Math.max(1, slab * Math.max(1, idx.length))));
            Parallel.forRange(size, grain, (lo, hi) -> {
                for (int d = lo; d < hi; d++)
                    for (int q = start[d]; q < start[d + 1]; q++) {
                        int i = from[q];
                        StridedLoops.serial(p, new int[]{out.offset() + d * oo, src.offset() + i * os},
                                (off, n) -> addRun(ya, off[0], sy, sa, off[1], ss, n));
                    }
            });
        } else { // few destinations: split each slab instead, every element still adds in order of i
            StridedLoops.run(withOffsets(p, 0, 0), () -> (off, n) -> {
                for (int i = 0; i < idx.length; i++) {
                    if (idx[i] == -1) continue;
                    addRun(ya, out.offset() + (int) idx[i] * oo + off[0], sy, sa, src.offset() + i * os + off[1], ss, n);
                }
            });
        }
    }

    /** y[yo + j sy] += x[xo + j sx] for j < n. */
    private static void addRun(float[] y, int yo, int sy, float[] x, int xo, int sx, int n) {
        int j = 0;
        if (sy == 1 && sx == 1)
            for (int bound = F.loopBound(n); j < bound; j += VL)
                FloatVector.fromArray(F, y, yo + j).add(FloatVector.fromArray(F, x, xo + j)).intoArray(y, yo + j);
        for (; j < n; j++) y[yo + j * sy] += x[xo + j * sx];
    }

    private static LoopPlan withOffsets(LoopPlan p, int a, int b) {
        return LoopPlan.of(p.shape, p.strides, new int[]{a, b});
    }
}
