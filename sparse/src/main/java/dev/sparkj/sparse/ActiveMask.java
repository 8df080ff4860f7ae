package dev.sparkj.sparse;

import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;

import java.util.HashMap;
import java.util.Map;

/**
 * The active-patch mask of one masked batch: which of the {@code h x w} patches of each image are
 * visible ({@code [B, h, w]}, true = visible), plus everything derived from it that sparse ops need
 * at each scale: the {@link SparseLayout} per tile size {@code t} and the {@link TapTable} per
 * convolution / pooling geometry, each built once and cached here. The mask travels with every
 * {@link SparseMap} computed from it; nothing is global.
 *
 * <p>Patches are numbered in raster order {@code (b, py, px)}; the patch table maps a patch to that
 * number or -1 when masked, so a neighbour's row is found in O(1). The same numbering holds at every
 * scale (a visible patch is a dense {@code t x t} tile of positions at tile size t).
 *
 * <p>Immutable apart from its caches; safe to share between threads.
 */
public final class ActiveMask {
    private final int batch, h, w;
    private final boolean[] visible;   // [B, h, w]
    private final int[] patchOf;       // [B, h, w] -> patch index or -1
    private final int[] patchB, patchY, patchX; // [P]
    private final Map<Integer, SparseLayout> layouts = new HashMap<>();
    private final Map<TapTable.Geometry, TapTable> tables = new HashMap<>();

    /** A mask from {@code visible[(b * h + y) * w + x]}. */
    public ActiveMask(int batch, int h, int w, boolean[] visible) {
        if (batch < 1 || h < 1 || w < 1) throw new IllegalArgumentException("mask grid " + batch + "x" + h + "x" + w);
        if (visible.length != batch * h * w)
            throw new IllegalArgumentException(visible.length + " flags for a mask of " + batch + "x" + h + "x" + w);
        this.batch = batch;
        this.h = h;
        this.w = w;
        this.visible = visible.clone();
        this.patchOf = new int[visible.length];
        int p = 0;
        for (int i = 0; i < visible.length; i++) patchOf[i] = this.visible[i] ? p++ : -1;
        patchB = new int[p];
        patchY = new int[p];
        patchX = new int[p];
        for (int i = 0; i < visible.length; i++) {
            int q = patchOf[i];
            if (q < 0) continue;
            patchB[q] = i / (h * w);
            patchY[q] = (i / w) % h;
            patchX[q] = i % w;
        }
    }

    /** A mask from a {@code [B, 1, h, w]} or {@code [B, h, w]} tensor of any type (non-zero = visible). */
    public static ActiveMask of(Tensor active) {
        int[] s = active.shape();
        if (s.length == 4 && s[1] != 1 || s.length != 4 && s.length != 3)
            throw new IllegalArgumentException("an active mask is [B, 1, h, w] or [B, h, w], got " + java.util.Arrays.toString(s));
        int b = s[0], hh = s[s.length - 2], ww = s[s.length - 1];
        double[] v = active.cast(dev.sparkj.tensor.DType.F64).toDoubleArray();
        boolean[] vis = new boolean[v.length];
        for (int i = 0; i < v.length; i++) vis[i] = v[i] != 0;
        return new ActiveMask(b, hh, ww, vis);
    }

    /** Every patch visible (sparse computation then equals the dense network). */
    public static ActiveMask allVisible(int batch, int h, int w) {
        boolean[] v = new boolean[batch * h * w];
        java.util.Arrays.fill(v, true);
        return new ActiveMask(batch, h, w, v);
    }

    /**
     * SparK's random mask: in every image {@code round(h*w*(1 - maskRatio))} patches stay visible,
     * chosen by a uniform random permutation of the patch indices (round half to even, as Python).
     */
    public static ActiveMask random(int batch, int h, int w, double maskRatio, Rng rng) {
        int keep = (int) Math.rint(h * w * (1 - maskRatio));
        boolean[] v = new boolean[batch * h * w];
        for (int b = 0; b < batch; b++) {
            int[] perm = rng.permutation(h * w);
            for (int i = 0; i < keep; i++) v[b * h * w + perm[i]] = true;
        }
        return new ActiveMask(batch, h, w, v);
    }

    public int batch() { return batch; }
    public int h() { return h; }
    public int w() { return w; }

    /** Number of visible patches in the whole batch. */
    public int visibleCount() { return patchB.length; }

    public boolean isVisible(int b, int py, int px) { return visible[(b * h + py) * w + px]; }

    /** The patch number of {@code (b, py, px)}, or -1 when masked or outside the grid. */
    public int patchAt(int b, int py, int px) {
        if (py < 0 || py >= h || px < 0 || px >= w) return -1;
        return patchOf[(b * h + py) * w + px];
    }

    /** Sample of visible patch p (patches numbered in raster order {@code (b, py, px)}). */
    public int patchB(int p) { return patchB[p]; }

    /** Grid row of visible patch p. */
    public int patchY(int p) { return patchY[p]; }

    /** Grid column of visible patch p. */
    public int patchX(int p) { return patchX[p]; }

    /** The mask as a {@code [B, 1, h, w]} BOOL tensor. */
    public Tensor toTensor() {
        byte[] b = new byte[visible.length];
        for (int i = 0; i < b.length; i++) b[i] = (byte) (visible[i] ? 1 : 0);
        return Tensor.ofBytes(b, dev.sparkj.tensor.DType.BOOL, batch, 1, h, w);
    }

    /** The layout of a feature map with tiles of {@code t x t} positions per patch (map size {@code h*t x w*t}); cached. */
    public synchronized SparseLayout layout(int t) {
        if (t < 1) throw new IllegalArgumentException("tile size " + t);
        return layouts.computeIfAbsent(t, k -> new SparseLayout(this, k));
    }

    /** The layout of an {@code H x W} feature map: {@code t = H / h}, which must also equal {@code W / w}. */
    public SparseLayout layoutFor(int height, int width) {
        if (height % h != 0 || width % w != 0 || height / h != width / w)
            throw new IllegalArgumentException("a " + height + "x" + width + " map does not tile the " + h + "x" + w + " mask into square tiles");
        return layout(height / h);
    }

    /** The mask nearest-neighbour upsampled to tile size t: {@code [B, 1, h*t, w*t]} F32 of 0 / 1. */
    public Tensor upsample(int t) { return layout(t).denseMask(); }

    /** The neighbour table of a geometry, built once. */
    synchronized TapTable table(TapTable.Geometry g) {
        TapTable tt = tables.get(g);
        if (tt == null) {
            SparseLayout in = layouts.computeIfAbsent(g.tileIn(), k -> new SparseLayout(this, k));
            SparseLayout out = layouts.computeIfAbsent(g.tileOut(), k -> new SparseLayout(this, k));
            tt = new TapTable(in, out, g);
            tables.put(g, tt);
        }
        return tt;
    }

    @Override
    public String toString() {
        return "ActiveMask[" + batch + "x" + h + "x" + w + ", " + patchB.length + " visible]";
    }
}
