package dev.sparkj.spark.data;

import dev.sparkj.tensor.Tensor;

/**
 * An image as a plain planar float array, the unit the data pipeline works on before a batch is
 * wrapped as a tensor: {@code data[(c * height + y) * width + x]}, i.e. logical shape {@code [C,H,W]}.
 * Decoded images have 3 channels (RGB) with values in [0, 1].
 */
public record FloatImage(float[] data, int channels, int height, int width) {
    public FloatImage {
        if (channels <= 0 || height <= 0 || width <= 0)
            throw new IllegalArgumentException("image shape [" + channels + "," + height + "," + width + "] must be positive");
        if (data.length != (long) channels * height * width)
            throw new IllegalArgumentException("image data has " + data.length + " values, shape [" + channels + ","
                    + height + "," + width + "] needs " + (long) channels * height * width);
    }

    /** A zero (black) image. */
    public static FloatImage zeros(int channels, int height, int width) {
        return new FloatImage(new float[channels * height * width], channels, height, width);
    }

    /** Copies a {@code [C,H,W]} tensor (any dtype; U8 is not rescaled). */
    public static FloatImage of(Tensor t) {
        if (t.rank() != 3) throw new IllegalArgumentException("expected [C,H,W], got rank " + t.rank());
        return new FloatImage(t.cast(dev.sparkj.tensor.DType.F32).toFloatArray(), t.shape(0), t.shape(1), t.shape(2));
    }

    /** Value at channel c, row y, column x. */
    public float get(int c, int y, int x) { return data[(c * height + y) * width + x]; }

    public void set(int c, int y, int x, float v) { data[(c * height + y) * width + x] = v; }

    /** Number of values, {@code C*H*W}. */
    public int numel() { return data.length; }

    /** Wraps (no copy) as an F32 tensor {@code [C,H,W]}. */
    public Tensor toTensor() { return Tensor.of(data, channels, height, width); }

    @Override public String toString() { return "FloatImage[" + channels + "," + height + "," + width + "]"; }
}
