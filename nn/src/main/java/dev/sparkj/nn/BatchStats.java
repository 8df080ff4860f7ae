package dev.sparkj.nn;

import dev.sparkj.tensor.Tensor;

/**
 * Per-channel batch statistics of a BatchNorm input kept as plain sums: {@code Σx}, {@code Σx²} and the
 * number of values per channel. Sums (unlike means and variances) add across machines, so synchronized
 * BatchNorm all-reduces these three and then derives mean and variance exactly as a single machine
 * would (see {@link BatchNorm2d.StatsReducer}).
 *
 * @param sum   {@code Σx} per channel, {@code [C]}
 * @param sumSq {@code Σx²} per channel, {@code [C]}
 * @param count values per channel (N·H·W for an image batch, rows for a packed sparse map)
 */
public record BatchStats(double[] sum, double[] sumSq, long count) {

    /**
     * The statistics of {@code x}, channel axis 1, summed over every other axis
     * ({@code [N, C, H, W]} over N, H, W; {@code [rows, C]} over rows).
     */
    public static BatchStats of(Tensor x) {
        int[] axes = BatchNormOps.nonChannelAxes(x.rank());
        long count = x.numel() / x.shape(1);
        double[] s1 = x.sum(axes, false).toDoubleArray();
        double[] s2 = x.square().sum(axes, false).toDoubleArray();
        return new BatchStats(s1, s2, count);
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
        for (int c = 0; c < v.length; c++) {
            double m = sum[c] / count;
            double ss = Math.max(sumSq[c] - count * m * m, 0); // Σ(x - m)² = Σx² - n·m²
            v[c] = ss / (count - correction);
        }
        return v;
    }

    /** The statistics of two disjoint parts of a batch together (what an all-reduce computes). */
    public BatchStats merge(BatchStats o) {
        if (o.sum.length != sum.length) throw new IllegalArgumentException("merging stats of " + sum.length + " and " + o.sum.length + " channels");
        double[] a = sum.clone(), b = sumSq.clone();
        for (int c = 0; c < a.length; c++) { a[c] += o.sum[c]; b[c] += o.sumSq[c]; }
        return new BatchStats(a, b, count + o.count);
    }
}
