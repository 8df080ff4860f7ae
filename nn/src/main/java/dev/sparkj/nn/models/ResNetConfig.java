package dev.sparkj.nn.models;

import java.util.Arrays;

/**
 * The shape of a timm ResNet: block type, blocks per stage, and channels {@code [stem width, planes of
 * stage 1..4]} (a Bottleneck stage outputs planes × 4), as in a golden fixture's {@code arch}.
 *
 * @param bottleneck   Bottleneck blocks (ResNet-26/50/...) rather than BasicBlocks (ResNet-18/34)
 * @param layers       blocks per stage, 4 entries
 * @param channels     stem width then the planes of the 4 stages, 5 entries
 * @param numClasses   classifier outputs (0 = no head)
 * @param dropPathRate stochastic depth of the last block (linearly increasing from 0 over all blocks)
 */
public record ResNetConfig(boolean bottleneck, int[] layers, int[] channels, int numClasses, double dropPathRate) {
    public ResNetConfig {
        if (layers.length != 4 || channels.length != 5)
            throw new IllegalArgumentException("ResNet needs 4 stage depths and 5 channel counts, got " + Arrays.toString(layers) + " / " + Arrays.toString(channels));
        for (int l : layers) if (l < 1) throw new IllegalArgumentException("stage depth " + l);
        for (int c : channels) if (c < 1) throw new IllegalArgumentException("channel count " + c);
        layers = layers.clone();
        channels = channels.clone();
    }

    /** The standard widths: stem 64, planes 64, 128, 256, 512. */
    public static final int[] STANDARD_CHANNELS = {64, 64, 128, 256, 512};

    /** A timm preset: resnet18, resnet26, resnet34, resnet50, resnet101, resnet152 or resnet200. */
    public static ResNetConfig preset(String name, int numClasses, double dropPathRate) {
        return switch (name) {
            case "resnet18" -> new ResNetConfig(false, new int[]{2, 2, 2, 2}, STANDARD_CHANNELS, numClasses, dropPathRate);
            case "resnet34" -> new ResNetConfig(false, new int[]{3, 4, 6, 3}, STANDARD_CHANNELS, numClasses, dropPathRate);
            case "resnet26" -> new ResNetConfig(true, new int[]{2, 2, 2, 2}, STANDARD_CHANNELS, numClasses, dropPathRate);
            case "resnet50" -> new ResNetConfig(true, new int[]{3, 4, 6, 3}, STANDARD_CHANNELS, numClasses, dropPathRate);
            case "resnet101" -> new ResNetConfig(true, new int[]{3, 4, 23, 3}, STANDARD_CHANNELS, numClasses, dropPathRate);
            case "resnet152" -> new ResNetConfig(true, new int[]{3, 8, 36, 3}, STANDARD_CHANNELS, numClasses, dropPathRate);
            case "resnet200" -> new ResNetConfig(true, new int[]{3, 24, 36, 3}, STANDARD_CHANNELS, numClasses, dropPathRate);
            default -> throw new IllegalArgumentException("unknown ResNet '" + name + "' (resnet18/26/34/50/101/152/200)");
        };
    }

    /** Block expansion: 4 for Bottleneck, 1 for BasicBlock. */
    public int expansion() { return bottleneck ? Bottleneck.EXPANSION : BasicBlock.EXPANSION; }

    /** Output channels of each stage. */
    public int[] stageChannels() {
        int[] c = new int[4];
        for (int i = 0; i < 4; i++) c[i] = channels[i + 1] * expansion();
        return c;
    }

    @Override public int[] layers() { return layers.clone(); }
    @Override public int[] channels() { return channels.clone(); }

    @Override
    public String toString() {
        return "ResNet(" + (bottleneck ? "bottleneck" : "basicblock") + ", layers " + Arrays.toString(layers) + ", channels "
                + Arrays.toString(channels) + ", classes " + numClasses + ", drop path " + dropPathRate + ")";
    }
}
