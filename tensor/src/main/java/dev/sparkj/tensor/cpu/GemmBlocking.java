package dev.sparkj.tensor.cpu;

/**
 * Cache-blocking sizes of {@link GemmDriver}: {@code mc} rows of A per task block, {@code kc} depth of a
 * packed slice, {@code nc} columns of B per packed block (rounded down to a multiple of the kernel's NR).
 *
 * <p>{@link #DEFAULT} was measured on a 2-core Zen 3 (32 KiB L1d, 512 KiB L2, 32 MiB L3): the
 * kernel's 4 x KC A micro-panel (4 KiB at KC = 256) stays in L1 while it sweeps the KC x NC packed B
 * block, which streams from L2/L3 (a B block sized for L2, NC = 384, measured 5-15% slower: it costs
 * repacking A once per NC columns). MC only sets the task grain. Override with
 * {@code -Dsparkj.gemm.mc / .kc / .nc}.
 */
record GemmBlocking(int mc, int kc, int nc, int nb) {
    GemmBlocking {
        if (mc < 1 || kc < 1 || nc < 1 || nb < 1) throw new IllegalArgumentException("blocking " + mc + "/" + kc + "/" + nc + "/" + nb);
    }

    static final GemmBlocking DEFAULT = new GemmBlocking(
            Integer.getInteger("sparkj.gemm.mc", 144),
            Integer.getInteger("sparkj.gemm.kc", 256),
            Integer.getInteger("sparkj.gemm.nc", 4080),
            Integer.getInteger("sparkj.gemm.nb", 256));
}
