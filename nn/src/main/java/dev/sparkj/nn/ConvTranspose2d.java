package dev.sparkj.nn;

import dev.sparkj.autograd.F;
import dev.sparkj.autograd.Variable;
import dev.sparkj.tensor.Conv2dSpec;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;

/**
 * Transposed 2-D convolution (PyTorch's {@code nn.ConvTranspose2d}, the adjoint of Conv2d): input
 * {@code [N, C, H, W]}, weight in PyTorch's layout {@code [C, O/groups, KH, KW]}, optional bias
 * {@code [O]}, output {@code [N, O, (H-1)·s - 2p + d·(K-1) + outputPadding + 1, ...]}.
 */
public final class ConvTranspose2d extends Module implements ImageLayer {
    private final int inChannels, outChannels, kernelH, kernelW, outputPadH, outputPadW;
    private final Conv2dSpec spec;

    /** @param rng PyTorch's default initialisation from this generator; null leaves zeros for the owner to set */
    public ConvTranspose2d(int in, int out, int kernelH, int kernelW, Conv2dSpec spec, int outputPadH, int outputPadW,
                           boolean bias, Rng rng) {
        if (in % spec.groups() != 0 || out % spec.groups() != 0)
            throw new IllegalArgumentException("ConvTranspose2d " + in + "->" + out + ": channels not divisible by groups " + spec.groups());
        this.inChannels = in;
        this.outChannels = out;
        this.kernelH = kernelH;
        this.kernelW = kernelW;
        this.outputPadH = outputPadH;
        this.outputPadW = outputPadW;
        this.spec = spec;
        Variable w = param("weight", Tensor.zeros(in, out / spec.groups(), kernelH, kernelW));
        Variable b = bias ? param("bias", Tensor.zeros(out)) : null;
        if (rng != null) Init.pytorchDefault(w, b, rng);
    }

    /** Square kernel, stride and padding; no output padding, dilation or groups. */
    public ConvTranspose2d(int in, int out, int kernel, int stride, int padding, boolean bias, Rng rng) {
        this(in, out, kernel, kernel, Conv2dSpec.of(stride, padding, 1), 0, 0, bias, rng);
    }

    /** {@code [N, C, H, W] -> [N, O, HO, WO]}. */
    @Override
    public Variable forward(Variable x) {
        return F.convTranspose2d(x, weight(), bias(), spec, outputPadH, outputPadW);
    }

    public Variable weight() { return param("weight"); }

    /** The bias, or null. */
    public Variable bias() { return paramOrNull("bias"); }

    public Conv2dSpec spec() { return spec; }

    @Override
    protected String extraRepr() {
        return inChannels + "->" + outChannels + ", k" + kernelH + "x" + kernelW + " s" + spec.strideH() + " p" + spec.padH()
                + (bias() == null ? ", no bias" : "");
    }
}
