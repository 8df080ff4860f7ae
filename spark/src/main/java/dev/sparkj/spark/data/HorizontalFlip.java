package dev.sparkj.spark.data;

import dev.sparkj.tensor.Rng;

/** Mirrors the image left-right with probability p (one uniform draw per sample, flip when it is below p). */
public record HorizontalFlip(double p) implements Transform {
    @Override public FloatImage apply(FloatImage img, Rng rng) {
        if (!(rng.nextDouble() < p)) return img;
        return flip(img);
    }

    /** Mirrors in place and returns the image. */
    public static FloatImage flip(FloatImage img) {
        float[] d = img.data();
        int w = img.width();
        for (int row = 0; row < img.channels() * img.height(); row++) {
            for (int i = row * w, j = i + w - 1; i < j; i++, j--) {
                float t = d[i]; d[i] = d[j]; d[j] = t;
            }
        }
        return img;
    }
}
