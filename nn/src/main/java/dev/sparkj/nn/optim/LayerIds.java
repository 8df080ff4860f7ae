package dev.sparkj.nn.optim;

/**
 * Maps a parameter name to its depth for layer-wise lr decay (fine-tuning): layer 0 is the stem,
 * {@link #maxLayerId()} ({@code N}) the last stage, {@code N + 1} anything after the backbone (the head).
 * A parameter's lr scale is {@code decay^(N + 1 - layerId)}.
 */
public interface LayerIds {
    /** The depth of the named parameter, 0 .. N + 1. */
    int layerId(String paramName);

    /** {@code N}: the layer id of the last backbone stage. */
    int maxLayerId();

    /** The exponent of the decay for this parameter: {@code N + 1 - layerId}. */
    default int scaleExponent(String paramName) { return maxLayerId() + 1 - layerId(paramName); }

    /** The rule of the reference for timm ResNets, from the block counts of layer2 and layer3. */
    static LayerIds resnet(int layer2Blocks, int layer3Blocks) { return new ResNetLayerIds(layer2Blocks, layer3Blocks); }

    /** The rule of the reference for ConvNeXt, from the block count of its third stage ({@code stages.2}). */
    static LayerIds convnext(int stage2Blocks) { return new ConvNeXtLayerIds(stage2Blocks); }
}
