package dev.sparkj.nn.models;

import java.util.Arrays;

/**
 * The shape of a ConvNeXt (SparK's {@code models/convnext.py}): channels and blocks of the 4 stages.
 *
 * @param dims            channels per stage, 4 entries
 * @param depths          blocks per stage, 4 entries
 * @param numClasses      classifier outputs (0 = no head: no {@code norm} / {@code fc})
 * @param dropPathRate    stochastic depth of the last block (linearly increasing from 0)
 * @param layerScaleInit  initial value of each block's γ (1e-6; 0 disables layer scale)
 */
public record ConvNeXtConfig(int[] dims, int[] depths, int numClasses, double dropPathRate, double layerScaleInit) {
    public ConvNeXtConfig {
        if (dims.length != 4 || depths.length != 4)
            throw new IllegalArgumentException("ConvNeXt needs 4 dims and 4 depths, got " + Arrays.toString(dims) + " / " + Arrays.toString(depths));
        for (int d : dims) if (d < 1) throw new IllegalArgumentException("dim " + d);
        for (int d : depths) if (d < 0) throw new IllegalArgumentException("depth " + d);
        dims = dims.clone();
        depths = depths.clone();
    }

    /** A preset: convnext_tiny, convnext_small, convnext_base or convnext_large (layer scale 1e-6). */
    public static ConvNeXtConfig preset(String name, int numClasses, double dropPathRate) {
        return switch (name) {
            case "convnext_tiny" -> new ConvNeXtConfig(new int[]{96, 192, 384, 768}, new int[]{3, 3, 9, 3}, numClasses, dropPathRate, 1e-6);
            case "convnext_small" -> new ConvNeXtConfig(new int[]{96, 192, 384, 768}, new int[]{3, 3, 27, 3}, numClasses, dropPathRate, 1e-6);
            case "convnext_base" -> new ConvNeXtConfig(new int[]{128, 256, 512, 1024}, new int[]{3, 3, 27, 3}, numClasses, dropPathRate, 1e-6);
            case "convnext_large" -> new ConvNeXtConfig(new int[]{192, 384, 768, 1536}, new int[]{3, 3, 27, 3}, numClasses, dropPathRate, 1e-6);
            default -> throw new IllegalArgumentException("unknown ConvNeXt '" + name + "' (convnext_tiny/small/base/large)");
        };
    }

    @Override public int[] dims() { return dims.clone(); }
    @Override public int[] depths() { return depths.clone(); }

    @Override
    public String toString() {
        return "ConvNeXt(dims " + Arrays.toString(dims) + ", depths " + Arrays.toString(depths) + ", classes " + numClasses
                + ", drop path " + dropPathRate + ", layer scale " + layerScaleInit + ")";
    }
}
