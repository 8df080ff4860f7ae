package dev.sparkj.tensor.cpu;

/**
 * Cache-blocking sizes of {@link GemmDriver}: {@code mc} rows of A per task block, {@code kc} depth of a
 * packed slice, {@code nc} columns of B per packed block (rounded down to a multiple of the kernel's
 * NR), {@code nb} columns of B one A micro-panel sweeps before the next one starts, {@code packedB}
 * floats of packed B held at once (slices beyond it are packed group by group).
 *
 * <p>{@link #DEFAULT} was measured on a 2-core Zen 3 (32 KiB L1d, 512 KiB L2, 32 MiB L3): the
 * kernel's 4 x KC A micro-panel (4 KiB at KC = 256) stays in L1 while it sweeps an nb-wide part of
 * the packed B slice (256 KiB at nb = 256), which sits in L2 next to the A block; the whole packed B
 * (up to 8 MiB) lives in L3. MC mainly sets the task grain. Override with
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
            Integer.getInteger("sparkj.gemm.kc", 256),
            Integer.getInteger("sparkj.gemm.nc", 4080),
            Integer.getInteger("sparkj.gemm.nb", 256),
            Integer.getInteger("sparkj.gemm.packedB", 2 << 20));
}
