package dev.sparkj.tensor;

import java.util.Arrays;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Helpers for {@link BackendConformanceTest}: seeded inputs in several memory layouts, running one
 * computation on a backend and on the reference, and comparing the results under a stated tolerance.
 */
final class Conformance {
    private Conformance() {}

    static final Backend REF = Backends.reference();

    /**
     * A tolerance: element i passes when {@code |got - ref| <= rel * scale_i + abs}, where scale_i is
     * |ref_i| (elementwise) or max |ref| over the whole result (normwise, for sums of products whose
     * individual results may cancel). NaN must meet NaN and infinities must be equal.
     */
    record Tol(double rel, double abs, boolean normwise) {
        static final Tol EXACT = new Tol(0, 0, false);
        static Tol elementwise(double rel, double abs) { return new Tol(rel, abs, false); }
        static Tol normwise(double rel) { return new Tol(rel, 0, true); }
        /** Sums of K products in float against double: {@code 2e-6 sqrt(K)} of the largest result. */
        static Tol products(int k) { return normwise(2e-6 * Math.sqrt(Math.max(1, k))); }
    }

    /** t moved to backend b (a view for heap backends, a copy for device ones). */
    static Tensor on(Tensor t, Backend b) { return t == null ? null : t.to(b); }

    /** Runs op on b and on the reference and compares (values, shapes and dtypes). */
    static void check(Backend b, Tol tol, Function<Backend, Tensor> op) {
        Tensor ref = op.apply(REF), got = op.apply(b);
        assertClose(ref, got, tol, "");
    }

    static void assertClose(Tensor ref, Tensor got, Tol tol, String what) {
        if (!Arrays.equals(ref.shape(), got.shape()))
            fail(what + "shape " + Arrays.toString(got.shape()) + " != reference " + Arrays.toString(ref.shape()));
        if (ref.dtype() != got.dtype()) fail(what + "dtype " + got.dtype() + " != reference " + ref.dtype());
        double[] r = values(ref), g = values(got);
        double scale = 0;
        for (double v : r) if (Double.isFinite(v)) scale = Math.max(scale, Math.abs(v));
        int bad = -1;
        double worst = 0;
        for (int i = 0; i < r.length; i++) {
            double d = Math.abs(g[i] - r[i]);
            boolean ok;
            if (Double.isNaN(r[i]) || Double.isNaN(g[i])) ok = Double.isNaN(r[i]) && Double.isNaN(g[i]);
            else if (Double.isInfinite(r[i]) || Double.isInfinite(g[i])) ok = r[i] == g[i];
            else ok = d <= tol.rel() * (tol.normwise() ? scale : Math.abs(r[i])) + tol.abs();
            if (!ok && (bad < 0 || d > worst)) { bad = i; worst = d; }
        }
        if (bad >= 0)
            fail(what + "element " + bad + " of " + r.length + ": got " + g[bad] + ", reference " + r[bad]
                    + " (|diff| " + worst + ", tolerance " + tol + ", max|ref| " + scale + ")");
    }

    /** Values in logical row-major order, read element by element (independent of any backend's copy). */
    static double[] values(Tensor t) {
        Tensor h = t.to(REF);
        int[] shape = h.shape();
        double[] v = new double[h.numel()];
        int[] idx = new int[shape.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = h.get(idx);
            for (int d = shape.length - 1; d >= 0; d--) {
                if (++idx[d] < shape[d]) break;
                idx[d] = 0;
            }
        }
        return v;
    }

    // ------------------------------------------------------------------ inputs

    /** Memory layouts an input can take (all hold random values of the same logical shape). */
    enum Layout { CONTIGUOUS, PERMUTED, SLICED, CHANNELS_LAST }

    /** Normal(0, 1) values of {@code shape} stored in the given layout. */
    static Tensor normal(Rng rng, Layout layout, int... shape) {
        return layout(rng, layout, shape, s -> rng.normal(0, 1, s));
    }

    /** Small integers in [0, range) stored in the given layout (ties on purpose). */
    static Tensor integers(Rng rng, int range, Layout layout, int... shape) {
        return layout(rng, layout, shape, s -> {
            float[] a = new float[Shapes.numel(s)];
            for (int i = 0; i < a.length; i++) a[i] = rng.nextInt(range);
            return Tensor.of(a, s);
        });
    }

    private static Tensor layout(Rng rng, Layout layout, int[] shape, Function<int[], Tensor> make) {
        int r = shape.length;
        return switch (layout) {
            case CONTIGUOUS -> make.apply(shape);
            case PERMUTED -> { // memory in reversed axis order
                int[] rev = new int[r], perm = new int[r];
                for (int i = 0; i < r; i++) { rev[i] = shape[r - 1 - i]; perm[i] = r - 1 - i; }
                yield make.apply(rev).permute(perm);
            }
            case SLICED -> { // every other element of the last axis, first axis offset by one
                int[] big = shape.clone();
                big[r - 1] = 2 * shape[r - 1] + 1;
                big[0] = shape[0] + 1;
                yield make.apply(big).slice(r - 1, 1, 2 * shape[r - 1] + 1, 2).slice(0, 1, shape[0] + 1);
            }
            case CHANNELS_LAST -> make.apply(shape).toChannelsLast();
        };
    }

    /** Random I64 indices in [lo, hi) of {@code shape}. */
    static Tensor indices(Rng rng, int lo, int hi, int... shape) {
        long[] a = new long[Shapes.numel(shape)];
        for (int i = 0; i < a.length; i++) a[i] = lo + rng.nextInt(hi - lo);
        return Tensor.ofLongs(a, shape);
    }

    /** Random BOOL values. */
    static Tensor bools(Rng rng, DType dt, int... shape) {
        byte[] a = new byte[Shapes.numel(shape)];
        for (int i = 0; i < a.length; i++) a[i] = (byte) (dt == DType.BOOL ? rng.nextInt(2) : rng.nextInt(3) * 100);
        return Tensor.ofBytes(a, dt, shape);
    }

    /** A zero tensor on b with the memory order of {@code like} (dense: row-major or channels-last). */
    static Tensor zerosLike(Tensor like, DType dt, Backend b, boolean channelsLast) {
        int[] s = like.shape();
        if (channelsLast) return Tensor.zeros(dt, b, s[0], s[2], s[3], s[1]).permute(0, 3, 1, 2);
        return Tensor.zeros(dt, b, s);
    }
}
