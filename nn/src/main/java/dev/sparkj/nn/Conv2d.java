package dev.sparkj.nn;

import dev.sparkj.autograd.F;
import dev.sparkj.autograd.Variable;
import dev.sparkj.sparse.FeatureMap;
import dev.sparkj.sparse.SparseMap;
import dev.sparkj.sparse.SparseOps;
import dev.sparkj.tensor.Conv2dSpec;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;

/**
 * 2-D convolution (PyTorch's {@code nn.Conv2d}): input {@code [N, C, H, W]}, weight
 * {@code [O, C/groups, KH, KW]} (key {@code weight}), optional bias {@code [O]} (key {@code bias}),
 * output {@code [N, O, HO, WO]}. Groups = C = O gives a depthwise convolution.
 */
public final class Conv2d extends Module implements ImageLayer {
    private final int inChannels, outChannels, kernelH, kernelW;
    private final Conv2dSpec spec;

    /**
     * @param rng PyTorch's default initialisation (uniform ±1/sqrt(fan_in)) from this generator; null leaves
     *            the parameters at zero for an owner that initialises them itself
     */
    public Conv2d(int in, int out, int kernelH, int kernelW, Conv2dSpec spec, boolean bias, Rng rng) {
        if (in % spec.groups() != 0 || out % spec.groups() != 0)
            throw new IllegalArgumentException("Conv2d " + in + "->" + out + ": channels not divisible by groups " + spec.groups());
        this.inChannels = in;
        this.outChannels = out;
        this.kernelH = kernelH;
        this.kernelW = kernelW;
        this.spec = spec;
        Variable w = param("weight", Tensor.zeros(out, in / spec.groups(), kernelH, kernelW));
        Variable b = bias ? param("bias", Tensor.zeros(out)) : null;
        if (rng != null) Init.pytorchDefault(w, b, rng);
    }

    /** Square kernel, stride, padding, dilation and groups. */
    public Conv2d(int in, int out, int kernel, int stride, int padding, int dilation, int groups, boolean bias, Rng rng) {
        this(in, out, kernel, kernel, new Conv2dSpec(stride, stride, padding, padding, dilation, dilation, groups), bias, rng);
    }

    /** Square kernel, no dilation, one group. */
    public Conv2d(int in, int out, int kernel, int stride, int padding, boolean bias, Rng rng) {
        this(in, out, kernel, stride, padding, 1, 1, bias, rng);
    }

    /** {@code [N, C, H, W] -> [N, O, HO, WO]}. */
    @Override
    public Variable forward(Variable x) {
        return F.conv2d(x, weight(), bias(), spec);
    }

    public Variable weight() { return param("weight"); }

    /** The bias, or null. */
    public Variable bias() { return paramOrNull("bias"); }

    public Conv2dSpec spec() { return spec; }

    public int inChannels() { return inChannels; }

    public int outChannels() { return outChannels; }

    public int kernelH() { return kernelH; }

    public int kernelW() { return kernelW; }

    @Override
    protected String extraRepr() {
        String k = kernelH == kernelW ? "k" + kernelH : "k" + kernelH + "x" + kernelW;
        String s = spec.strideH() == spec.strideW() ? " s" + spec.strideH() : " s" + spec.strideH() + "x" + spec.strideW();
        String p = spec.padH() == spec.padW() ? " p" + spec.padH() : " p" + spec.padH() + "x" + spec.padW();
        String d = spec.dilationH() == 1 && spec.dilationW() == 1 ? "" : " d" + spec.dilationH() + "x" + spec.dilationW();
        String g = spec.groups() == 1 ? "" : " g" + spec.groups();
        return inChannels + "->" + outChannels + ", " + k + s + p + d + g + (bias() == null ? ", no bias" : "");
    }

    /** Sparse: the conv at the visible output positions only (same numbers as conv of the masked input, re-masked). */
    @Override
    public FeatureMap forwardSparse(SparseMap x) { return SparseOps.conv2d(x, weight(), bias(), spec, describe()); }
}
