package dev.sparkj.sparse;

import dev.sparkj.tensor.Tensor;

/**
 * Where the packed rows of a sparse feature map lie at one scale: each visible patch of the
 * {@link ActiveMask} is a dense tile of {@code t x t} positions, tiles in patch order, positions
 * inside a tile row-major. So the map is {@code H = h*t} by {@code W = w*t} and has
 * {@code rows = P * t * t} packed rows ({@code P} = visible patches).
 *
 * <p>Row of a position {@code (b, y, x)}: {@code patch(b, y/t, x/t) * t*t + (y%t) * t + x%t}, or -1
 * when the patch is masked. Index tensors for the gathers and scatters are built on first use and
 * kept (one layout per mask and scale, shared by every op at that scale).
 */
public final class SparseLayout {
    private final ActiveMask mask;
    private final int t, height, width, rows;
    private Tensor positionIndex, rowOfPosition, denseMask, maskedPositions, sampleIndex;
    private int[] sampleOfRow, positions, rowsOfPositions;

    SparseLayout(ActiveMask mask, int t) {
        this.mask = mask;
        this.t = t;
        this.height = mask.h() * t;
        this.width = mask.w() * t;
        long r = (long) mask.visibleCount() * t * t;
        if (r > Integer.MAX_VALUE) throw new IllegalArgumentException("too many rows: " + r);
        this.rows = (int) r;
    }

    public ActiveMask mask() { return mask; }

    /** Tile size: positions per patch side at this scale. */
    public int tile() { return t; }

    public int batch() { return mask.batch(); }
    public int height() { return height; }
    public int width() { return width; }

    /** Number of packed rows. */
    public int rows() { return rows; }

    /** The row of position {@code (b, y, x)}, or -1 when it is masked or outside the map. */
    public int row(int b, int y, int x) {
        if (y < 0 || y >= height || x < 0 || x >= width) return -1;
        int p = mask.patchAt(b, y / t, x / t);
        return p < 0 ? -1 : p * t * t + (y % t) * t + x % t;
    }

    /** Sample of row r. */
    public int sampleOf(int r) { return mask.patchB(r / (t * t)); }

    /** Map row of row r. */
    public int yOf(int r) { return mask.patchY(r / (t * t)) * t + (r % (t * t)) / t; }

    /** Map column of row r. */
    public int xOf(int r) { return mask.patchX(r / (t * t)) * t + r % t; }

    /** Whether {@code (b, y, x)} is visible. */
    public boolean isVisible(int b, int y, int x) { return row(b, y, x) >= 0; }

    /** The sample of every row, {@code [rows]}. */
    public synchronized int[] sampleOfRow() {
        if (sampleOfRow == null) {
            int[] s = new int[rows];
            for (int r = 0; r < rows; r++) s[r] = sampleOf(r);
            sampleOfRow = s;
        }
        return sampleOfRow;
    }

    /** Flat position {@code (b * H + y) * W + x} of every row, {@code [rows]} (shared; do not modify). */
    synchronized int[] positions() {
        if (positions == null) {
            if ((long) batch() * height * width > Integer.MAX_VALUE) throw new IllegalArgumentException("too many positions: " + batch() + " x " + height + " x " + width);
            int[] p = new int[rows];
            for (int r = 0; r < rows; r++) p[r] = (sampleOf(r) * height + yOf(r)) * width + xOf(r);
            positions = p;
        }
        return positions;
    }

    /** Row of every flat position, -1 where masked, {@code [B*H*W]} (shared; do not modify). */
    synchronized int[] rowsOfPositions() {
        if (rowsOfPositions == null) {
            int[] q = new int[batch() * height * width], p = positions();
            java.util.Arrays.fill(q, -1);
            for (int r = 0; r < rows; r++) q[p[r]] = r;
            rowsOfPositions = q;
        }
        return rowsOfPositions;
    }

    /** {@link #positions()} as I64 {@code [rows]} (the gather dense → rows). */
    public synchronized Tensor positionIndex() {
        if (positionIndex == null) {
            int[] p = positions();
            long[] a = new long[rows];
            for (int r = 0; r < rows; r++) a[r] = p[r];
            positionIndex = Tensor.ofLongs(a, rows);
        }
        return positionIndex;
    }

    /** {@link #rowsOfPositions()} as I64 {@code [B*H*W]}, -1 where masked (the gather rows → dense). */
    public synchronized Tensor rowOfPosition() {
        if (rowOfPosition == null) {
            int[] q = rowsOfPositions();
            long[] a = new long[q.length];
            for (int i = 0; i < q.length; i++) a[i] = q[i];
            rowOfPosition = Tensor.ofLongs(a, a.length);
        }
        return rowOfPosition;
    }

    /** The mask at this scale, {@code [B, 1, H, W]} F32: 1 visible, 0 masked. */
    public synchronized Tensor denseMask() {
        if (denseMask == null) {
            float[] m = new float[batch() * height * width];
            for (int r = 0; r < rows; r++) m[(sampleOf(r) * height + yOf(r)) * width + xOf(r)] = 1f;
            denseMask = Tensor.of(m, batch(), 1, height, width);
        }
        return denseMask;
    }

    /** The complement of {@link #denseMask()}: {@code [B, 1, H, W]} F32, 1 at masked positions. */
    public synchronized Tensor maskedPositions() {
        if (maskedPositions == null) maskedPositions = denseMask().neg().add(1);
        return maskedPositions;
    }

    /** The sample of every row as I64 {@code [rows]} (per-sample scaling, e.g. drop path). */
    public synchronized Tensor sampleIndex() {
        if (sampleIndex == null) {
            int[] s = sampleOfRow();
            long[] a = new long[rows];
            for (int r = 0; r < rows; r++) a[r] = s[r];
            sampleIndex = Tensor.ofLongs(a, rows);
        }
        return sampleIndex;
    }

    @Override
    public String toString() {
        return "SparseLayout[t=" + t + ", " + batch() + "x" + height + "x" + width + ", " + rows + " rows]";
    }
}
