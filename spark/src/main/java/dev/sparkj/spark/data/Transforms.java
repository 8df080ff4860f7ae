package dev.sparkj.spark.data;

/** The standard preprocessing pipelines (SparK pre-training and evaluation), built from the single steps. */
public final class Transforms {
    private Transforms() {}

    /**
     * SparK pre-training: RandomResizedCrop(size, scale (0.67, 1), ratio (3/4, 4/3), bicubic), horizontal
     * flip with p 0.5, normalise. Decoded images are already in [0, 1].
     */
    public static Transform pretrain(int size, Normalization norm, Resampling resampling) {
        return RandomResizedCrop.spark(size, resampling).then(new HorizontalFlip(0.5)).then(norm);
    }

    /** {@link #pretrain(int, Normalization, Resampling)} with PIL-style bicubic, as the reference. */
    public static Transform pretrain(int size, Normalization norm) {
        return pretrain(size, norm, Resampling.BICUBIC_PIL);
    }

    /**
     * Evaluation: resize the shorter side to {@code floor(size / cropPct)} (timm's rule), centre-crop
     * {@code size x size}, normalise. SparK fine-tuning evaluates with cropPct 0.95; 1.0 skips the margin.
     */
    public static Transform eval(int size, double cropPct, Normalization norm, Resampling resampling) {
        if (!(cropPct > 0 && cropPct <= 1)) throw new IllegalArgumentException("cropPct " + cropPct);
        int resize = (int) Math.floor(size / cropPct);
        return new ResizeShorter(resize, resampling).then(new CenterCrop(size)).then(norm);
    }
}
