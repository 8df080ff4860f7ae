package dev.sparkj.tensor;

/**
 * Geometry of a 2-D convolution (cross-correlation, as PyTorch): stride, zero padding, dilation and groups.
 * Input {@code [N, C, H, W]}, weight {@code [O, C/groups, KH, KW]}, output {@code [N, O, HO, WO]}.
 */
public record Conv2dSpec(int strideH, int strideW, int padH, int padW, int dilationH, int dilationW, int groups) {
    public Conv2dSpec {
        if (strideH < 1 || strideW < 1 || dilationH < 1 || dilationW < 1 || groups < 1 || padH < 0 || padW < 0)
            throw new IllegalArgumentException("invalid conv geometry " + this);
    }

    /** Square stride / padding, no dilation. */
    public static Conv2dSpec of(int stride, int pad, int groups) {
        return new Conv2dSpec(stride, stride, pad, pad, 1, 1, groups);
    }

    public int outH(int h, int kh) { return (h + 2 * padH - dilationH * (kh - 1) - 1) / strideH + 1; }
    public int outW(int w, int kw) { return (w + 2 * padW - dilationW * (kw - 1) - 1) / strideW + 1; }
}
