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
 * timm's {@code Bottleneck} (ResNet-26/50/101/152/200): conv1 1x1 → bn1 → act1 → conv2 3x3 (carries the
 * stride) → bn2 → act2 → conv3 1x1 (to planes × 4) → bn3 → drop_path, plus the shortcut, then act3.
 * Keys: {@code conv1, bn1, conv2, bn2, conv3, bn3, downsample.0, downsample.1}.
 */
public final class Bottleneck extends ResNetBlock {
    /** Output channels = planes × expansion. */
    public static final int EXPANSION = 4;

    private final Conv2d conv1, conv2, conv3;
    private final BatchNorm2d bn1, bn2, bn3;
    private final ReLU act1, act2, act3;
    private final Sequential downsample;
    private final DropPath dropPath;

    /** @param downsample the shortcut projection, or null for identity; dropPath may be null */
    public Bottleneck(int inplanes, int planes, int stride, Sequential downsample, DropPath dropPath) {
        int out = planes * EXPANSION;
        conv1 = child("conv1", new Conv2d(inplanes, planes, 1, 1, 0, false, (Rng) null));
        bn1 = child("bn1", new BatchNorm2d(planes));
        act1 = child("act1", new ReLU());
        conv2 = child("conv2", new Conv2d(planes, planes, 3, stride, 1, false, (Rng) null));
        bn2 = child("bn2", new BatchNorm2d(planes));
        act2 = child("act2", new ReLU());
        conv3 = child("conv3", new Conv2d(planes, out, 1, 1, 0, false, (Rng) null));
        bn3 = child("bn3", new BatchNorm2d(out));
        act3 = child("act3", new ReLU());
        this.downsample = downsample == null ? null : child("downsample", downsample);
        this.dropPath = dropPath == null ? null : child("drop_path", dropPath);
    }

    @Override
    public FeatureMap forward(FeatureMap x) {
        FeatureMap shortcut = x;
        // each BatchNorm output is evicted once its last reader has run (FeatureMaps.evictConsumed): the next
        // convolution reads it recomputed in backward, the add does not keep it at all
        FeatureMap y = bn1.forwardThen(conv1.forward(x), act1);
        y = bn2.forwardThen(FeatureMaps.evictConsumed(y, conv2.forward(y)), act2);
        y = bn3.forward(FeatureMaps.evictConsumed(y, conv3.forward(y)));
        if (dropPath != null) y = dropPath.forward(y);
        if (downsample != null) shortcut = downsample.forward(shortcut);
        FeatureMap sum = FeatureMaps.evictConsumed(y, FeatureMaps.add(y, shortcut));
        if (shortcut != x) FeatureMaps.evictConsumed(shortcut, sum);
        return FeatureMaps.releaseConsumed(sum, act3.forward(sum)); // the activation keeps its output, not the sum
    }

    @Override
    public BatchNorm2d lastNorm() { return bn3; }
}
