package dev.sparkj.nn;

import dev.sparkj.autograd.Variable;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;

/**
 * Parameter initialisation (in place, seeded through {@link Rng}): timm's truncated normal, Kaiming
 * normal, constants, and PyTorch's default Conv2d / Linear initialisation.
 *
 * <p>Fans follow PyTorch's {@code _calculate_fan_in_and_fan_out}: for a weight
 * {@code [d0, d1, k...]}, fan_in = d1·∏k and fan_out = d0·∏k (so a Linear {@code [out, in]} has
 * fan_in = in, a Conv2d {@code [O, C/g, KH, KW]} has fan_in = C/g·KH·KW, and a ConvTranspose2d
 * {@code [C, O/g, KH, KW]} has fan_in = O/g·KH·KW as in PyTorch).
 */
public final class Init {
    private Init() {}

    /** Which fan Kaiming initialisation divides by. */
    public enum FanMode { FAN_IN, FAN_OUT }

    /** fan_in of a weight shape (at least 2-D). */
    public static int fanIn(int[] shape) {
        if (shape.length < 2) throw new IllegalArgumentException("fan in/out needs a tensor of rank >= 2");
        return shape[1] * receptive(shape);
    }

    /** fan_out of a weight shape (at least 2-D). */
    public static int fanOut(int[] shape) {
        if (shape.length < 2) throw new IllegalArgumentException("fan in/out needs a tensor of rank >= 2");
        return shape[0] * receptive(shape);
    }

    private static int receptive(int[] shape) {
        int r = 1;
        for (int i = 2; i < shape.length; i++) r *= shape[i];
        return r;
    }

    /** Overwrites the value of {@code p} with {@code values} (same shape). */
    public static void set(Variable p, Tensor values) {
        p.data().copyFrom(values);
    }

    /** Every element set to {@code value}. */
    public static void constant(Variable p, double value) { p.data().fill(value); }

    public static void zeros(Variable p) { constant(p, 0); }

    public static void ones(Variable p) { constant(p, 1); }

    /** Uniform in {@code [lo, hi)}. */
    public static void uniform(Variable p, double lo, double hi, Rng rng) {
        set(p, rng.uniform(lo, hi, p.data().shape()));
    }

    /** Normal with mean 0 and standard deviation {@code std}. */
    public static void normal(Variable p, double std, Rng rng) {
        set(p, rng.normal(0, std, p.data().shape()));
    }

    /**
     * timm's {@code trunc_normal_(p, std=std, a=lo, b=hi)}: normal with mean 0 and deviation {@code std}
     * restricted to the <em>absolute</em> bounds {@code [lo, hi]} (timm's defaults are ±2, i.e. not
     * ±2·std: with std 0.02 the default bounds cut nothing).
     */
    public static void truncNormal(Variable p, double std, double lo, double hi, Rng rng) {
        set(p, rng.truncatedNormal(0, std, lo, hi, p.data().shape()));
    }

    /** timm's {@code trunc_normal_(p, std=std)} with its default bounds ±2. */
    public static void truncNormal(Variable p, double std, Rng rng) { truncNormal(p, std, -2, 2, rng); }

    /** PyTorch's {@code kaiming_normal_(p, mode, nonlinearity='relu')}: std = sqrt(2 / fan). */
    public static void kaimingNormalRelu(Variable p, FanMode mode, Rng rng) {
        int[] s = p.data().shape();
        int fan = mode == FanMode.FAN_IN ? fanIn(s) : fanOut(s);
        normal(p, Math.sqrt(2.0 / fan), rng);
    }

    /**
     * PyTorch's default for Conv2d / ConvTranspose2d / Linear ({@code kaiming_uniform_(a=sqrt(5))} for the weight,
     * then the bias from the same fan): both uniform in {@code ±1/sqrt(fan_in)}. {@code bias} may be null.
     */
    public static void pytorchDefault(Variable weight, Variable bias, Rng rng) {
        double bound = 1 / Math.sqrt(fanIn(weight.data().shape()));
        uniform(weight, -bound, bound, rng);
        if (bias != null) uniform(bias, -bound, bound, rng);
    }
}
