package dev.sparkj.spark.train;

import dev.sparkj.spark.data.FloatImage;
import dev.sparkj.spark.data.ImageDataset;
import dev.sparkj.spark.data.ImageDecodeException;
import dev.sparkj.spark.data.Normalization;
import dev.sparkj.spark.data.Transform;
import dev.sparkj.spark.model.SparK;
import dev.sparkj.spark.vis.Reconstructions;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;

/** Draws SparK reconstruction pictures: a fixed batch of images, a mask, the model's output in four columns. */
public final class Reconstruction {
    private Reconstruction() {}

    /**
     * The first {@code count} readable images of {@code data} through {@code view} (a deterministic transform),
     * as {@code [n, 3, H, W]}; null when none is readable.
     */
    public static Tensor firstImages(ImageDataset data, int count, Transform view) {
        int n = 0;
        float[] buf = null;
        int per = 0, c = 0, h = 0, w = 0;
        for (int i = 0; i < data.size() && n < count; i++) {
            FloatImage img;
            try {
                img = view.apply(data.load(i), new Rng(0));
            } catch (ImageDecodeException e) {
                continue;
            }
            if (buf == null) {
                c = img.channels(); h = img.height(); w = img.width(); per = img.numel();
                buf = new float[count * per];
            }
            System.arraycopy(img.data(), 0, buf, n * per, per);
            n++;
        }
        if (n == 0) return null;
        return Tensor.of(java.util.Arrays.copyOf(buf, n * per), n, c, h, w);
    }

    /**
     * Runs {@link SparK#visualize} (call it with the model in eval mode) and writes the grid
     * original | masked | reconstruction | reconstruction with visible patches pasted back.
     */
    public static void write(Path file, SparK model, Tensor images, Tensor active, Normalization norm) throws IOException {
        SparK.Visual v = model.visualize(images, active);
        Reconstructions.writePng(file, v.input(), v.masked(), v.reconstruction(), v.recOrInput(), norm, images.shape(0));
    }
}
