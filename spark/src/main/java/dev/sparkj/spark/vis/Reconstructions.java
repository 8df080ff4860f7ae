package dev.sparkj.spark.vis;

import dev.sparkj.spark.data.Normalization;
import dev.sparkj.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The SparK reconstruction picture (spark-semantics.md §6): one row per image with the columns
 * original | masked | reconstruction | reconstruction with the visible patches pasted back, all
 * {@code [B,3,H,W]} in the dataset's normalised space and de-normalised with its mean/std.
 */
public final class Reconstructions {
    private Reconstructions() {}

    /** Column labels, left to right. */
    public static final String[] LABELS = {"original", "masked", "reconstruction", "rec + visible"};

    /** Builds the grid (at most {@code maxRows} rows; scale chosen automatically). */
    public static ImageGrid grid(Tensor original, Tensor masked, Tensor reconstruction, Tensor recOrInput,
                                 Normalization norm, int maxRows) {
        return new ImageGrid(norm).maxRows(maxRows)
                .column(LABELS[0], original).column(LABELS[1], masked)
                .column(LABELS[2], reconstruction).column(LABELS[3], recOrInput);
    }

    /** Writes the picture as a PNG. */
    public static void writePng(Path file, Tensor original, Tensor masked, Tensor reconstruction, Tensor recOrInput,
                                Normalization norm, int maxRows) throws IOException {
        grid(original, masked, reconstruction, recOrInput, norm, maxRows).writePng(file);
    }
}
