package dev.sparkj.tensor.cpu;

/**
 * Cache-blocking sizes of {@link GemmDriver}: {@code mc} rows of A per task block, {@code kc} depth of a
 * packed slice, {@code nc} columns of B per packed block (rounded down to a multiple of the kernel's
 * NR), {@code nb} columns of B one A micro-panel sweeps before the next one starts, {@code packedB}
 * floats of packed B held at once (slices beyond it are packed group by group).
 *
 * <p>{@link #DEFAULT} was measured on a 2-core Zen 3 (32 KiB L1d, 512 KiB L2, 32 MiB L3): the
 * kernel's 4 x KC A micro-panel (6 KiB at KC = 384) stays in L1 while it sweeps an nb-wide part of
 * the packed B slice (240 KiB at nb = 160), which sits in L2 next to the A block; the whole packed B
 * (up to 8 MiB) lives in L3. MC mainly sets the task grain. KC = 384 with nb = 160 against the earlier
 * 256 / 256 (same B part size, a third fewer passes over C for deep products): 3-4 % more GFLOP/s over
 * 21 shapes at 2 threads and 18 at 1 thread, both settings in one JVM, alternating (docs/benchmarks.md,
 * "Session 9"); B parts of 390 KiB (384 / 256) lost that again. Override with
 * {@code -Dsparkj.gemm.mc / .kc / .nc / .nb / .packedB}.
 */
record GemmBlocking(int mc, int kc, int nc, int nb, int packedB) {
    GemmBlocking {
        if (mc < 1 || kc < 1 || nc < 1 || nb < 1 || packedB < 1) {
            throw new IllegalArgumentException("blocking " + mc + "/" + kc + "/" + nc + "/" + nb + "/" + packedB);
        }
    }

    static final GemmBlocking DEFAULT = new GemmBlocking(
            Integer.getInteger("sparkj.gemm.mc", 144),
            Integer.getInteger("sparkj.gemm.kc", 384),
            Integer.getInteger("sparkj.gemm.nc", 4080),
            Integer.getInteger("sparkj.gemm.nb", 160),
            Integer.getInteger("sparkj.gemm.packedB", 2 << 20));
}
