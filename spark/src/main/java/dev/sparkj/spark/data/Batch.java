package dev.sparkj.spark.data;

import dev.sparkj.tensor.Tensor;

/**
 * One batch from the {@link DataLoader}: {@code images} F32 {@code [B,3,H,W]} (transformed,
 * normalised), the dataset indices of its samples, their labels (-1 when unlabelled), and how many
 * samples of this batch were skipped as unreadable (B is smaller by that many).
 */
public record Batch(Tensor images, int[] indices, int[] labels, int epoch, int number, int skipped) {
    /** Number of images, B. */
    public int size() { return indices.length; }
}
