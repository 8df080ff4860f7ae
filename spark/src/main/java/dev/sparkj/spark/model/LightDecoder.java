package dev.sparkj.spark.model;

import dev.sparkj.autograd.F;
import dev.sparkj.autograd.Variable;
import dev.sparkj.nn.BatchNorm2d;
import dev.sparkj.nn.Conv2d;
import dev.sparkj.nn.ConvTranspose2d;
import dev.sparkj.nn.Init;
import dev.sparkj.nn.Module;
import dev.sparkj.nn.ModuleList;
import dev.sparkj.nn.Sequential;
import dev.sparkj.tensor.Rng;

import java.util.List;

/**
 * SparK's UNet-style light decoder (spark-semantics.md §4): {@code log2(p)} up-sampling blocks with
 * widths {@code d, d/2, ..., d/2^n}, the densified encoder maps added before the first blocks, then a
 * 1x1 projection to RGB. Keys: {@code dec.i.*}, {@code proj.*}.
 */
public final class LightDecoder extends Module {
    private final int width;
    private final ModuleList<UNetBlock> dec = child("dec", new ModuleList<>());
    private final Conv2d proj;

    /**
     * @param upSampleRatio the encoder's downsample ratio (a power of two)
     * @param width         the decoder width {@code d} (768 in the paper)
     */
    public LightDecoder(int upSampleRatio, int width, Rng rng) {
        if (Integer.bitCount(upSampleRatio) != 1) throw new IllegalArgumentException("decoder up-sample ratio must be a power of two, got " + upSampleRatio);
        int n = Integer.numberOfTrailingZeros(upSampleRatio);
        if (width >> n < 1) throw new IllegalArgumentException("decoder width " + width + " is too small to halve " + n + " times");
        this.width = width;
        for (int i = 0; i < n; i++) dec.add(new UNetBlock(width >> i, width >> (i + 1), rng));
        proj = child("proj", new Conv2d(width >> n, 3, 1, 1, 0, true, rng));
        initialize(rng);
    }

    /** The reference's init: convs truncated normal std 0.02 (bounds ±2) with zero bias, transposed convs kaiming normal (fan_out), norms 1/0. */
    private void initialize(Rng rng) {
        for (Module m : namedModules().values()) {
            if (m instanceof Conv2d c) {
                Init.truncNormal(c.weight(), 0.02, rng);
                if (c.bias() != null) Init.zeros(c.bias());
            } else if (m instanceof ConvTranspose2d t) {
                Init.kaimingNormalRelu(t.weight(), Init.FanMode.FAN_OUT, rng);
                if (t.bias() != null) Init.zeros(t.bias());
            } else if (m instanceof BatchNorm2d b) {
                Init.ones(b.weight());
                Init.zeros(b.bias());
            }
        }
    }

    public int width() { return width; }

    /** Number of up-sampling blocks. */
    public int depth() { return dec.size(); }

    /**
     * Decodes the densified maps, smallest first ({@code toDec.get(i)} has width {@code d/2^i}, or is null).
     * Returns the reconstruction {@code [N, 3, H, W]}.
     */
    public Variable forward(List<Variable> toDec) {
        Variable x = null;
        for (int i = 0; i < dec.size(); i++) {
            // a block's BatchNorm output is read once here (by the add, the next block or the projection), then
            // evicted if it can be recomputed (Sequential.evictConsumed)
            if (i < toDec.size() && toDec.get(i) != null)
                x = x == null ? toDec.get(i) : Sequential.evictConsumed(x, F.add(x, toDec.get(i)));
            if (x == null) throw new IllegalArgumentException("the decoder's first input is missing");
            x = i == 0 ? dec.get(i).forward(x) : Sequential.evictConsumed(x, dec.get(i).forward(x));
        }
        return Sequential.evictConsumed(x, proj.forward(x));
    }
}
