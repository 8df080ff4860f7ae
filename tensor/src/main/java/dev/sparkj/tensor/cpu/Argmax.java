package dev.sparkj.tensor.cpu;

import dev.sparkj.tensor.Tensor;

/**
 * F32 argmax along one axis into I64: the first maximum, a NaN counting as larger than any number
 * (the first NaN wins), as the reference. Parallel over output groups; when the axis is not innermost
 * in memory, each step along it updates a whole run of outputs (cache-friendly for channels-last).
 */
final class Argmax {
    private Argmax() {}

    static void argmax(Tensor x, int axis, Tensor out) {
        ReduceLayout lay = ReduceLayout.of(x, Reductions.mark(x.rank(), new int[]{axis}), out);
        float[] xa = Heap.f32(x);
        long[] ya = Heap.i64(out);
        int groups = lay.groups(), cols = lay.cols(), rows = lay.rows();
        long work = (long) groups * rows * lay.inner;
        int grain = work < StridedLoops.SERIAL_BELOW ? groups : (int) Math.max(1, Math.min(groups, 16384L * groups / work));
        Parallel.forRange(groups, grain, (lo, hi) -> {
            int[] base = new int[2];
            float[] best = new float[cols];
            int[] arg = new int[cols];
            for (int g = lo; g < hi; g++) {
                lay.groupBase(g, base);
                if (lay.column) {
                    ReduceLayout.Rows rc = lay.new Rows(0);
                    for (int r = 0; r < rows; r++, rc.next()) {
                        int o = base[0] + rc.offset();
                        for (int c = 0; c < cols; c++) {
                            float v = xa[o + c * lay.innerX];
                            if (r == 0 || v > best[c] || (v != v && best[c] == best[c])) {
                                best[c] = v;
                                arg[c] = r;
                            }
                        }
                    }
                    for (int c = 0; c < cols; c++) ya[base[1] + c * lay.innerOut] = arg[c];
                } else {
                    int o = base[0], s = lay.innerX;
                    float b = xa[o];
                    int a = 0;
                    for (int k = 1; k < lay.inner; k++) {
                        float v = xa[o + k * s];
                        if (v > b || (v != v && b == b)) {
                            b = v;
                            a = k;
                        }
                    }
                    ya[base[1]] = a;
                }
            }
        });
    }
}
