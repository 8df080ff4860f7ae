package dev.sparkj.tensor.cpu;

import dev.sparkj.tensor.DType;
import dev.sparkj.tensor.HeapStorage;
import dev.sparkj.tensor.Tensor;

import java.util.Arrays;

/**
 * Copy between any strided heap views of any element types, and fill. Same-type runs are block copies
 * (System.arraycopy / Arrays.fill when unit-stride or broadcast, a tight loop otherwise); casts go
 * through a small double buffer with the reference's conversion rules: reads as double (U8 unsigned,
 * BOOL 0/1), writes as {@code (float)}, {@code (long)}, {@code (byte)(int)} or {@code != 0}.
 */
final class Copies {
    private Copies() {}

    private static final int BLOCK = 1024;

    /** Inner runs of the destination's order shorter than this are walked in the source's order instead, if longer. */
    private static final int SHORT_RUN = 16;

    static void copy(Tensor src, Tensor dst) {
        LoopPlan p = LoopPlan.of(dst, src);
        HeapStorage hs = Heap.of(src), hd = Heap.of(dst);
        DType ts = hs.dtype(), td = hd.dtype();
        int sd = p.innerStride(0), ss = p.innerStride(1);
        if (ts == td || (ts == DType.BOOL && td == DType.U8)) {
            Object a = array(hs), b = array(hd);
            if (p.inner() < SHORT_RUN) {
                // a transposing copy whose destination runs are short (NCHW to channels-last with 3 channels, SparK's
                // patches): walk the source's long runs and write the destination at a stride, rather than paying a
                // call per three elements
                LoopPlan q = LoopPlan.of(src, dst);
                if (q.inner() > p.inner()) {
                    int qs = q.innerStride(0), qd = q.innerStride(1);
                    StridedLoops.run(q, () -> (off, n) -> sameType(a, off[0], qs, b, off[1], qd, n));
                    return;
                }
            }
            StridedLoops.run(p, () -> (off, n) -> sameType(a, off[1], ss, b, off[0], sd, n));
            return;
        }
        StridedLoops.run(p, () -> {
            double[] buf = new double[BLOCK];
            return (off, n) -> {
                for (int i = 0; i < n; i += BLOCK) {
                    int m = Math.min(BLOCK, n - i);
                    read(hs, off[1] + i * ss, ss, buf, m);
                    write(buf, hd, off[0] + i * sd, sd, m);
                }
            };
        });
    }

    static void fill(Tensor dst, double value) {
        LoopPlan p = LoopPlan.of(dst);
        HeapStorage h = Heap.of(dst);
        int sd = p.innerStride(0);
        switch (h.dtype()) {
            case F32 -> {
                float[] a = h.f32();
                float v = (float) value;
                StridedLoops.run(p, () -> (off, n) -> {
                    if (sd == 1) Arrays.fill(a, off[0], off[0] + n, v);
                    else for (int j = 0; j < n; j++) a[off[0] + j * sd] = v;
                });
            }
            case F64 -> {
                double[] a = h.f64();
                StridedLoops.run(p, () -> (off, n) -> {
                    for (int j = 0; j < n; j++) a[off[0] + j * sd] = value;
                });
            }
            case I64 -> {
                long[] a = h.i64();
                long v = (long) value;
                StridedLoops.run(p, () -> (off, n) -> {
                    for (int j = 0; j < n; j++) a[off[0] + j * sd] = v;
                });
            }
            case U8, BOOL -> {
                byte[] a = h.u8();
                byte v = h.dtype() == DType.BOOL ? (byte) (value != 0 ? 1 : 0) : (byte) (int) value;
                StridedLoops.run(p, () -> (off, n) -> {
                    for (int j = 0; j < n; j++) a[off[0] + j * sd] = v;
                });
            }
        }
    }

    private static Object array(HeapStorage h) {
        return switch (h.dtype()) {
            case F32 -> h.f32();
            case F64 -> h.f64();
            case I64 -> h.i64();
            case U8, BOOL -> h.u8();
        };
    }

    /** Copies a run between arrays of one Java type. */
    private static void sameType(Object src, int so, int ss, Object dst, int dO, int sd, int n) {
        if (ss == 1 && sd == 1) {
            System.arraycopy(src, so, dst, dO, n);
            return;
        }
        switch (src) {
            case float[] s -> {
                float[] d = (float[]) dst;
                if (sd == 1 && ss == 0) Arrays.fill(d, dO, dO + n, s[so]);
                else for (int j = 0; j < n; j++) d[dO + j * sd] = s[so + j * ss];
            }
            case double[] s -> {
                double[] d = (double[]) dst;
                for (int j = 0; j < n; j++) d[dO + j * sd] = s[so + j * ss];
            }
            case long[] s -> {
                long[] d = (long[]) dst;
                for (int j = 0; j < n; j++) d[dO + j * sd] = s[so + j * ss];
            }
            case byte[] s -> {
                byte[] d = (byte[]) dst;
                for (int j = 0; j < n; j++) d[dO + j * sd] = s[so + j * ss];
            }
            default -> throw new IllegalStateException("unknown storage array " + src.getClass());
        }
    }

    private static void read(HeapStorage h, int o, int s, double[] buf, int m) {
        switch (h.dtype()) {
            case F32 -> { float[] a = h.f32(); for (int j = 0; j < m; j++) buf[j] = a[o + j * s]; }
            case F64 -> { double[] a = h.f64(); for (int j = 0; j < m; j++) buf[j] = a[o + j * s]; }
            case I64 -> { long[] a = h.i64(); for (int j = 0; j < m; j++) buf[j] = a[o + j * s]; }
            case U8 -> { byte[] a = h.u8(); for (int j = 0; j < m; j++) buf[j] = a[o + j * s] & 0xff; }
            case BOOL -> { byte[] a = h.u8(); for (int j = 0; j < m; j++) buf[j] = a[o + j * s] != 0 ? 1 : 0; }
        }
    }

    private static void write(double[] buf, HeapStorage h, int o, int s, int m) {
        switch (h.dtype()) {
            case F32 -> { float[] a = h.f32(); for (int j = 0; j < m; j++) a[o + j * s] = (float) buf[j]; }
            case F64 -> { double[] a = h.f64(); for (int j = 0; j < m; j++) a[o + j * s] = buf[j]; }
            case I64 -> { long[] a = h.i64(); for (int j = 0; j < m; j++) a[o + j * s] = (long) buf[j]; }
            case U8 -> { byte[] a = h.u8(); for (int j = 0; j < m; j++) a[o + j * s] = (byte) (int) buf[j]; }
            case BOOL -> { byte[] a = h.u8(); for (int j = 0; j < m; j++) a[o + j * s] = (byte) (buf[j] != 0 ? 1 : 0); }
        }
    }
}
