package dev.sparkj.spark.vis;

import dev.sparkj.spark.data.Normalization;
import dev.sparkj.tensor.Tensor;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A picture of image batches side by side: each column is one {@code [B,3,H,W]} tensor (normalised
 * with a dataset's mean/std), each row one sample. Values are de-normalised, clamped to [0, 1] and
 * rounded to 8 bits; small images are enlarged by an integer nearest-neighbour factor so that a
 * 32-pixel image is visible; cells are separated by thin grey lines; an optional header row carries
 * the column labels.
 *
 * <p>Layout (for tests and tools): cell size {@code scale*W x scale*H}, separator {@link #SEP} px
 * around and between cells, header {@link #HEADER} px when labelled. Cell (row r, column c) starts at
 * {@code x = SEP + c*(cellW+SEP)}, {@code y = header + SEP + r*(cellH+SEP)}.
 */
public final class ImageGrid {
    /** Separator width in pixels. */
    public static final int SEP = 2;
    /** Header height in pixels when columns are labelled. */
    public static final int HEADER = 20;
    /** Separator colour. */
    public static final Color SEP_COLOR = new Color(0x80, 0x80, 0x80);

    private final Normalization norm;
    private final List<String> labels = new ArrayList<>();
    private final List<float[]> columns = new ArrayList<>();
    private int b = -1, h, w;
    private int scale = 0, maxRows = Integer.MAX_VALUE;

    /** A grid de-normalising with {@code norm} (use {@link Normalization#IDENTITY} for [0,1] images). */
    public ImageGrid(Normalization norm) { this.norm = norm; }

    /** Adds a column; all columns must share one shape {@code [B,3,H,W]}. A null label means no header text. */
    public ImageGrid column(String label, Tensor images) {
        int[] s = images.shape();
        if (s.length != 4 || s[1] != 3) throw new IllegalArgumentException("column must be [B,3,H,W], got " + java.util.Arrays.toString(s));
        if (b >= 0 && (s[0] != b || s[2] != h || s[3] != w))
            throw new IllegalArgumentException("column shapes differ: " + java.util.Arrays.toString(s) + " vs [" + b + ",3," + h + "," + w + "]");
        b = s[0]; h = s[2]; w = s[3];
        labels.add(label);
        columns.add(images.toFloatArray());
        return this;
    }

    /** Integer enlargement factor; default (0): the smallest that makes cells at least 96 px high. */
    public ImageGrid scale(int s) { this.scale = s; return this; }

    /** Shows at most this many samples (rows). */
    public ImageGrid maxRows(int n) { this.maxRows = n; return this; }

    /** The enlargement factor that will be used. */
    public int effectiveScale() { return scale > 0 ? scale : Math.max(1, (96 + h - 1) / h); }

    /** Renders the grid. */
    public BufferedImage render() {
        if (columns.isEmpty()) throw new IllegalStateException("no columns");
        int rows = Math.min(b, maxRows), cols = columns.size(), s = effectiveScale();
        int cw = w * s, ch = h * s;
        boolean header = labels.stream().anyMatch(l -> l != null && !l.isEmpty());
        int top = header ? HEADER : 0;
        int width = SEP + cols * (cw + SEP), height = top + SEP + rows * (ch + SEP);
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, top);
            g.setColor(SEP_COLOR);
            g.fillRect(0, top, width, height - top);
            if (header) {
                g.setColor(Color.BLACK);
                for (int c = 0; c < cols; c++)
                    if (labels.get(c) != null) Text.centred(g, labels.get(c), SEP + c * (cw + SEP) + cw / 2, top - 6, 13, Font.PLAIN);
            }
        } finally {
            g.dispose();
        }
        int plane = h * w;
        int[] row = new int[cw];
        for (int c = 0; c < cols; c++) {
            float[] d = columns.get(c);
            int x0 = SEP + c * (cw + SEP);
            for (int r = 0; r < rows; r++) {
                int y0 = top + SEP + r * (ch + SEP), base = r * 3 * plane;
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        int p = base + y * w + x;
                        int rgb = (to8(norm.denormalize(d[p], 0)) << 16) | (to8(norm.denormalize(d[p + plane], 1)) << 8)
                                | to8(norm.denormalize(d[p + 2 * plane], 2));
                        for (int k = 0; k < s; k++) row[x * s + k] = rgb;
                    }
                    for (int k = 0; k < s; k++) img.setRGB(x0, y0 + y * s + k, cw, 1, row, 0, cw);
                }
            }
        }
        return img;
    }

    /** Renders and writes a PNG. */
    public void writePng(Path file) throws IOException { Png.write(render(), file); }

    /** A [0,1] value to 8 bits: clamp, then round half up. NaN maps to 0. */
    public static int to8(float v) {
        if (!(v > 0)) return 0;
        if (v >= 1) return 255;
        return (int) (v * 255f + 0.5f);
    }
}
