package dev.sparkj.spark.data;

/** Zero padding of planar images. */
public final class Pad {
    private Pad() {}

    /**
     * Pads with zeros to {@code outH x outW}, centring the image: {@code (outH - H) / 2} rows on top
     * (rounded down), the rest at the bottom; likewise left/right.
     */
    public static FloatImage center(FloatImage img, int outH, int outW) {
        int C = img.channels(), H = img.height(), W = img.width();
        if (outH < H || outW < W) throw new IllegalArgumentException("cannot pad " + img + " to " + outH + "x" + outW);
        int top = (outH - H) / 2, left = (outW - W) / 2;
        float[] out = new float[C * outH * outW];
        for (int c = 0; c < C; c++)
            for (int y = 0; y < H; y++)
                System.arraycopy(img.data(), (c * H + y) * W, out, (c * outH + top + y) * outW + left, W);
        return new FloatImage(out, C, outH, outW);
    }
}
