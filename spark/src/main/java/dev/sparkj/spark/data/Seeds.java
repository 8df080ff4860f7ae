package dev.sparkj.spark.data;

/**
 * Derives independent seeds from (run seed, epoch, index) by chained SplitMix64 finalisers, so every
 * sample of every epoch gets its own random stream regardless of thread timing, and a resumed run
 * at epoch k sees the same streams as an uninterrupted one.
 */
public final class Seeds {
    private Seeds() {}

    /** Index value reserved for the epoch's shuffle. */
    public static final long SHUFFLE = -1;

    /** The seed for sample {@code index} of {@code epoch} ({@link #SHUFFLE} for the epoch's order). */
    public static long derive(long seed, long epoch, long index) {
        long h = mix(seed + 0x9E3779B97F4A7C15L);
        h = mix(h ^ (epoch + 0x632BE59BD9B4E019L));
        return mix(h ^ (index + 0x85157AF5L * 0x9E3779B97F4A7C15L));
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
