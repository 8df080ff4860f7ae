package dev.sparkj.tensor;

/**
 * A seeded random generator (xoshiro256**) whose whole state can be saved and restored, so that a
 * resumed run continues the same random stream. Not thread-safe: give each consumer its own.
 */
public final class Rng {
    private long s0, s1, s2, s3;

    public Rng(long seed) {
        // SplitMix64 expands the seed into the four state words.
        long x = seed;
        s0 = splitMix(x += 0x9E3779B97F4A7C15L);
        s1 = splitMix(x += 0x9E3779B97F4A7C15L);
        s2 = splitMix(x += 0x9E3779B97F4A7C15L);
        s3 = splitMix(x + 0x9E3779B97F4A7C15L);
    }

    private static long splitMix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The generator's state (4 words), for checkpoints. */
    public long[] state() { return new long[]{s0, s1, s2, s3}; }

    /** Restores a state from {@link #state()}. */
    public void setState(long[] s) {
        if (s.length != 4) throw new IllegalArgumentException("Rng state has 4 words, got " + s.length);
        s0 = s[0]; s1 = s[1]; s2 = s[2]; s3 = s[3];
    }

    /** A new generator seeded from this one (for a worker or a sub-task). */
    public Rng fork() { return new Rng(nextLong()); }

    public long nextLong() {
        long result = Long.rotateLeft(s1 * 5, 7) * 9;
        long t = s1 << 17;
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3;
        s2 ^= t;
        s3 = Long.rotateLeft(s3, 45);
        return result;
    }

    /** Uniform in [0, 1) with 53 random bits. */
    public double nextDouble() { return (nextLong() >>> 11) * 0x1.0p-53; }

    /** Uniform integer in [0, bound). */
    public int nextInt(int bound) {
        if (bound <= 0) throw new IllegalArgumentException("bound " + bound);
        long r = (nextLong() >>> 33) * bound; // Lemire's multiply-shift on 31 bits (bias < 2^-31 * bound)
        return (int) (r >>> 31);
    }

    /** A standard normal sample (Box–Muller, one value per call). */
    public double nextGaussian() {
        double u1;
        do u1 = nextDouble(); while (u1 <= 0);
        double u2 = nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    /** A uniformly random permutation of {@code 0..n-1} (Fisher–Yates). */
    public int[] permutation(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int t = p[i]; p[i] = p[j]; p[j] = t;
        }
        return p;
    }

    /** F32 tensor of uniform samples in [lo, hi). */
    public Tensor uniform(double lo, double hi, int... shape) {
        float[] a = new float[Shapes.numel(shape)];
        for (int i = 0; i < a.length; i++) a[i] = (float) (lo + (hi - lo) * nextDouble());
        return Tensor.of(a, shape);
    }

    /** F32 tensor of normal samples. */
    public Tensor normal(double mean, double std, int... shape) {
        float[] a = new float[Shapes.numel(shape)];
        for (int i = 0; i < a.length; i++) a[i] = (float) (mean + std * nextGaussian());
        return Tensor.of(a, shape);
    }

    /** F32 tensor of normal samples restricted to [lo, hi] (rejection; the distribution of timm's trunc_normal_). */
    public Tensor truncatedNormal(double mean, double std, double lo, double hi, int... shape) {
        if (!(lo < hi)) throw new IllegalArgumentException("truncation bounds [" + lo + ", " + hi + "]");
        float[] a = new float[Shapes.numel(shape)];
        for (int i = 0; i < a.length; i++) {
            double v;
            int tries = 0;
            do {
                v = mean + std * nextGaussian();
                if (++tries > 1000) { v = Math.min(Math.max(v, lo), hi); break; }
            } while (v < lo || v > hi);
            a[i] = (float) v;
        }
        return Tensor.of(a, shape);
    }
}
