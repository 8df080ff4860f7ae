package dev.sparkj.nn.models;

import dev.sparkj.nn.BatchNorm2d;
import dev.sparkj.nn.Conv2d;
import dev.sparkj.nn.DropPath;
import dev.sparkj.nn.FeatureMaps;
import dev.sparkj.nn.ReLU;
import dev.sparkj.nn.Sequential;
import dev.sparkj.sparse.FeatureMap;
import dev.sparkj.tensor.Rng;

/**
 * timm's {@code BasicBlock} (ResNet-18/34): conv1 3x3 (stride) → bn1 → act1 → conv2 3x3 → bn2 →
 * drop_path, plus the shortcut (identity or {@code downsample} = 1x1 conv with the stride + BN), then act2.
 * Keys: {@code conv1, bn1, conv2, bn2, downsample.0, downsample.1}.
 */
public final class BasicBlock extends ResNetBlock {
    /** Output channels = planes × expansion. */
    public static final int EXPANSION = 1;

    private final Conv2d conv1, conv2;
    private final BatchNorm2d bn1, bn2;
    private final ReLU act1, act2;
    private final Sequential downsample;
    private final DropPath dropPath;

    /** @param downsample the shortcut projection, or null for identity; dropPath may be null */
    public BasicBlock(int inplanes, int planes, int stride, Sequential downsample, DropPath dropPath) {
        conv1 = child("conv1", new Conv2d(inplanes, planes, 3, stride, 1, false, (Rng) null));
        bn1 = child("bn1", new BatchNorm2d(planes));
        act1 = child("act1", new ReLU());
        conv2 = child("conv2", new Conv2d(planes, planes * EXPANSION, 3, 1, 1, false, (Rng) null));
        bn2 = child("bn2", new BatchNorm2d(planes * EXPANSION));
        act2 = child("act2", new ReLU());
        this.downsample = downsample == null ? null : child("downsample", downsample);
        this.dropPath = dropPath == null ? null : child("drop_path", dropPath);
    }

    @Override
    public FeatureMap forward(FeatureMap x) {
        FeatureMap shortcut = x;
        // BatchNorm outputs are evicted after their last reader (as in Bottleneck)
        FeatureMap y = bn1.forwardThen(conv1.forward(x), act1);
        y = bn2.forward(FeatureMaps.evictConsumed(y, conv2.forward(y)));
        if (dropPath != null) y = dropPath.forward(y);
        if (downsample != null) shortcut = downsample.forward(shortcut);
        FeatureMap sum = FeatureMaps.evictConsumed(y, FeatureMaps.add(y, shortcut));
        if (shortcut != x) FeatureMaps.evictConsumed(shortcut, sum);
        return FeatureMaps.releaseConsumed(sum, act2.forward(sum)); // the activation keeps its output, not the sum
    }

    @Override
    public BatchNorm2d lastNorm() { return bn2; }
}
