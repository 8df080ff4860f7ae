package dev.sparkj.spark.data;

import dev.sparkj.tensor.Rng;

/**
 * Takes the central {@code height x width} region as torchvision's {@code CenterCrop}: the offset is
 * {@code round((H - h) / 2)} (half to even); an image smaller than the crop is first zero-padded,
 * with the odd pixel of padding going to the bottom/right.
 */
public record CenterCrop(int height, int width) implements Transform {
    public CenterCrop(int size) { this(size, size); }

    @Override public FloatImage apply(FloatImage img, Rng rng) {
        if (img.height() < height || img.width() < width) img = Pad.center(img, Math.max(height, img.height()), Math.max(width, img.width()));
        if (img.height() == height && img.width() == width) return img;
        int top = (int) Math.rint((img.height() - height) / 2.0);
        int left = (int) Math.rint((img.width() - width) / 2.0);
        return Resize.crop(img, top, left, height, width);
    }
}
