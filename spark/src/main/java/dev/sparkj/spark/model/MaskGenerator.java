package dev.sparkj.spark.model;

import dev.sparkj.tensor.DType;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;

/**
 * SparK's random patch masks: in every image the same number of patches, {@code len_keep}, stays
 * visible, chosen by a uniform random permutation of the {@code h × w} patch grid
 * (spark-semantics.md §1).
 */
public final class MaskGenerator {
    private final int h, w, lenKeep;

    /**
     * @param h         patch rows (input height / patch size)
     * @param w         patch columns
     * @param maskRatio fraction of patches hidden, in [0, 1)
     */
    public MaskGenerator(int h, int w, double maskRatio) {
        if (h < 1 || w < 1) throw new IllegalArgumentException("mask grid must be at least 1x1, got " + h + "x" + w);
        if (!(maskRatio >= 0 && maskRatio < 1)) throw new IllegalArgumentException("mask ratio must be in [0, 1), got " + maskRatio);
        this.h = h;
        this.w = w;
        this.lenKeep = lenKeep(h * w, maskRatio);
        if (lenKeep < 1)
            throw new IllegalArgumentException("mask ratio " + maskRatio + " on a " + h + "x" + w + " patch grid leaves no visible patch; use a larger input or a smaller ratio");
    }

    /**
     * Visible patches per image: {@code round(n · (1 - ratio))} with Python's rounding (halves to even),
     * as the reference computes it.
     */
    public static int lenKeep(int n, double maskRatio) {
        return (int) Math.rint(n * (1 - maskRatio));
    }

    public int lenKeep() { return lenKeep; }

    /** A {@code [B, 1, h, w]} BOOL mask, true = visible. */
    public Tensor sample(int batch, Rng rng) {
        byte[] m = new byte[batch * h * w];
        for (int b = 0; b < batch; b++) {
            int[] perm = rng.permutation(h * w);
            for (int i = 0; i < lenKeep; i++) m[b * h * w + perm[i]] = 1;
        }
        return Tensor.ofBytes(m, DType.BOOL, batch, 1, h, w);
    }
}
