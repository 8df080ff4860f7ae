package dev.sparkj.spark.data;

import dev.sparkj.tensor.Rng;

import java.util.Arrays;

/**
 * Per-channel mean and standard deviation of a dataset, used both to normalise inputs
 * ({@code (x - mean) / std}) and to undo it for display. Values are for RGB in [0, 1].
 */
public record Normalization(double[] mean, double[] std) implements Transform {
    /** ImageNet's statistics (the SparK default). */
    public static final Normalization IMAGENET = new Normalization(
            new double[]{0.485, 0.456, 0.406}, new double[]{0.229, 0.224, 0.225});
    /** Fashion-MNIST's training-set statistics (0.2860 / 0.3530), replicated to the three channels. */
    public static final Normalization FASHION_MNIST = grey(0.2860, 0.3530);
    /** No change (mean 0, std 1). */
    public static final Normalization IDENTITY = grey(0, 1);

    public Normalization {
        if (mean.length != std.length || mean.length == 0) throw new IllegalArgumentException("mean/std lengths differ");
        for (double s : std) if (!(s > 0)) throw new IllegalArgumentException("std must be positive: " + Arrays.toString(std));
        mean = mean.clone();
        std = std.clone();
    }

    /** The same mean and std on all three channels. */
    public static Normalization grey(double mean, double std) {
        return new Normalization(new double[]{mean, mean, mean}, new double[]{std, std, std});
    }

    @Override public double[] mean() { return mean.clone(); }

    @Override public double[] std() { return std.clone(); }

    public double mean(int channel) { return mean[channel]; }

    public double std(int channel) { return std[channel]; }

    /** Normalises in place: {@code x = (x - mean[c]) / std[c]}. */
    @Override public FloatImage apply(FloatImage img, Rng rng) {
        check(img.channels());
        float[] d = img.data();
        int plane = img.height() * img.width();
        for (int c = 0; c < img.channels(); c++) {
            float m = (float) mean[c], inv = (float) (1 / std[c]);
            for (int i = c * plane; i < (c + 1) * plane; i++) d[i] = (d[i] - m) * inv;
        }
        return img;
    }

    /** Undoes the normalisation of one value of channel c: {@code x * std[c] + mean[c]}. */
    public float denormalize(float x, int c) { return (float) (x * std[c] + mean[c]); }

    /**
     * Measures per-channel mean and (population) std over up to {@code maxSamples} samples of a dataset,
     * chosen evenly through it; corrupt samples are skipped.
     */
    public static Normalization measure(ImageDataset data, int maxSamples) {
        int n = Math.min(maxSamples, data.size());
        double[] sum = new double[3], sq = new double[3];
        long count = 0;
        for (int s = 0; s < n; s++) {
            FloatImage img;
            try {
                img = data.load((int) ((long) s * data.size() / n));
            } catch (ImageDecodeException e) {
                continue;
            }
            int plane = img.height() * img.width();
            for (int c = 0; c < 3; c++)
                for (int i = c * plane; i < (c + 1) * plane; i++) {
                    double v = img.data()[i];
                    sum[c] += v;
                    sq[c] += v * v;
                }
            count += plane;
        }
        if (count == 0) throw new IllegalArgumentException("no readable sample to measure");
        double[] mean = new double[3], std = new double[3];
        for (int c = 0; c < 3; c++) {
            mean[c] = sum[c] / count;
            std[c] = Math.sqrt(Math.max(sq[c] / count - mean[c] * mean[c], 1e-12));
        }
        return new Normalization(mean, std);
    }

    private void check(int channels) {
        if (channels != mean.length) throw new IllegalArgumentException(mean.length + "-channel normalisation on a " + channels + "-channel image");
    }

    @Override public boolean equals(Object o) {
        return o instanceof Normalization n && Arrays.equals(mean, n.mean) && Arrays.equals(std, n.std);
    }

    @Override public int hashCode() { return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std); }

    @Override public String toString() { return "Normalization[mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + "]"; }
}
