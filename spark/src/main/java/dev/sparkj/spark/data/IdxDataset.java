package dev.sparkj.spark.data;

import dev.sparkj.tensor.DType;
import dev.sparkj.tensor.Tensor;
import dev.sparkj.tensor.io.IdxReader;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * MNIST-style greyscale images held in memory (an IDX {@code [N,H,W]} u8 tensor, optional
 * {@code [N]} labels) as a dataset of RGB images: each grey value {@code v} becomes {@code v / 255}
 * on all three channels. Because SparK needs sides that are multiples of the encoder's stride (32),
 * a {@link Fit} option brings e.g. 28x28 up to 32x32.
 */
public final class IdxDataset implements ImageDataset {

    /** How images are brought to a side that is a multiple of {@code multiple}. */
    public enum Fit {
        /** Leave the size as stored. */
        NONE,
        /** Zero-pad (black, as MNIST backgrounds) around the centre: 28 -> 32 adds 2 pixels each side. */
        PAD,
        /** Bicubic resize (PIL convention) to the next multiple: 28 -> 32 stretches by 8/7. */
        RESIZE
    }

    private final String name;
    private final byte[] pixels;   // [N, H, W]
    private final int n, h, w;
    private final int[] labels;    // null when unlabelled
    private final Fit fit;
    private final int outH, outW;
    private final List<String> classes;

    /**
     * Wraps tensors: {@code images} u8 {@code [N,H,W]}, {@code labels} integer {@code [N]} or null.
     * {@code multiple} is the side granularity for {@code fit} (32 for SparK).
     */
    public IdxDataset(String name, Tensor images, Tensor labels, Fit fit, int multiple, List<String> classes) {
        if (images.rank() != 3) throw new IllegalArgumentException(name + ": images must be [N,H,W], got rank " + images.rank());
        if (images.dtype() != DType.U8) throw new IllegalArgumentException(name + ": images must be u8, got " + images.dtype());
        this.name = name;
        this.n = images.shape(0);
        this.h = images.shape(1);
        this.w = images.shape(2);
        this.pixels = images.toByteArray();
        if (labels != null) {
            if (labels.rank() != 1 || labels.shape(0) != n)
                throw new IllegalArgumentException(name + ": labels must be [" + n + "], got " + java.util.Arrays.toString(labels.shape()));
            long[] l = labels.cast(DType.I64).toLongArray();
            this.labels = new int[n];
            for (int i = 0; i < n; i++) this.labels[i] = (int) l[i];
        } else {
            this.labels = null;
        }
        this.fit = fit;
        if (multiple <= 0) throw new IllegalArgumentException("multiple " + multiple);
        this.outH = fit == Fit.NONE ? h : ceil(h, multiple);
        this.outW = fit == Fit.NONE ? w : ceil(w, multiple);
        this.classes = List.copyOf(classes);
    }

    /** Reads an IDX image file and, if not null, its label file (plain or .gz). */
    public static IdxDataset read(Path images, Path labels, Fit fit, int multiple, List<String> classes) throws IOException {
        return new IdxDataset(images.getFileName().toString(), IdxReader.read(images),
                labels == null ? null : IdxReader.read(labels), fit, multiple, classes);
    }

    private static int ceil(int v, int m) { return (v + m - 1) / m * m; }

    /** Output height after fitting. */
    public int height() { return outH; }

    /** Output width after fitting. */
    public int width() { return outW; }

    public Fit fit() { return fit; }

    @Override public int size() { return n; }

    @Override public FloatImage load(int index) {
        java.util.Objects.checkIndex(index, n);
        int plane = h * w;
        float[] grey = new float[plane];
        for (int i = 0; i < plane; i++) grey[i] = (pixels[index * plane + i] & 0xff) * (1f / 255f);
        FloatImage g = new FloatImage(grey, 1, h, w);
        if (outH != h || outW != w) g = fit == Fit.PAD ? Pad.center(g, outH, outW) : Resize.resize(g, outH, outW, Resampling.BICUBIC_PIL);
        int p = outH * outW;
        float[] rgb = new float[3 * p];
        for (int c = 0; c < 3; c++) System.arraycopy(g.data(), 0, rgb, c * p, p);
        return new FloatImage(rgb, 3, outH, outW);
    }

    @Override public String describe(int index) { return name + "[" + index + "]"; }

    @Override public int label(int index) { return labels == null ? -1 : labels[index]; }

    @Override public List<String> classes() { return classes; }

    @Override public String toString() {
        return "IdxDataset[" + name + ", " + n + " x " + h + "x" + w + " -> " + outH + "x" + outW + " (" + fit + ")]";
    }
}
