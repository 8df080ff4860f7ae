package dev.sparkj.nn.optim;

/**
 * Layer ids of a timm ResNet for layer-wise lr decay, as the reference fine-tuning code assigns them:
 * stem ({@code conv1}, {@code bn1}) 0, {@code layer1} 1, {@code layer2} and {@code layer3} in groups of
 * blocks, {@code layer4} {@code N}, {@code fc.} {@code N + 1}. ResNet-50 gives 0..7 with N = 6.
 */
final class ResNetLayerIds implements LayerIds {
    private final int blk2, blk3, n2, n;

    ResNetLayerIds(int l2, int l3) {
        // blocks per layer id in layer2 / layer3, per depth: 50 [3,4,6,3], 101 [3,4,23,3], 152 [3,8,36,3],
        // 200 [3,24,36,3], eca269d [3,30,48,8]
        if (l2 == 4 && (l3 == 6 || l3 == 23)) { blk2 = 2; blk3 = 3; }
        else if ((l2 == 8 || l2 == 24) && l3 == 36) { blk2 = 4; blk3 = 4; }
        else if (l2 == 30 && l3 == 48) { blk2 = 5; blk3 = 6; }
        else throw new IllegalArgumentException("no layer-decay rule for a ResNet with " + l2 + " blocks in layer2 and " + l3 + " in layer3");
        n2 = ceilDiv(l2, blk2);
        int n3 = ceilDiv(l3, blk3);
        n = 2 + n2 + n3;
    }

    /** The reference's {@code ceil(L / blk - 1e-5)}, which equals the integer ceiling for these sizes. */
    private static int ceilDiv(int a, int b) { return (a + b - 1) / b; }

    @Override
    public int layerId(String name) {
        if (name.startsWith("layer")) {
            String[] parts = name.split("\\.");
            int stage = Integer.parseInt(parts[0].substring(5));
            int block = Integer.parseInt(parts[1]);
            return switch (stage) {
                case 1 -> 1;
                case 2 -> 2 + block / blk2;
                case 3 -> 2 + n2 + block / blk3;
                default -> n;
            };
        }
        if (name.startsWith("fc.")) return n + 1;
        return 0;
    }

    @Override public int maxLayerId() { return n; }
}
