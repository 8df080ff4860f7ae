package dev.sparkj.tensor.cpu;

import dev.sparkj.tensor.ReduceOp;
import dev.sparkj.tensor.Tensor;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * F32 reductions over any axes (sum, mean, max, min, variance), vectorised and parallel.
 *
 * <p>Accuracy: sums accumulate in float vector lanes over short blocks (at most 32 additions per lane)
 * whose totals are added in double, so they meet the double reference to about 1e-7 of the summed
 * magnitudes; variance is two-pass with the squared deviations formed and summed in double.
 *
 * <p>Determinism: the work split (groups of outputs, column blocks, reduced-row parts combined in a
 * fixed order) depends on the shapes only, never on the thread count or on timing.
 */
final class Reductions {
    private Reductions() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int VL = F.length();
    private static final VectorSpecies<Double> D = VectorSpecies.of(double.class, F.vectorShape());
    private static final int DL = D.length();
    /** Rows a float column accumulator takes before it is flushed into double. */
    private static final int FLUSH = 32;
    /** Units of work below which more splitting does not pay. */
    private static final int MIN_UNITS = 8;

    private enum Kind { SUM, MAX, MIN, SQDEV }

    static void reduce(ReduceOp op, Tensor x, int[] axes, Tensor out) {
        ReduceLayout lay = ReduceLayout.of(x, mark(x.rank(), axes), out);
        Kind k = switch (op) {
            case SUM, MEAN -> Kind.SUM;
            case MAX -> Kind.MAX;
            case MIN -> Kind.MIN;
        };
        double[] r = run(lay, k, Heap.f32(x), null);
        if (op == ReduceOp.MEAN) for (int i = 0; i < r.length; i++) r[i] /= lay.count;
        store(lay, r, Heap.f32(out));
    }

    /** Variance with divisor {@code count - correction} (two passes: mean, then squared deviations). */
    static void variance(Tensor x, int[] axes, int correction, Tensor out) {
        ReduceLayout lay = ReduceLayout.of(x, mark(x.rank(), axes), out);
        float[] xa = Heap.f32(x);
        double[] mean = run(lay, Kind.SUM, xa, null);
        for (int i = 0; i < mean.length; i++) mean[i] /= lay.count;
        double[] ss = run(lay, Kind.SQDEV, xa, mean);
        double div = Math.max(0, lay.count - correction);
        for (int i = 0; i < ss.length; i++) ss[i] /= div;
        store(lay, ss, Heap.f32(out));
    }

    static boolean[] mark(int rank, int[] axes) {
        boolean[] m = new boolean[rank];
        for (int a : axes) m[a] = true;
        return m;
    }

    /** Writes result {@code g * cols + c} to its out element. */
    private static void store(ReduceLayout lay, double[] r, float[] out) {
        int cols = lay.cols();
        int[] base = new int[2];
        for (int g = 0, groups = lay.groups(); g < groups; g++) {
            lay.groupBase(g, base);
            for (int c = 0; c < cols; c++) out[base[1] + c * lay.innerOut] = (float) r[g * cols + c];
        }
    }

    /** One double result per output, in output order {@code g * cols + c}. */
    private static double[] run(ReduceLayout lay, Kind kind, float[] x, double[] mean) {
        final int groups = lay.groups(), cols = lay.cols(), rows = lay.rows();
        final long total = (long) groups * rows * lay.inner;
        // column blocks (column mode, few groups), then reduced-row parts; both from shapes only
        int lb = 1;
        if (lay.column && groups < MIN_UNITS && cols >= 512)
            lb = Math.min((cols + 255) / 256, (MIN_UNITS + groups - 1) / groups);
        final int cb = StridedLoops.roundUp((cols + lb - 1) / lb, VL);
        final int nb = (cols + cb - 1) / cb;
        int parts = 1;
        if ((long) groups * nb < MIN_UNITS && total >= 65536)
            parts = (int) Math.max(1, Math.min(rows, Math.min((MIN_UNITS + groups * nb - 1) / (groups * nb), total / 32768)));
        final int P = parts;
        final double[] res = new double[groups * cols];
        final double[] partial = P == 1 ? res : new double[groups * cols * P];
        int units = groups * nb * P;
        int grain = total < StridedLoops.SERIAL_BELOW ? units : (int) Math.min(units, (16384L * units + total - 1) / total);
        Parallel.forRange(units, Math.max(1, grain), (lo, hi) -> {
            int[] base = new int[2];
            double[] acc = new double[lay.column ? cb : 1];
            float[] facc = new float[lay.column ? cb : 1];
            for (int u = lo; u < hi; u++) {
                int g = u / (nb * P), rest = u % (nb * P), b = rest / P, part = rest % P;
                lay.groupBase(g, base);
                int r0 = (int) ((long) rows * part / P), r1 = (int) ((long) rows * (part + 1) / P);
                if (lay.column) {
                    int c0 = b * cb, w = Math.min(cols, c0 + cb) - c0;
                    columns(lay, kind, x, base[0] + c0 * lay.innerX, w, r0, r1, mean, g * cols + c0, acc, facc);
                    for (int j = 0; j < w; j++) partial[(g * cols + c0 + j) * P + part] = acc[j];
                } else {
                    partial[g * P + part] = rowsOf(lay, kind, x, base[0], r0, r1, mean == null ? 0 : mean[g]);
                }
            }
        });
        if (P > 1) {
            for (int o = 0; o < res.length; o++) {
                double v = partial[o * P];
                for (int q = 1; q < P; q++) v = fold(kind, v, partial[o * P + q]);
                res[o] = v;
            }
        }
        return res;
    }

