package dev.sparkj.sparse;

import dev.sparkj.tensor.Tensor;
import dev.sparkj.tensor.cpu.Parallel;

/**
 * The neighbour table of one window geometry (convolution or pooling) on one mask: for every output
 * row of the output layout and every kernel tap {@code k = ky * kw + kx}, the input row the tap reads,
 * {@link #MASKED} when that position is inside the image but masked (reads as zero), or
 * {@link #OUTSIDE} when it falls in the image padding. Built once per mask and geometry
 * ({@link ActiveMask#table}); the index tensors for gathers are made on first use.
 *
 * <p>Only "same"-style geometries are representable: the output map must be exactly the input map
 * divided by the stride, with the stride dividing the tile, so that output tiles line up with patches.
 */
public final class TapTable {
    /** A tap inside the image at a masked position. */
    public static final int MASKED = -1;
    /** A tap in the padding outside the image. */
    public static final int OUTSIDE = -2;

    /** A window geometry at an input tile size; square stride (tiles are square). */
    public record Geometry(int tileIn, int kh, int kw, int stride, int padH, int padW, int dilH, int dilW) {
        public Geometry {
            if (kh < 1 || kw < 1 || stride < 1 || padH < 0 || padW < 0 || dilH < 1 || dilW < 1)
                throw new IllegalArgumentException("invalid window geometry " + this);
        }

        public int tileOut() { return tileIn / stride; }

        public int taps() { return kh * kw; }

        /** Whether the window is a 1x1, stride-1, unpadded one: output row r reads input row r. */
        public boolean isIdentity() { return kh == 1 && kw == 1 && stride == 1 && padH == 0 && padW == 0; }
    }

    private final SparseLayout in, out;
    private final Geometry g;
    private final int[] rowOfTap; // [outRows, K]
    private int[] outOfTap;       // [inRows, K], built on first use
    private Tensor index, borderPenalty;
    private Tensor[] tapIndex;

    TapTable(SparseLayout in, SparseLayout out, Geometry g) {
        this.in = in;
        this.out = out;
        this.g = g;
        int k = g.taps(), n = out.rows(), s = g.stride();
        rowOfTap = new int[n * k];
        // a new mask (every step) builds its tables afresh: ResNet-50's 7x7 stem alone has millions of taps
        Parallel.forRange(n, Math.max(64, 4096 / k), (lo, hi) -> {
            for (int o = lo; o < hi; o++) {
                int b = out.sampleOf(o), oy = out.yOf(o), ox = out.xOf(o);
                for (int ky = 0; ky < g.kh(); ky++) {
                    int iy = oy * s - g.padH() + ky * g.dilH();
                    for (int kx = 0; kx < g.kw(); kx++) {
                        int ix = ox * s - g.padW() + kx * g.dilW();
                        boolean inside = iy >= 0 && iy < in.height() && ix >= 0 && ix < in.width();
                        rowOfTap[o * k + ky * g.kw() + kx] = inside ? in.row(b, iy, ix) : OUTSIDE;
                    }
                }
            }
        });
    }

    /**
     * Checks that a window geometry maps an {@code H x W} map with tile t to the map {@code H/s x W/s}
     * with tile {@code t/s} (the mask's own upsampling at the output scale); throws naming {@code who}.
     */
    static void checkAligned(String who, int height, int width, int t, int kh, int kw, int stride, int padH, int padW,
                             int dilH, int dilW, int outH, int outW) {
        if (t % stride != 0 || outH * stride != height || outW * stride != width)
            throw new UnsupportedOperationException(who + ": sparse computation needs the output map to be the input map / stride with"
                    + " tiles that stay whole, but a " + kh + "x" + kw + " window, stride " + stride + ", padding " + padH + "x" + padW
                    + ", dilation " + dilH + "x" + dilW + " maps " + height + "x" + width + " (tile " + t + ") to " + outH + "x" + outW);
    }

    public SparseLayout input() { return in; }
    public SparseLayout output() { return out; }
    public Geometry geometry() { return g; }

    /** The input row of tap k of output row o, or {@link #MASKED} / {@link #OUTSIDE}. */
    public int rowOf(int o, int k) { return rowOfTap[o * g.taps() + k]; }

    /** The table itself, {@code [outRows * K]} row-major over (o, k): read only. */
    int[] rows() { return rowOfTap; }

    /**
     * The adjoint table: for every input row and tap, the output row whose tap k reads it, or -1
     * ({@code [inRows * K]}). A tap's input row determines its output row, so gradients can be
     * gathered per input row instead of scattered.
     */
    synchronized int[] outputsOf() {
        if (outOfTap == null) {
            int k = g.taps();
            int[] a = new int[in.rows() * k];
            java.util.Arrays.fill(a, -1);
            for (int i = 0; i < rowOfTap.length; i++) if (rowOfTap[i] >= 0) a[rowOfTap[i] * k + i % k] = i / k;
            outOfTap = a;
        }
        return outOfTap;
    }

    /** Input row of every (output row, tap), -1 for both masked and outside: I64 {@code [outRows * K]} (row-major over (o, k)). */
    public synchronized Tensor index() {
        if (index == null) {
            long[] a = new long[rowOfTap.length];
            for (int i = 0; i < a.length; i++) a[i] = Math.max(rowOfTap[i], -1);
            index = Tensor.ofLongs(a, a.length);
        }
        return index;
    }

    /** Input row of tap k for every output row (-1 = zero): I64 {@code [outRows]}. */
    public synchronized Tensor tapIndex(int k) {
        if (tapIndex == null) tapIndex = new Tensor[g.taps()];
        if (tapIndex[k] == null) {
            int n = out.rows(), kk = g.taps();
            long[] a = new long[n];
            for (int o = 0; o < n; o++) a[o] = Math.max(rowOfTap[o * kk + k], -1);
            tapIndex[k] = Tensor.ofLongs(a, n);
        }
        return tapIndex[k];
    }

    /** 0 for taps inside the image, -inf for taps in the padding: F32 {@code [outRows, K, 1]} (max-pool's border). */
    public synchronized Tensor borderPenalty() {
        if (borderPenalty == null) {
            float[] a = new float[rowOfTap.length];
            for (int i = 0; i < a.length; i++) a[i] = rowOfTap[i] == OUTSIDE ? Float.NEGATIVE_INFINITY : 0f;
            borderPenalty = Tensor.of(a, out.rows(), g.taps(), 1);
        }
        return borderPenalty;
    }
}
