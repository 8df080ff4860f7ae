package dev.sparkj.spark.data;

/**
 * How images are resized. Both are bicubic and separable (rows first, then columns); they differ
 * the way the two libraries the reference may run on differ:
 * <ul>
 *   <li>{@link #BICUBIC_TORCH}: {@code torch.nn.functional.interpolate(mode="bicubic",
 *   align_corners=False, antialias=False)}, what torchvision applies to tensors by default. Kernel
 *   parameter a = -0.75, source coordinate {@code (x + 0.5) * in/out - 0.5}, four taps with the
 *   border pixel repeated, no anti-aliasing (downscaling by more than 2x aliases), no clamping.</li>
 *   <li>{@link #BICUBIC_PIL}: PIL's {@code Image.resize(..., BICUBIC)}, what the SparK reference uses
 *   (its datasets yield PIL images). Kernel a = -0.5; when shrinking by a factor s the kernel is
 *   stretched by s (anti-aliasing, 4s taps); weights are normalised over the taps that fall inside
 *   the image; results are clamped to [0, 1] as PIL's 8-bit output is (but not quantised).</li>
 * </ul>
 */
public enum Resampling {
    BICUBIC_TORCH(-0.75, false),
    BICUBIC_PIL(-0.5, true);

    private final double a;
    private final boolean antialias;

    Resampling(double a, boolean antialias) {
        this.a = a;
        this.antialias = antialias;
    }

    /** The cubic convolution parameter a. */
    public double a() { return a; }

    /** Whether the kernel widens when shrinking (PIL-style anti-aliasing). */
    public boolean antialias() { return antialias; }

    /** The cubic convolution kernel with parameter a (Keys 1981), support [-2, 2]. */
    public static double cubic(double x, double a) {
        x = Math.abs(x);
        if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
        if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
        return 0;
    }
}
