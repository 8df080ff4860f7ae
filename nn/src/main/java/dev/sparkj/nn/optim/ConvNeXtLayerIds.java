package dev.sparkj.nn.optim;

/**
 * Layer ids of a ConvNeXt for layer-wise lr decay, as the reference fine-tuning code assigns them:
 * {@code N = 12} when stage 2 has more than 9 blocks, else 6; stem ({@code downsample_layers.0}) 0,
 * stages 0 and 1 → 1 and 2, downsample layers 1 and 2 → 2 and 3, stage 2 → {@code 3 + block / 3},
 * stage 3 and its downsample layer → N, everything else (final norm, head) → N + 1.
 */
final class ConvNeXtLayerIds implements LayerIds {
    private final int n;

    ConvNeXtLayerIds(int stage2Blocks) {
        this.n = stage2Blocks > 9 ? 12 : 6;
    }

    @Override
    public int layerId(String name) {
        String[] parts = name.split("\\.");
        if (name.startsWith("downsample_layers")) {
            int stage = Integer.parseInt(parts[1]);
            if (stage == 0) return 0;
            if (stage == 1 || stage == 2) return stage + 1;
            return n;
        }
        if (name.startsWith("stages")) {
            int stage = Integer.parseInt(parts[1]);
            int block = Integer.parseInt(parts[2]);
            if (stage == 0 || stage == 1) return stage + 1;
            if (stage == 2) return 3 + block / 3;
            return n;
        }
        return n + 1;
    }

    @Override public int maxLayerId() { return n; }
}
