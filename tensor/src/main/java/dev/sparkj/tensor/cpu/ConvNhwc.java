package dev.sparkj.tensor.cpu;

import dev.sparkj.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Channels-last convolution on {@link Sgemm} for any kernel, stride, padding, dilation and groups.
 * Pixels are GEMM rows and channels GEMM columns, so a 1x1 stride-1 convolution is one GEMM straight
 * on the activations; other kernels go through {@link Im2col} tiles in a reused workspace.
 *
 * <ul>
 * <li>forward: {@code y[pix, o] = col[pix, (ky, kx, c)] . wP[o, (ky, kx, c)]}, bias added per tile;</li>
 * <li>input gradient: for each sub-pixel phase, {@code gx[pix, c] = gather(gy)[pix, (taps, o)] . w[(taps, o), c]}
 *     (a stride-1 conv gives one phase with every tap; ConvTranspose k4 s2 p1 four phases of 2x2 taps);</li>
 * <li>weight gradient: {@code gwP[o, (ky, kx, c)] += gy[pix, o]^T col[pix, (ky, kx, c)]} over tiles in order.</li>
 * </ul>
 * Dense 3x3 stride-1 convolutions with enough channels take {@link Winograd}'s path instead for the forward
 * pass, the input gradient and the weight gradient ({@code -Dsparkj.conv.winograd=false} turns it off,
 * {@code -Dsparkj.conv.winograd.wgrad=false} for the weight gradient only); 4x4 stride-2 padding-1 convolutions
 * (SparK's up-sampling ConvTranspose) take it too through {@link SubPixel}'s space-to-depth form
 * ({@code -Dsparkj.conv.subpixel=false} turns that off).
 * Outputs here are dense NHWC blocks (rows of C or O floats); {@link Convolution} handles other layouts.
 */
final class ConvNhwc {
    private ConvNhwc() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Workspace floats per im2col tile (default 4 MiB; {@code -Dsparkj.conv.tile=floats}). */
    private static final int TILE_FLOATS = Integer.getInteger("sparkj.conv.tile", 1 << 20);
    /** The weight gradient's tiles are this many times larger: each tile is one more pass over gw. */
    private static final int WEIGHT_TILE_FACTOR = Integer.getInteger("sparkj.conv.weightTileFactor", 4);

    /** Rows per tile for rows of {@code cols} floats: as many as {@code budget} floats hold, at least {@code minRows}. */
    private static int tileRows(int cols, int total, int budget, int minRows) {
        int t = Math.max(minRows, budget / Math.max(1, cols));
        if (t >= total) return total;
        int tiles = (total + t - 1) / t; // evened out: no short last tile
        return Math.min(total, ((total + tiles - 1) / tiles + 15) / 16 * 16);
    }

    /**
     * Fewest rows per im2col tile: each tile is one GEMM, which packs all of the weight afresh, so with very
     * long rows (ConvTranspose 4x4 at 768 channels: 12288 floats) short tiles spent a third of the time
     * packing. 7->14 x 768, conv forward: 367 ms with 96-row tiles, about 275 ms with 176 or more.
     */
    private static final int MIN_TILE_ROWS = Integer.getInteger("sparkj.conv.minTileRows", 256);
    /**
     * Fewest rows per im2col tile of the forward pass. Its weight is packed transposed, the dearest copy, and
     * SparK's ConvTranspose input gradient (a 4x4 stride-2 conv2d, 12288-float rows at 768 channels) has only
     * 784 rows at batch 16: GEMM alone 157 ms as one product, 4 x 55 ms as 208-row tiles; the whole pass
     * 196 / 179 ms with one tile against 225 / 221 ms with four (ProfT, best of 6, interleaved processes).
     * The input gradient's phases take it too: the transposed convolution's forward at 7->14 x 768 (four phases of
     * 784 rows with 3072-float rows) packed each phase's weight three times in 262-row tiles; one tile per phase,
     * median of 12 calls alternating within one JVM, 187 -> 154 ms.
     */
    private static final int FORWARD_MIN_TILE_ROWS = Integer.getInteger("sparkj.conv.forwardMinTileRows", 1024);

    /** w {@code [O, C/G, KH, KW]} repacked as {@code [O][KH][KW][C/G]} (rows of one output channel). */
    static float[] packWeight(Tensor w, ConvGeometry g, Workspace.Lease ws) {
        float[] wp = ws.floats(g.o() * g.k());
        Copies.copy(w.permute(0, 2, 3, 1), Heap.view(wp, 0, g.o(), g.kh(), g.kw(), g.cg()));
        return wp;
    }

    static void forward(Nhwc x, ConvGeometry g, Tensor w, float[] bias, Nhwc y, Workspace.Lease ws) {
        final int G = g.groups(), og = g.og(), K = g.k(), rows = g.n() * g.ho() * g.wo();
        final int yps = y.rowStride();
        int xps = x.rowStride();
        if (g.pointwise() && G == 1 && xps > 0) {
            // [N*H*W, C] x [O, C]^T: no copy of the activations at all
            boolean wDirect = pointwiseWeightDirect(w, g);
            float[] wa = wDirect ? Heap.f32(w) : packWeight(w, g, ws);
            int wo = wDirect ? w.offset() : 0, ldw = wDirect && g.o() > 1 ? w.stride(0) : g.c();
            Sgemm.gemm(false, true, rows, g.o(), g.c(), 1f, x.a(), x.off(), xps, wa, wo, ldw, 0f, y.a(), y.off(), yps);
            if (bias != null) addBias(y.a(), y.off(), yps, 0, rows, bias);
            return;
        }
        if (Winograd.pays(g)) {
            Winograd.forward(x, g, w, bias, y, ws);
            return;
        }
        if (SubPixel.pays(g)) {
            SubPixel.forward(x, g, w, bias, y, ws);
            return;
        }
        float[] wp = packWeight(w, g, ws);
        int tile = tileRows(G * K, rows, TILE_FLOATS, FORWARD_MIN_TILE_ROWS);
        float[] col = ws.floats(tile * G * K);
        for (int r0 = 0; r0 < rows; r0 += tile) {
            int m = Math.min(tile, rows - r0);
            Im2col.forward(x, g, r0, m, col);
            for (int gi = 0; gi < G; gi++)
                Sgemm.gemm(false, true, m, og, K, 1f, col, gi * K, G * K, wp, gi * og * K, K,
                        0f, y.a(), y.off() + r0 * yps + gi * og, yps);
            if (bias != null) addBias(y.a(), y.off(), yps, r0, m, bias);
        }
    }

    /**
     * gx (dense NHWC rows) = input gradient from gy, plus {@code bias[c]} at every pixel (null = none) for a
     * transposed convolution: the Winograd routes add it in their output transform, the others in one pass at the end.
     */
    static void backwardInput(Nhwc gy, ConvGeometry g, Tensor w, Nhwc gx, float[] bias, Workspace.Lease ws) {
        if (Winograd.pays(g)) {
            Winograd.backwardInput(gy, g, w, gx, bias, ws);
            return;
        }
        if (SubPixel.pays(g)) {
            SubPixel.backwardInput(gy, g, w, gx, bias, ws);
            return;
        }
        gradientInput(gy, g, w, gx, ws);
        if (bias != null) addBias(gx.a(), gx.off(), gx.rowStride(), 0, g.n() * g.h() * g.w(), bias);
    }

    /** gx (dense NHWC rows) = input gradient from gy by a GEMM (1x1) or im2col per phase. */
    private static void gradientInput(Nhwc gy, ConvGeometry g, Tensor w, Nhwc gx, Workspace.Lease ws) {
        final int G = g.groups(), og = g.og(), cg = g.cg();
        final int xps = gx.rowStride();
        int gps = gy.rowStride();
        if (g.pointwise() && G == 1 && gps > 0) {
            // [N*H*W, O] x [O, C]
            boolean wDirect = pointwiseWeightDirect(w, g);
            float[] wa = wDirect ? Heap.f32(w) : packWeight(w, g, ws);
            int wo = wDirect ? w.offset() : 0, ldw = wDirect && g.o() > 1 ? w.stride(0) : g.c();
            Sgemm.gemm(false, false, g.n() * g.h() * g.w(), g.c(), g.o(), 1f, gy.a(), gy.off(), gps, wa, wo, ldw,
                    0f, gx.a(), gx.off(), xps);
            return;
        }
        boolean onePhase = g.sh() == 1 && g.sw() == 1;
        for (int ry = 0; ry < g.sh(); ry++)
            for (int rx = 0; rx < g.sw(); rx++) {
                Im2col.Phase ph = Im2col.Phase.of(g, ry, rx);
                int pixels = ph.pixels(g);
                if (pixels == 0) continue;
                int K = ph.k(g);
                if (K == 0) { // no tap reaches these pixels (stride larger than the kernel): zero gradient
                    zeroPhase(gx, g, ph);
                    continue;
                }
                float[] bp = phaseWeight(w, g, ph, ws);
                int tile = tileRows(G * K, pixels, TILE_FLOATS, FORWARD_MIN_TILE_ROWS);
                float[] col = ws.floats(tile * G * K);
                float[] out = onePhase ? null : ws.floats(tile * g.c());
                for (int r0 = 0; r0 < pixels; r0 += tile) {
                    int m = Math.min(tile, pixels - r0);
                    Im2col.phase(gy, g, ph, r0, m, col);
                    float[] c = onePhase ? gx.a() : out;
                    int cOff = onePhase ? gx.off() + r0 * xps : 0, ldc = onePhase ? xps : g.c();
                    for (int gi = 0; gi < G; gi++)
                        Sgemm.gemm(false, false, m, cg, K, 1f, col, gi * K, G * K, bp, gi * K * cg, cg,
                                0f, c, cOff + gi * cg, ldc);
                    if (!onePhase) scatterPhase(out, gx, g, ph, r0, m);
                }
            }
    }

    /** gw {@code [O][KH][KW][C/G]} (dense, in {@code gwp}) = weight gradient from x and gy. */
    static void backwardWeight(Nhwc x, Nhwc gy, ConvGeometry g, float[] gwp, Workspace.Lease ws) {
        final int G = g.groups(), og = g.og(), K = g.k(), rows = g.n() * g.ho() * g.wo();
        int gps = gy.rowStride(), xps = x.rowStride();
        if (gps < 0) throw new IllegalArgumentException("gy rows must be uniformly strided");
        if (g.pointwise() && G == 1 && xps > 0) { // [O, N*H*W] x [N*H*W, C]
            Sgemm.gemm(true, false, g.o(), g.c(), rows, 1f, gy.a(), gy.off(), gps, x.a(), x.off(), xps, 0f, gwp, 0, g.c());
            return;
        }
        if (Winograd.paysWeightGradient(g)) {
            Winograd.backwardWeight(x, gy, g, gwp, ws);
            return;
        }
        if (SubPixel.paysWeightGradient(g)) {
            SubPixel.backwardWeight(x, gy, g, gwp, ws);
            return;
        }
        if (CHUNKED_WGRAD && (long) g.o() * K <= CHUNKED_WGRAD_MAX_FLOATS && rows >= 2 * CHUNK_MIN_ROWS) {
            backwardWeightChunked(x, gy, g, gwp, ws);
            return;
        }
        int tile = tileRows(G * K, rows, TILE_FLOATS * WEIGHT_TILE_FACTOR, MIN_TILE_ROWS);
        float[] col = ws.floats(tile * G * K);
        for (int r0 = 0; r0 < rows; r0 += tile) {
            int m = Math.min(tile, rows - r0);
            Im2col.forward(x, g, r0, m, col);
            for (int gi = 0; gi < G; gi++)
                Sgemm.gemm(true, false, og, K, m, 1f, gy.a(), gy.off() + r0 * gps + gi * og, gps, col, gi * K, G * K,
                        r0 == 0 ? 0f : 1f, gwp, gi * og * K, K);
        }
    }

    /** Chunked weight gradient on or off ({@code -Dsparkj.conv.chunkedWgrad=false} turns it off). */
    private static final boolean CHUNKED_WGRAD = !"false".equals(System.getProperty("sparkj.conv.chunkedWgrad"));
    /**
     * The chunked path is for weight gradients up to this size (floats, 640 KiB), where every tile's pass over its
     * partial stays in cache. Measured by CPU time at batch 4 under load 7, with a one-off harness timing both
     * paths interleaved (not kept), as GFLOP per CPU-second, tiled vs chunked: 3x3 48->24 at 224x224 14.4 vs 29.7, 48->48 18.1 vs 26.0, 96->96 at 112x112 28.7 vs 36.2, transposed 4x4 s2 48->48 at
     * 112x112 19.5 vs 26.4 and 96->96 at 56x56 37.0 vs 46.2; but 3x3 192->192 at 56x56 (332K floats) 52.0 vs 36.2.
     */
    private static final long CHUNKED_WGRAD_MAX_FLOATS = 160L << 10;
    /** Fixed number of pixel chunks at most, and the fewest pixels worth a chunk. */
    private static final int MAX_CHUNKS = 16, CHUNK_MIN_ROWS = 2048;
    /** im2col tile of the chunked path, in floats: about 192 KiB, so a tile is built and consumed in L2. */
    private static final int CHUNK_TILE_FLOATS = 48 << 10;

    /**
     * Weight gradient for layers with few channels and many pixels (the decoder's high-resolution levels):
     * {@code gW = sum over pixels of gy[pix, o] col[pix, k]} is a long reduction over pixels into a small
     * matrix. One big GEMM per im2col tile would stream every tile through L3 twice (written by im2col, read
     * again to pack it). Instead the pixels are cut into a fixed number of chunks that run in parallel; each
     * chunk walks its pixels in small tiles that stay in L2 (build the im2col rows, multiply them at once on
     * its own thread) and accumulates into its own partial gradient; the partials are then added in chunk
     * order. The chunking depends only on the problem size, so the result is the same for any thread count.
     */
    private static void backwardWeightChunked(Nhwc x, Nhwc gy, ConvGeometry g, float[] gwp, Workspace.Lease ws) {
        final int G = g.groups(), og = g.og(), K = g.k(), ld = G * K, rows = g.n() * g.ho() * g.wo();
        final int gps = gy.rowStride(), size = g.o() * K;
        final int chunks = Math.min(MAX_CHUNKS, rows / CHUNK_MIN_ROWS);
        final int tile = Math.max(16, CHUNK_TILE_FLOATS / ld / 16 * 16);
        float[] partial = ws.floats(chunks * size);
        float[] cols = ws.floats(chunks * tile * ld);
        Parallel.forEach(chunks, ch -> {
            int lo = (int) ((long) rows * ch / chunks), hi = (int) ((long) rows * (ch + 1) / chunks);
            int colOff = ch * tile * ld, pOff = ch * size;
            for (int r0 = lo; r0 < hi; r0 += tile) {
                int m = Math.min(tile, hi - r0);
                Im2col.forwardRows(x, g, r0, 0, m, cols, colOff);
                for (int gi = 0; gi < G; gi++)
                    Sgemm.gemm(Sgemm.KERNEL, GemmBlocking.DEFAULT, 1, true, false, og, K, m, 1f,
                            gy.a(), gy.off() + r0 * gps + gi * og, gps, cols, colOff + gi * K, ld,
                            r0 == lo ? 0f : 1f, partial, pOff + gi * og * K, K);
            }
        });
        Parallel.forRange(size, 4096, (a, b) -> {
            for (int i = a; i < b; i++) {
                float sum = partial[i];
                for (int ch = 1; ch < chunks; ch++) sum += partial[ch * size + i];
                gwp[i] = sum;
            }
        });
    }

    /** Whether a 1x1 weight {@code [O, C, 1, 1]} already is a row-major O x C matrix (any row stride >= C). */
    private static boolean pointwiseWeightDirect(Tensor w, ConvGeometry g) {
        return (g.c() == 1 || w.stride(1) == 1) && (g.o() == 1 || w.stride(0) >= g.c());
    }

    /**
     * Phase weights {@code [G][taps y][taps x][O/G][C/G]}: entry (t, o, c) = w[g O/G + o, c, ky_t, kx_t].
     * Walked output channel by output channel (one channel's {@code C/G x KH x KW} floats stay in cache while
     * all its taps are gathered) and spread over the workers by output channel: at 768 channels w is 37 MiB,
     * and a tap-outer walk re-read all of it from memory once per tap.
     */
    private static float[] phaseWeight(Tensor w, ConvGeometry g, Im2col.Phase ph, Workspace.Lease ws) {
        final int G = g.groups(), og = g.og(), cg = g.cg(), K = ph.k(g);
        final int[] kys = ph.kys(), kxs = ph.kxs(), s = w.strides();
        final float[] bp = ws.floats(G * K * cg), wa = Heap.f32(w);
        final int off = w.offset();
        Parallel.forRange(G * og, StridedLoops.grain(G * og, (long) K / og * cg), (lo, hi) -> {
            for (int go = lo; go < hi; go++) {
                int gi = go / og, o = go % og, t = 0;
                for (int ky : kys)
                    for (int kx : kxs) {
                        int base = off + go * s[0] + ky * s[2] + kx * s[3];
                        int i = gi * K * cg + (t++ * og + o) * cg;
                        for (int c = 0; c < cg; c++) bp[i + c] = wa[base + c * s[1]];
                    }
            }
        });
        return bp;
    }

    /** Writes phase rows (C floats each) to their input pixels. */
    private static void scatterPhase(float[] rows, Nhwc gx, ConvGeometry g, Im2col.Phase ph, int r0, int m) {
        int per = ph.hr() * ph.wr(), c = g.c();
        Parallel.forRange(m, StridedLoops.grain(m, c), (lo, hi) -> {
            for (int r = lo; r < hi; r++) {
                int p = r0 + r, n = p / per, rem = p % per;
                int iy = ph.ry() + (rem / ph.wr()) * g.sh(), ix = ph.rx() + (rem % ph.wr()) * g.sw();
                Im2col.copy(rows, r * c, gx.a(), gx.off() + n * gx.sN() + iy * gx.sH() + ix * gx.sW(), c);
            }
        });
    }

    private static void zeroPhase(Nhwc gx, ConvGeometry g, Im2col.Phase ph) {
        for (int n = 0; n < g.n(); n++)
            for (int j = 0; j < ph.hr(); j++)
                for (int i = 0; i < ph.wr(); i++) {
                    int o = gx.off() + n * gx.sN() + (ph.ry() + j * g.sh()) * gx.sH() + (ph.rx() + i * g.sw()) * gx.sW();
                    java.util.Arrays.fill(gx.a(), o, o + g.c(), 0f);
                }
    }

    /** y[r, :] += bias for rows r0 .. r0+m. */
    static void addBias(float[] y, int off, int ps, int r0, int m, float[] bias) {
        int n = bias.length, bound = F.loopBound(n), vl = F.length();
        Parallel.forRange(m, StridedLoops.grain(m, n), (lo, hi) -> {
            for (int r = r0 + lo; r < r0 + hi; r++) {
                int o = off + r * ps, j = 0;
                for (; j < bound; j += vl)
                    FloatVector.fromArray(F, y, o + j).add(FloatVector.fromArray(F, bias, j)).intoArray(y, o + j);
                for (; j < n; j++) y[o + j] += bias[j];
            }
        });
    }
}
