package dev.sparkj.spark.data;

import dev.sparkj.tensor.Rng;

/**
 * Crops a random area and aspect ratio and resizes it to {@code size x size}, following
 * torchvision's {@code RandomResizedCrop.get_params}: up to 10 attempts, each drawing an area
 * fraction uniformly in {@code scale} and an aspect ratio log-uniformly in {@code ratio}, giving
 * {@code w = round(sqrt(area * ratio))}, {@code h = round(sqrt(area / ratio))} (round half to even, as
 * Python); the first that fits is placed uniformly at random. If none fits, the fallback is a
 * centred crop of the whole image clamped to the ratio range. Random draws per attempt: area, ratio
 * (two doubles); on success the top row, then the left column (two ints). SparK pre-training uses
 * scale (0.67, 1), ratio (3/4, 4/3), bicubic.
 */
public record RandomResizedCrop(int size, double scaleMin, double scaleMax, double ratioMin, double ratioMax,
                                Resampling resampling) implements Transform {

    public RandomResizedCrop {
        if (size <= 0) throw new IllegalArgumentException("size " + size);
        if (!(0 < scaleMin && scaleMin <= scaleMax) || !(0 < ratioMin && ratioMin <= ratioMax))
            throw new IllegalArgumentException("scale (" + scaleMin + ", " + scaleMax + "), ratio (" + ratioMin + ", " + ratioMax + ") must be ordered and positive");
    }

    /** SparK's pre-training crop: scale (0.67, 1), ratio (3/4, 4/3). */
    public static RandomResizedCrop spark(int size, Resampling resampling) {
        return new RandomResizedCrop(size, 0.67, 1.0, 3.0 / 4.0, 4.0 / 3.0, resampling);
    }

    /** Draws the crop for an image of {@code height x width}. */
    public CropBox sample(int height, int width, Rng rng) {
        double area = (double) height * width;
        double logLo = Math.log(ratioMin), logHi = Math.log(ratioMax);
        for (int attempt = 0; attempt < 10; attempt++) {
            double target = area * (scaleMin + (scaleMax - scaleMin) * rng.nextDouble());
            double aspect = Math.exp(logLo + (logHi - logLo) * rng.nextDouble());
            int w = (int) Math.rint(Math.sqrt(target * aspect));
            int h = (int) Math.rint(Math.sqrt(target / aspect));
            if (0 < w && w <= width && 0 < h && h <= height) {
                int top = rng.nextInt(height - h + 1);
                int left = rng.nextInt(width - w + 1);
                return new CropBox(top, left, h, w);
            }
        }
        double inRatio = (double) width / height;
        int w, h;
        if (inRatio < ratioMin) {
            w = width;
            h = (int) Math.rint(w / ratioMin);
        } else if (inRatio > ratioMax) {
            h = height;
            w = (int) Math.rint(h * ratioMax);
        } else {
            w = width;
            h = height;
        }
        return new CropBox((height - h) / 2, (width - w) / 2, h, w);
    }

    @Override public FloatImage apply(FloatImage img, Rng rng) {
        CropBox b = sample(img.height(), img.width(), rng);
        return Resize.resizeRegion(img, b.top(), b.left(), b.height(), b.width(), size, size, resampling);
    }
}
