package dev.sparkj.nn.models;

import dev.sparkj.sparse.FeatureMap;

import java.util.List;

/**
 * A CNN that SparK can pre-train: it names its total downsample ratio and the channels of each scale,
 * and returns one feature map per scale from a single forward. Implement it (on a
 * {@link dev.sparkj.nn.Module}) for your own CNN; write the forward with
 * {@link dev.sparkj.nn.ImageLayer}s on {@link FeatureMap}s so the same code runs dense and sparse.
 */
public interface HierarchicalEncoder {

    /** The input-to-last-map stride (32 for ResNet and ConvNeXt); SparK's patch size. */
    int downsampleRatio();

    /** Channels of each returned map, from the largest (finest) map to the smallest. */
    int[] featureChannels();

    /**
     * The feature maps of input {@code x} ({@code [N, 3, H, W]}), finest first: for ResNet layer1..layer4,
     * for ConvNeXt stages 0..3 (strides 4, 8, 16, 32).
     */
    List<FeatureMap> forwardFeatures(FeatureMap x);
}
