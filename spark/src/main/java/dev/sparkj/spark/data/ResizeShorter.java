package dev.sparkj.spark.data;

import dev.sparkj.tensor.Rng;

/**
 * Resizes so the shorter side becomes {@code size}, keeping the aspect ratio as torchvision's
 * {@code Resize(int)} does: the longer side becomes {@code floor(size * long / short)}.
 */
public record ResizeShorter(int size, Resampling resampling) implements Transform {
    @Override public FloatImage apply(FloatImage img, Rng rng) {
        int h = img.height(), w = img.width();
        int outH, outW;
        if (w <= h) {
            outW = size;
            outH = (int) ((long) size * h / w);
        } else {
            outH = size;
            outW = (int) ((long) size * w / h);
        }
        if (outH == h && outW == w) return img;
        return Resize.resize(img, outH, outW, resampling);
    }
}
