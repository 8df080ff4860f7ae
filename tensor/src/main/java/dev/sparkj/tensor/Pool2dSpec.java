package dev.sparkj.tensor;

/**
 * Geometry of a 2-D pooling window. Max pooling pads with -inf (as PyTorch); average pooling counts
 * padded zeros in the divisor ({@code count_include_pad=True}, PyTorch's default). No ceil mode.
 */
public record Pool2dSpec(int kernelH, int kernelW, int strideH, int strideW, int padH, int padW) {
    public Pool2dSpec {
        if (kernelH < 1 || kernelW < 1 || strideH < 1 || strideW < 1 || padH < 0 || padW < 0
                || 2 * padH > kernelH || 2 * padW > kernelW)
            throw new IllegalArgumentException("invalid pool geometry " + this);
    }

    public static Pool2dSpec of(int kernel, int stride, int pad) {
        return new Pool2dSpec(kernel, kernel, stride, stride, pad, pad);
    }

    public int outH(int h) { return (h + 2 * padH - kernelH) / strideH + 1; }
    public int outW(int w) { return (w + 2 * padW - kernelW) / strideW + 1; }
}