    private static double fold(Kind kind, double a, double b) {
        return switch (kind) {
            case SUM, SQDEV -> a + b;
            case MAX -> Math.max(a, b);
            case MIN -> Math.min(a, b);
        };
    }

    private static double init(Kind kind) {
        return switch (kind) {
            case SUM, SQDEV -> 0;
            case MAX -> Double.NEGATIVE_INFINITY;
            case MIN -> Double.POSITIVE_INFINITY;
        };
    }

    // ------------------------------------------------------------------ row mode: the inner run is reduced

    private static double rowsOf(ReduceLayout lay, Kind kind, float[] x, int xBase, int r0, int r1, double mean) {
        double acc = init(kind);
        ReduceLayout.Rows rc = lay.new Rows(r0);
        for (int r = r0; r < r1; r++, rc.next()) {
            int o = xBase + rc.offset();
            double v = switch (kind) {
                case SUM -> RowKernels.sum(x, o, lay.inner, lay.innerX);
                case MAX -> RowKernels.max(x, o, lay.inner, lay.innerX);
                case MIN -> RowKernels.min(x, o, lay.inner, lay.innerX);
                case SQDEV -> RowKernels.sqdev(x, o, lay.inner, lay.innerX, mean);
            };
            acc = fold(kind, acc, v);
        }
        return acc;
    }

    // ------------------------------------------------------------------ column mode: the inner run is kept

    /** acc[0, w) = reduction over rows [r0, r1) of columns starting at x offset xo (column stride innerX). */
    private static void columns(ReduceLayout lay, Kind kind, float[] x, int xo, int w, int r0, int r1,
                                double[] mean, int m0, double[] acc, float[] facc) {
        int sx = lay.innerX;
        ReduceLayout.Rows rc = lay.new Rows(r0);
        switch (kind) {
            case SUM -> {
                java.util.Arrays.fill(acc, 0, w, 0);
                java.util.Arrays.fill(facc, 0, w, 0f);
                int bound = sx == 1 ? F.loopBound(w) : 0;
                int pending = 0;
                for (int r = r0; r < r1; r++, rc.next()) {
                    int o = xo + rc.offset();
                    for (int j = 0; j < bound; j += VL)
                        FloatVector.fromArray(F, facc, j).add(FloatVector.fromArray(F, x, o + j)).intoArray(facc, j);
                    for (int j = bound; j < w; j++) facc[j] += x[o + j * sx];
                    if (++pending == FLUSH) {
                        for (int j = 0; j < w; j++) { acc[j] += facc[j]; facc[j] = 0f; }
                        pending = 0;
                    }
                }
                for (int j = 0; j < w; j++) acc[j] += facc[j];
            }
            case MAX, MIN -> {
                boolean max = kind == Kind.MAX;
                java.util.Arrays.fill(facc, 0, w, max ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY);
                int bound = sx == 1 ? F.loopBound(w) : 0;
                for (int r = r0; r < r1; r++, rc.next()) {
                    int o = xo + rc.offset();
                    if (max) { // separate loops: a vector chosen by a conditional would be boxed
                        for (int j = 0; j < bound; j += VL)
                            FloatVector.fromArray(F, facc, j).max(FloatVector.fromArray(F, x, o + j)).intoArray(facc, j);
                        for (int j = bound; j < w; j++) facc[j] = Math.max(facc[j], x[o + j * sx]);
                    } else {
                        for (int j = 0; j < bound; j += VL)
                            FloatVector.fromArray(F, facc, j).min(FloatVector.fromArray(F, x, o + j)).intoArray(facc, j);
                        for (int j = bound; j < w; j++) facc[j] = Math.min(facc[j], x[o + j * sx]);
                    }
                }
                for (int j = 0; j < w; j++) acc[j] = facc[j];
            }
            case SQDEV -> {
                java.util.Arrays.fill(acc, 0, w, 0);
                int bound = sx == 1 && DL * 2 == VL ? F.loopBound(w) : 0;
                for (int r = r0; r < r1; r++, rc.next()) {
                    int o = xo + rc.offset();
                    for (int j = 0; j < bound; j += VL) {
                        DoubleVector d0 = RowKernels.widen(x, o + j).sub(DoubleVector.fromArray(D, mean, m0 + j));
                        DoubleVector d1 = RowKernels.widen(x, o + j + DL).sub(DoubleVector.fromArray(D, mean, m0 + j + DL));
                        d0.fma(d0, DoubleVector.fromArray(D, acc, j)).intoArray(acc, j);
                        d1.fma(d1, DoubleVector.fromArray(D, acc, j + DL)).intoArray(acc, j + DL);
                    }
                    for (int j = bound; j < w; j++) {
                        double d = x[o + j * sx] - mean[m0 + j];
                        acc[j] += d * d;
                    }
                }
            }
        }
    }
}
