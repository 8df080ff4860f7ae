package dev.sparkj.tensor.cpu;

import dev.sparkj.tensor.Conv2dSpec;

/**
 * Every size of one 2-D convolution: input {@code [N, C, H, W]}, weight {@code [O, C/G, KH, KW]},
 * output {@code [N, O, HO, WO]}, with stride, padding, dilation and G groups.
 */
record ConvGeometry(int n, int c, int h, int w, int o, int kh, int kw, int ho, int wo,
                    int sh, int sw, int ph, int pw, int dh, int dw, int groups) {

    static ConvGeometry of(int[] x, int[] weight, int[] y, Conv2dSpec s) {
        return new ConvGeometry(x[0], x[1], x[2], x[3], weight[0], weight[2], weight[3], y[2], y[3],
                s.strideH(), s.strideW(), s.padH(), s.padW(), s.dilationH(), s.dilationW(), s.groups());
    }

    /** Input channels per group. */
    int cg() { return c / groups; }

    /** Output channels per group. */
    int og() { return o / groups; }

    /** Columns of one group's im2col row: KH * KW * C/G. */
    int k() { return kh * kw * cg(); }

    /** A 1x1 convolution with stride 1 and no padding: one GEMM over the pixels. */
    boolean pointwise() { return kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0; }

    /** One filter per channel (ConvNeXt's 7x7). */
    boolean depthwise() { return groups == c && groups == o; }

    /** Multiply-adds of the forward pass. */
    long macs() { return (long) n * ho * wo * o * k(); }
}
