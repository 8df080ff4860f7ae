package dev.sparkj.nn;

import dev.sparkj.tensor.Tensor;

/**
 * Per-channel batch statistics of a BatchNorm input as mergeable sums: {@code Σx}, the centred sum of
 * squares {@code M2 = Σ(x - mean)²}, and the number of values per channel.
 *
 * <p>Design note (synchronized BatchNorm): these combine exactly across machines. Each replica computes
 * its own triple; merging two (Chan et al.'s parallel variance) gives {@code Σx = Σx₁ + Σx₂},
 * {@code M2 = M2₁ + M2₂ + n₁n₂/(n₁+n₂)·(mean₁ - mean₂)²} — an all-gather of 3·C numbers per replica, or an
 * all-reduce of the plain sums {@code (Σx, Σx², n)} recovered as {@code Σx² = M2 + (Σx)²/n}. The centred
 * form is kept (rather than Σx² alone) because {@code Σx² - n·mean²} loses float precision when
 * |mean| ≫ std, which happens in small late-stage maps (a few values per channel).
 *
 * @param sum   {@code Σx} per channel, {@code [C]}
 * @param m2    {@code Σ(x - mean)²} per channel, {@code [C]}
 * @param count values per channel (N·H·W for an image batch, rows for a packed sparse map)
 */
public record BatchStats(double[] sum, double[] m2, long count) {

    /**
     * The statistics of {@code x}, channel axis 1, over every other axis
     * ({@code [N, C, H, W]} over N, H, W; {@code [rows, C]} over rows).
     */
    public static BatchStats of(Tensor x) {
        BatchStats fast = BatchNormOps.Fused.stats(x);
        if (fast != null) return fast;
        int[] axes = BatchNormOps.nonChannelAxes(x.rank());
        long count = x.numel() / x.shape(1);
        double[] s1 = x.sum(axes, false).toDoubleArray();
        double[] m2 = x.var(axes, 0, false).toDoubleArray();
        for (int c = 0; c < m2.length; c++) m2[c] *= count;
        return new BatchStats(s1, m2, count);
    }

    /** Number of channels. */
    public int channels() { return sum.length; }

    /** Mean per channel. */
    public double[] mean() {
        double[] m = new double[sum.length];
        for (int c = 0; c < m.length; c++) m[c] = sum[c] / count;
        return m;
    }

    /** Variance per channel with divisor {@code count - correction} (0 = biased, used to normalise; 1 = unbiased, for running_var). */
    public double[] variance(int correction) {
        double[] v = new double[sum.length];
        for (int c = 0; c < v.length; c++) v[c] = m2[c] / (count - correction);
        return v;
    }

    /** The statistics of two disjoint parts of a batch together (what an all-reduce computes). */
    public BatchStats merge(BatchStats o) {
        if (o.sum.length != sum.length) throw new IllegalArgumentException("merging stats of " + sum.length + " and " + o.sum.length + " channels");
        if (count == 0) return o;
        if (o.count == 0) return this;
        double[] s = sum.clone(), m = m2.clone();
        long n = count + o.count;
        for (int c = 0; c < s.length; c++) {
            double d = o.sum[c] / o.count - sum[c] / count;
            s[c] += o.sum[c];
            m[c] += o.m2[c] + d * d * ((double) count * o.count / n);
        }
        return new BatchStats(s, m, n);
    }
}
