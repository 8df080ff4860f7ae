package dev.sparkj.tensor.cpu;

/**
 * Runs a kernel over every inner run of a {@link LoopPlan}, in parallel on {@link Parallel}'s pool.
 * Long inner runs are cut into segments when there are too few runs to keep the workers busy.
 * Each parallel chunk opens its own {@link Segment} body, so bodies may keep per-chunk buffers.
 * Every element is visited exactly once; chunking never changes which elements a segment holds
 * relative to each other, so elementwise results do not depend on the thread count.
 */
final class StridedLoops {
    private StridedLoops() {}

    /** Elements below which a loop runs on the calling thread. */
    static final int SERIAL_BELOW = 1 << 15;
    /** Elements a parallel chunk should at least hold. */
    private static final int CHUNK_ELEMS = 1 << 14;

    /** One segment of an inner run: {@code n} elements starting at {@code off[k]} for operand k (stride: the plan's inner stride). */
    @FunctionalInterface
    interface Segment { void run(int[] off, int n); }

    /** Opens a segment body for one parallel chunk. */
    @FunctionalInterface
    interface Chunk { Segment open(); }

    static void run(LoopPlan p, Chunk chunk) {
        final int rank = p.rank(), inner = p.inner(), outer = p.outer(), ops = p.offsets.length;
        long total = (long) outer * inner;
        if (total == 0) return;
        int blocks = 1;
        if (total >= SERIAL_BELOW && outer < 4 * Parallel.threads())
            blocks = (int) Math.min((inner + 4095) / 4096, (4L * Parallel.threads() + outer - 1) / outer);
        final int seg = blocks == 1 ? inner : roundUp((inner + blocks - 1) / blocks, 64);
        final int nBlocks = (inner + seg - 1) / seg;
        int units = outer * nBlocks;
        int grain = total < SERIAL_BELOW ? units : Math.max(1, CHUNK_ELEMS / seg);
        Parallel.forRange(units, grain, (lo, hi) -> {
            Segment body = chunk.open();
            int[] idx = new int[rank];
            int[] base = p.offsets.clone();
            int[] off = new int[ops];
            int row = lo / nBlocks, blk = lo % nBlocks;
            for (int d = rank - 2; d >= 0; d--) { // decompose the first row index
                idx[d] = row % p.shape[d];
                row /= p.shape[d];
                for (int k = 0; k < ops; k++) base[k] += idx[d] * p.strides[k][d];
            }
            for (int u = lo; u < hi; u++) {
                int start = blk * seg;
                for (int k = 0; k < ops; k++) off[k] = base[k] + start * p.strides[k][rank - 1];
                body.run(off, Math.min(seg, inner - start));
                if (++blk == nBlocks) {
                    blk = 0;
                    for (int d = rank - 2; d >= 0; d--) { // odometer step over the outer dims
                        for (int k = 0; k < ops; k++) base[k] += p.strides[k][d];
                        if (++idx[d] < p.shape[d]) break;
                        for (int k = 0; k < ops; k++) base[k] -= p.strides[k][d] * p.shape[d];
                        idx[d] = 0;
                    }
                }
            }
        });
    }

    /**
     * Runs every inner run of p on the calling thread, in order, with operand k starting at
     * {@code base[k]} instead of the plan's own offsets.
     */
    static void serial(LoopPlan p, int[] base, Segment body) {
        final int rank = p.rank(), inner = p.inner(), outer = p.outer(), ops = base.length;
        if (inner == 0) return;
        int[] idx = new int[rank];
        int[] off = base.clone();
        for (int row = 0; row < outer; row++) {
            body.run(off, inner);
            for (int d = rank - 2; d >= 0; d--) {
                for (int k = 0; k < ops; k++) off[k] += p.strides[k][d];
                if (++idx[d] < p.shape[d]) break;
                for (int k = 0; k < ops; k++) off[k] -= p.strides[k][d] * p.shape[d];
                idx[d] = 0;
            }
        }
    }

    /**
     * Units per parallel chunk for {@code units} units of {@code perUnit} elementary steps each: about
     * 16K steps a chunk, everything in one chunk when the whole job is below {@link #SERIAL_BELOW}.
     */
    static int grain(int units, long perUnit) {
        long total = units * Math.max(1, perUnit);
        if (total < SERIAL_BELOW) return Math.max(1, units);
        return (int) Math.max(1, Math.min(units, 16384 / Math.max(1, perUnit)));
    }

    static int roundUp(int x, int m) { return (x + m - 1) / m * m; }
}
