package dev.sparkj.tensor.cpu;

import dev.sparkj.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Winograd minimal filtering for dense 3x3 stride-1 convolutions on channels-last data: the forward
 * pass and, through the same code, the input gradient. It computes the same sums as
 * {@link ConvNhwc}'s im2col + GEMM path with about four times fewer multiplications.
 *
 * <h2>One dimension: F(m, 3)</h2>
 * m outputs of a 3-tap correlation {@code y[i] = d[i] g[0] + d[i+1] g[1] + d[i+2] g[2]} read a window of
 * {@code t = m + 2} inputs and, done directly, cost 3m multiplications. Winograd's algorithm gets them
 * with t multiplications:
 * <pre>
 *     y = A^T [ (G g) .* (B^T d) ]          (.* is the elementwise product of two t-vectors)
 * </pre>
 * Why it works: a correlation is a polynomial product (the coefficients of g(X) d(X) with g reversed).
 * Evaluate both polynomials at t points, multiply the t values pairwise (the only multiplications that
 * involve the data and the filter together), and interpolate the product back. {@code G} evaluates
 * the filter, {@code B^T} the data (it is the transposed inverse of the interpolation, because a
 * correlation is the transpose of a product), {@code A^T} interpolates; the points are
 * {@code 0, 1, -1, 2, -2} and "infinity" (the leading coefficient) for F(4, 3), and {@code 0, 1, -1}
 * and infinity for F(2, 3). These are the matrices of Lavin and Gray, "Fast Algorithms for Convolutional
 * Neural Networks" (2016); see {@link #BT4}, {@link #G4}, {@link #AT4} and {@link #BT2}, {@link #G2},
 * {@link #AT2}. Only G has fractions (1/6, 1/24...), and it touches the filter only, which is transformed once.
 *
 * <h2>Two dimensions: F(m x m, 3 x 3)</h2>
 * Nesting the 1-D algorithm along rows and columns gives an m x m output tile from a t x t input tile d:
 * <pre>
 *     Y = A^T [ (G g G^T) .* (B^T d B) ] A          t^2 multiplications instead of 9 m^2
 * </pre>
 * F(4x4, 3x3): 36 instead of 144 (4x fewer); F(2x2, 3x3): 16 instead of 36 (2.25x). Neighbouring tiles
 * overlap by two input rows and columns, exactly as neighbouring 3x3 windows do.
 *
 * <h2>Many channels: the products become t^2 matrix products</h2>
 * A convolution sums over input channels c for each output channel o. The transforms are linear, so the
 * sum can move inside: with {@code U[o,c] = G g[o,c] G^T} and {@code V[tile,c] = B^T d[tile,c] B},
 * <pre>
 *     Y[tile, o] = A^T [ sum_c U[o,c] .* V[tile,c] ] A
 * </pre>
 * and for each of the t^2 points xi, {@code M[xi][tile][o] = sum_c V[xi][tile][c] U[xi][o][c]} is an
 * ordinary matrix product (tiles x C times C x O). So a convolution is: transform the weight once,
 * transform the input tiles, run t^2 independent GEMMs on {@link Sgemm}, transform the outputs back.
 *
 * <h2>Here</h2>
 * <ul>
 * <li>Weight: {@code U} is laid out {@code [t^2][O][C]}, the order of the weight itself: the 9 taps of
 *     each (o, c) pair map to t^2 values by one fixed t^2 x 9 matrix K (entry (xi = (i,j), k = (ky,kx)) is
 *     {@code G[i][ky] G[j][kx]}), so the whole transform is one GEMM {@code U = K . w^T} with w seen as an
 *     (O C) x 9 matrix. The forward GEMMs read U transposed ({@code V . U[xi]^T}, C x O).</li>
 * <li>Input gradient: for stride 1, {@code gx} is the 3x3 convolution of {@code gy} with the filter
 *     rotated by 180 degrees, O and C swapped, and padding {@code 2 - p}. Rotating is folded into K (its
 *     tap columns reversed), and the swap is free: the same {@code [t^2][O][C]} array is already the
 *     (input channels x output channels) matrix of that convolution, read untransposed.</li>
 * <li>Tiles ({@code ceil(HO/m) x ceil(WO/m)} per image; edge tiles read zeros beyond the input and
 *     write only the outputs that exist) are processed in blocks: V {@code [t^2][tiles][C]} and
 *     M {@code [t^2][tiles][O]} for one block live in {@link Workspace} arrays of a bounded size.</li>
 * <li>Transforms run on {@link Parallel}'s pool over tiles, vectorised across channels (8 floats on
 *     AVX2). The t^2 GEMMs of a block are spread over the workers, each GEMM single-threaded. No value is
 *     ever summed across threads, so results are bit-identical whatever the thread count.</li>
 * </ul>
 *
 * <h2>Accuracy</h2>
 * The transforms scale values by up to 8 and add them with alternating signs, so float rounding errors
 * grow: measured against double precision on random data, the largest error relative to max|y| is about
 * 4-10x that of im2col + GEMM for F(4x4, 3x3) and about the same as it for F(2x2, 3x3) (the figures are
 * in WinogradTest and docs/benchmarks.md). F(4x4, 3x3) stays well inside the tolerance of every test
 * ({@code 2e-6 sqrt(9 C)} of max|y|) and is the default; {@code -Dsparkj.conv.winograd.m=2} selects
 * F(2x2, 3x3).
 *
 * <h2>Switches</h2>
 * {@code -Dsparkj.conv.winograd=false} turns the path off, {@code =force} uses it for every eligible
 * geometry regardless of {@link #pays}'s size heuristic. Both are read at each call.
 */
final class Winograd {
    private Winograd() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int VL = F.length();

    // ------------------------------------------------------------------ the transform matrices

    /** F(4, 3) input transform B^T (6 x 6): rows are the data evaluated at 0, 1, -1, 2, -2, infinity (dual form). */
    static final double[][] BT4 = {
            {4, 0, -5, 0, 1, 0},
            {0, -4, -4, 1, 1, 0},
            {0, 4, -4, -1, 1, 0},
            {0, -2, -1, 2, 1, 0},
            {0, 2, -1, -2, 1, 0},
            {0, 4, 0, -5, 0, 1}};
    /** F(4, 3) filter transform G (6 x 3): g(X) at 0, 1, -1, 2, -2, infinity, with the interpolation's scale folded in. */
    static final double[][] G4 = {
            {1 / 4.0, 0, 0},
            {-1 / 6.0, -1 / 6.0, -1 / 6.0},
            {-1 / 6.0, 1 / 6.0, -1 / 6.0},
            {1 / 24.0, 1 / 12.0, 1 / 6.0},
            {1 / 24.0, -1 / 12.0, 1 / 6.0},
            {0, 0, 1}};
    /** F(4, 3) output transform A^T (4 x 6): row i holds the points raised to the power i (and infinity's 1 in the last row). */
    static final double[][] AT4 = {
            {1, 1, 1, 1, 1, 0},
            {0, 1, -1, 2, -2, 0},
            {0, 1, 1, 4, 4, 0},
            {0, 1, -1, 8, -8, 1}};
    /** F(2, 3) input transform B^T (4 x 4), points 0, 1, -1, infinity. */
    static final double[][] BT2 = {
            {1, 0, -1, 0},
            {0, 1, 1, 0},
            {0, -1, 1, 0},
            {0, 1, 0, -1}};
    /** F(2, 3) filter transform G (4 x 3). */
    static final double[][] G2 = {
            {1, 0, 0},
            {0.5, 0.5, 0.5},
            {0.5, -0.5, 0.5},
            {0, 0, 1}};
    /** F(2, 3) output transform A^T (2 x 4). */
    static final double[][] AT2 = {
            {1, 1, 1, 0},
            {0, 1, -1, -1}};

    // ------------------------------------------------------------------ when to use it

    /** The switch {@code sparkj.conv.winograd}: "false" (off), "force" (every eligible geometry) or unset (heuristic). */
    private static String mode() { return System.getProperty("sparkj.conv.winograd", "auto"); }

    /** Output tile size m (4 or 2) from {@code sparkj.conv.winograd.m}. */
    static int tileSize() { return Integer.getInteger("sparkj.conv.winograd.m", 4) == 2 ? 2 : 4; }

    /**
     * Smallest number of input and of output channels where Winograd is used by default: below it the
     * per-element transforms (memory traffic of V and M, 36/16 as large as the activations) cost more
     * than the multiplications they save. Measured on the 2-core Zen 3 (see docs/benchmarks.md).
     */
    static final int MIN_CHANNELS = Integer.getInteger("sparkj.conv.winograd.minChannels", 32);

    /** A 3x3, stride 1, dilation 1, ungrouped convolution with padding at most 2 (so the input gradient's 2 - p is a padding too). */
    static boolean eligible(ConvGeometry g) {
        return g.kh() == 3 && g.kw() == 3 && g.sh() == 1 && g.sw() == 1 && g.dh() == 1 && g.dw() == 1
                && g.groups() == 1 && g.ph() <= 2 && g.pw() <= 2 && g.ho() >= 1 && g.wo() >= 1;
    }

    /** Whether convolutions of g should take this path (switch, eligibility, size heuristic). */
    static boolean pays(ConvGeometry g) {
        String mode = mode();
        if (mode.equals("false") || !eligible(g)) return false;
        if (mode.equals("force")) return true;
        return Math.min(g.c(), g.o()) >= MIN_CHANNELS;
    }

    // ------------------------------------------------------------------ entry points

    /** y (NHWC, O channels) = conv3x3(x, w) + bias, with F(m x m, 3 x 3). */
    static void forward(Nhwc x, ConvGeometry g, Tensor w, float[] bias, Nhwc y, Workspace.Lease ws) {
        forward(x, g, w, bias, y, ws, tileSize());
    }

    static void forward(Nhwc x, ConvGeometry g, Tensor w, float[] bias, Nhwc y, Workspace.Lease ws, int m) {
        float[] u = transformWeight(w, false, m, ws);
        convolve(x, y, g.ph(), g.pw(), u, true, bias, m, ws);
    }

    /** gx (NHWC, C channels) = input gradient of the stride-1 3x3 convolution: gy convolved with the rotated, transposed filter. */
    static void backwardInput(Nhwc gy, ConvGeometry g, Tensor w, Nhwc gx, Workspace.Lease ws) {
        backwardInput(gy, g, w, gx, ws, tileSize());
    }

    static void backwardInput(Nhwc gy, ConvGeometry g, Tensor w, Nhwc gx, Workspace.Lease ws, int m) {
        float[] u = transformWeight(w, true, m, ws);
        convolve(gy, gx, 2 - g.ph(), 2 - g.pw(), u, false, null, m, ws);
    }

    // ------------------------------------------------------------------ weight transform

    /**
     * The t^2 x 9 matrix taking a filter's taps {@code (ky, kx)} to {@code G g G^T} at point
     * {@code xi = (i, j)}: {@code K[xi][ky * 3 + kx] = G[i][ky] G[j][kx]}, with the taps read rotated by
     * 180 degrees when {@code rotate} (the input gradient). Products are taken in double, then rounded once.
     */
    static float[] filterMatrix(int m, boolean rotate) {
        double[][] gm = m == 4 ? G4 : G2;
        int t = m + 2;
        float[] k = new float[t * t * 9];
        for (int i = 0; i < t; i++)
            for (int j = 0; j < t; j++)
                for (int ky = 0; ky < 3; ky++)
                    for (int kx = 0; kx < 3; kx++) {
                        int tap = rotate ? (2 - ky) * 3 + (2 - kx) : ky * 3 + kx;
                        k[(i * t + j) * 9 + tap] = (float) (gm[i][ky] * gm[j][kx]);
                    }
        return k;
    }

    /**
     * U {@code [t^2][O][C]} for w {@code [O, C, 3, 3]}: one GEMM, {@code U = K . W^T} with W the weight as
     * an (O C) x 9 matrix (copied to a dense workspace first unless it already is one).
     */
    static float[] transformWeight(Tensor w, boolean rotate, int m, Workspace.Lease ws) {
        int o = w.shape(0), c = w.shape(1), pairs = o * c, tt = (m + 2) * (m + 2);
        float[] wa;
        int off;
        if (w.isContiguous()) {
            wa = Heap.f32(w);
            off = w.offset();
        } else {
            wa = ws.floats(pairs * 9);
            off = 0;
            Copies.copy(w, Heap.view(wa, 0, o, c, 3, 3));
        }
        float[] u = ws.floats(tt * pairs);
        Sgemm.gemm(false, true, tt, pairs, 9, 1f, filterMatrix(m, rotate), 0, 9, wa, off, 9, 0f, u, 0, pairs);
        return u;
    }

    // ------------------------------------------------------------------ the convolution

    /** Floats of V and M per block (default 4M floats = 16 MiB, half the L3 of the development machine). */
    private static final int BLOCK_FLOATS = Integer.getInteger("sparkj.conv.winograd.block", 1 << 22);
    /** Fewest tiles per block (when there are that many): each block's GEMMs repack all of U. */
    private static final int MIN_BLOCK = Integer.getInteger("sparkj.conv.winograd.minBlock", 256);

    /** Tiles per block for {@code cin} input and {@code cout} output channels. */
    static int blockTiles(int cin, int cout, int tiles, int tt) {
        int b = Math.max(MIN_BLOCK, BLOCK_FLOATS / (tt * (cin + cout)));
        return Math.min(tiles, (b + 3) / 4 * 4);
    }

    /**
     * out = conv3x3(in) with padding (ph, pw) and transformed filter u: output pixel (y, x) reads input
     * rows {@code y - ph .. y - ph + 2} and columns {@code x - pw .. x - pw + 2}. u is
     * {@code [t^2][cout][cin]} when {@code uTransposed} (forward), else {@code [t^2][cin][cout]}.
     */
    static void convolve(Nhwc in, Nhwc out, int ph, int pw, float[] u, boolean uTransposed, float[] bias, int m,
                         Workspace.Lease ws) {
        final int cin = in.c(), cout = out.c(), t = m + 2, tt = t * t;
        final int tilesH = (out.h() + m - 1) / m, tilesW = (out.w() + m - 1) / m, perImage = tilesH * tilesW;
        final int tiles = out.n() * perImage;
        if (tiles == 0 || cout == 0) return;
        final int block = blockTiles(cin, cout, tiles, tt);
        final float[] v = ws.floats(tt * block * cin), mm = ws.floats(tt * block * cout);
        for (int t0 = 0; t0 < tiles; t0 += block) {
            final int nb = Math.min(block, tiles - t0), first = t0;
            // 1. V[xi][tile][c] = (B^T d B)[xi] for every tile of the block
            Parallel.forRange(nb, StridedLoops.grain(nb, 4L * tt * cin), (lo, hi) -> {
                float[] tmp = new float[tt * VL], pad = new float[tt * VL], padOut = new float[tt * VL];
                for (int b = lo; b < hi; b++) {
                    int tile = first + b, n = tile / perImage, r = tile % perImage;
                    inputTile(in, n, (r / tilesW) * m - ph, (r % tilesW) * m - pw, m, v, b * cin, nb * cin, tmp, pad, padOut);
                }
            });
            // 2. M[xi] = V[xi] . U[xi] (tiles x cin times cin x cout), t^2 independent single-threaded GEMMs
            Parallel.forRange(tt, 1, (lo, hi) -> {
                for (int xi = lo; xi < hi; xi++)
                    Sgemm.gemm(Sgemm.KERNEL, GemmBlocking.DEFAULT, 1, false, uTransposed, nb, cout, cin, 1f,
                            v, xi * nb * cin, cin, u, xi * cin * cout, uTransposed ? cin : cout,
                            0f, mm, xi * nb * cout, cout);
            });
            // 3. Y = A^T M A (+ bias) into the output pixels that exist
            Parallel.forRange(nb, StridedLoops.grain(nb, 2L * tt * cout), (lo, hi) -> {
                float[] tmp = new float[tt * VL], pad = new float[tt * VL], padOut = new float[tt * VL];
                for (int b = lo; b < hi; b++) {
                    int tile = first + b, n = tile / perImage, r = tile % perImage;
                    outputTile(mm, b * cout, nb * cout, bias, out, n, (r / tilesW) * m, (r % tilesW) * m, m, tmp, pad, padOut);
                }
            });
        }
    }

    // ------------------------------------------------------------------ input tiles

    /**
     * Transforms the t x t input tile at rows {@code iy0..}, columns {@code ix0..} of image n, every channel,
     * into {@code v[xi * plane + off + c]}. Full channel vectors are read straight from the input; the
     * channels past the last full vector go through a zero-padded copy ({@code pad}, {@code padOut}).
     */
    private static void inputTile(Nhwc in, int n, int iy0, int ix0, int m, float[] v, int off, int plane,
                                  float[] tmp, float[] pad, float[] padOut) {
        final int t = m + 2, c = in.c(), full = c / VL * VL;
        int rowOk = 0, colOk = 0; // bit i: row iy0 + i (column ix0 + i) lies inside the input
        for (int i = 0; i < t; i++) {
            if (iy0 + i >= 0 && iy0 + i < in.h()) rowOk |= 1 << i;
            if (ix0 + i >= 0 && ix0 + i < in.w()) colOk |= 1 << i;
        }
        final int base = in.off() + n * in.sN() + iy0 * in.sH() + ix0 * in.sW();
        final float[] a = in.a();
        for (int c0 = 0; c0 < full; c0 += VL) {
            if (m == 4) inputTransform6(a, base + c0, in.sH(), in.sW(), rowOk, colOk, tmp, v, off + c0, plane);
            else inputTransform4(a, base + c0, in.sH(), in.sW(), rowOk, colOk, tmp, v, off + c0, plane);
        }
        if (full == c) return;
        final int rest = c - full, all = (1 << t) - 1;
        java.util.Arrays.fill(pad, 0f);
        for (int i = 0; i < t; i++)
            for (int j = 0; j < t; j++)
                if ((rowOk >> i & 1) != 0 && (colOk >> j & 1) != 0)
                    System.arraycopy(a, base + i * in.sH() + j * in.sW() + full, pad, (i * t + j) * VL, rest);
        if (m == 4) inputTransform6(pad, 0, t * VL, VL, all, all, tmp, padOut, 0, VL);
        else inputTransform4(pad, 0, t * VL, VL, all, all, tmp, padOut, 0, VL);
        for (int xi = 0; xi < t * t; xi++) System.arraycopy(padOut, xi * VL, v, xi * plane + off + full, rest);
    }

    /** d[i][j] (VL channels at {@code base + i rs + j cs}), or zero where row i or column j lies outside. */
    private static FloatVector load(float[] a, int base, int rs, int cs, int i, int j, int rowOk, int colOk) {
        return (rowOk >> i & 1) != 0 && (colOk >> j & 1) != 0
                ? FloatVector.fromArray(F, a, base + i * rs + j * cs) : FloatVector.zero(F);
    }

    /**
     * F(4x4, 3x3) input transform of one 6x6 tile, VL channels: {@code V = B^T d B}, written to
     * {@code dst[dOff + xi * plane]}. Pass 1 applies B^T down each column (into tmp), pass 2 along each row.
     */
    private static void inputTransform6(float[] a, int base, int rs, int cs, int rowOk, int colOk, float[] tmp,
                                        float[] dst, int dOff, int plane) {
        for (int j = 0; j < 6; j++) {
            if ((colOk >> j & 1) == 0) {
                for (int i = 0; i < 6; i++) FloatVector.zero(F).intoArray(tmp, (i * 6 + j) * VL);
                continue;
            }
            bt6(load(a, base, rs, cs, 0, j, rowOk, colOk), load(a, base, rs, cs, 1, j, rowOk, colOk),
                    load(a, base, rs, cs, 2, j, rowOk, colOk), load(a, base, rs, cs, 3, j, rowOk, colOk),
                    load(a, base, rs, cs, 4, j, rowOk, colOk), load(a, base, rs, cs, 5, j, rowOk, colOk),
                    tmp, j * VL, 6 * VL);
        }
        for (int i = 0; i < 6; i++) {
            int o = i * 6 * VL;
            bt6(FloatVector.fromArray(F, tmp, o), FloatVector.fromArray(F, tmp, o + VL),
                    FloatVector.fromArray(F, tmp, o + 2 * VL), FloatVector.fromArray(F, tmp, o + 3 * VL),
                    FloatVector.fromArray(F, tmp, o + 4 * VL), FloatVector.fromArray(F, tmp, o + 5 * VL),
                    dst, dOff + i * 6 * plane, plane);
        }
    }

    /**
     * {@code B^T d} for F(4, 3) on six vectors, results to {@code out[off + k * stride]}. The rows of
     * {@link #BT4} share sub-expressions: rows 1 and 2 are {@code (d4 - 4 d2) +- (d3 - 4 d1)}, rows 3 and 4
     * {@code (d4 - d2) +- 2 (d3 - d1)}.
     */
    private static void bt6(FloatVector d0, FloatVector d1, FloatVector d2, FloatVector d3, FloatVector d4,
                            FloatVector d5, float[] out, int off, int stride) {
        FloatVector p = d2.fma(k(-4f), d4), q = d1.fma(k(-4f), d3); // d4 - 4 d2, d3 - 4 d1
        FloatVector r = d4.sub(d2), s = d3.sub(d1).mul(2f);    // d4 - d2, 2 (d3 - d1)
        d2.fma(k(-5f), d0.fma(k(4f), d4)).intoArray(out, off);        // 4 d0 - 5 d2 + d4
        p.add(q).intoArray(out, off + stride);
        p.sub(q).intoArray(out, off + 2 * stride);
        r.add(s).intoArray(out, off + 3 * stride);
        r.sub(s).intoArray(out, off + 4 * stride);
        d3.fma(k(-5f), d1.fma(k(4f), d5)).intoArray(out, off + 5 * stride); // 4 d1 - 5 d3 + d5
    }

    /** F(2x2, 3x3) input transform of one 4x4 tile ({@link #inputTransform6} with {@link #BT2}). */
    private static void inputTransform4(float[] a, int base, int rs, int cs, int rowOk, int colOk, float[] tmp,
                                        float[] dst, int dOff, int plane) {
        for (int j = 0; j < 4; j++) {
            if ((colOk >> j & 1) == 0) {
                for (int i = 0; i < 4; i++) FloatVector.zero(F).intoArray(tmp, (i * 4 + j) * VL);
                continue;
            }
            bt4(load(a, base, rs, cs, 0, j, rowOk, colOk), load(a, base, rs, cs, 1, j, rowOk, colOk),
                    load(a, base, rs, cs, 2, j, rowOk, colOk), load(a, base, rs, cs, 3, j, rowOk, colOk),
                    tmp, j * VL, 4 * VL);
        }
        for (int i = 0; i < 4; i++) {
            int o = i * 4 * VL;
            bt4(FloatVector.fromArray(F, tmp, o), FloatVector.fromArray(F, tmp, o + VL),
                    FloatVector.fromArray(F, tmp, o + 2 * VL), FloatVector.fromArray(F, tmp, o + 3 * VL),
                    dst, dOff + i * 4 * plane, plane);
        }
    }

    /** {@code B^T d} for F(2, 3): {@code d0 - d2, d1 + d2, d2 - d1, d1 - d3}. */
    private static void bt4(FloatVector d0, FloatVector d1, FloatVector d2, FloatVector d3, float[] out, int off, int stride) {
        d0.sub(d2).intoArray(out, off);
        d1.add(d2).intoArray(out, off + stride);
        d2.sub(d1).intoArray(out, off + 2 * stride);
        d1.sub(d3).intoArray(out, off + 3 * stride);
    }

    /** A constant in every lane. */
    private static FloatVector k(float v) { return FloatVector.broadcast(F, v); }

    // ------------------------------------------------------------------ output tiles

    /**
     * Transforms the t^2 values {@code mm[off + xi * plane + o]} of one tile back to its m x m outputs
     * (plus bias) at rows {@code oy0..}, columns {@code ox0..} of image n, clipped to the output.
     */
    private static void outputTile(float[] mm, int off, int plane, float[] bias, Nhwc out, int n, int oy0, int ox0,
                                   int m, float[] tmp, float[] pad, float[] padOut) {
        final int t = m + 2, c = out.c(), full = c / VL * VL;
        final int rows = Math.min(m, out.h() - oy0), cols = Math.min(m, out.w() - ox0);
        final int base = out.off() + n * out.sN() + oy0 * out.sH() + ox0 * out.sW();
        final float[] y = out.a();
        final FloatVector zero = FloatVector.zero(F);
        for (int c0 = 0; c0 < full; c0 += VL) {
            FloatVector b = bias == null ? zero : FloatVector.fromArray(F, bias, c0);
            if (m == 4) outputTransform6(mm, off + c0, plane, tmp, b, y, base + c0, out.sH(), out.sW(), rows, cols);
            else outputTransform4(mm, off + c0, plane, tmp, b, y, base + c0, out.sH(), out.sW(), rows, cols);
        }
        if (full == c) return;
        final int rest = c - full;
        java.util.Arrays.fill(pad, 0f);
        for (int xi = 0; xi < t * t; xi++) System.arraycopy(mm, off + xi * plane + full, pad, xi * VL, rest);
        float[] bp = new float[VL];
        if (bias != null) System.arraycopy(bias, full, bp, 0, rest);
        FloatVector b = FloatVector.fromArray(F, bp, 0);
        if (m == 4) outputTransform6(pad, 0, VL, tmp, b, padOut, 0, m * VL, VL, m, m);
        else outputTransform4(pad, 0, VL, tmp, b, padOut, 0, m * VL, VL, m, m);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                System.arraycopy(padOut, (i * m + j) * VL, y, base + i * out.sH() + j * out.sW() + full, rest);
    }

    /**
     * F(4x4, 3x3) output transform, VL channels: {@code Y = A^T M A + bias}; pass 1 applies A^T down the six
     * columns (into tmp, 4 x 6), pass 2 along the first {@code rows} rows, storing the first {@code cols} values.
     */
    private static void outputTransform6(float[] mm, int off, int plane, float[] tmp, FloatVector bias, float[] y,
                                         int yBase, int rs, int cs, int rows, int cols) {
        FloatVector zero = FloatVector.zero(F);
        for (int j = 0; j < 6; j++) {
            int o = off + j * plane;
            at6(FloatVector.fromArray(F, mm, o), FloatVector.fromArray(F, mm, o + 6 * plane),
                    FloatVector.fromArray(F, mm, o + 12 * plane), FloatVector.fromArray(F, mm, o + 18 * plane),
                    FloatVector.fromArray(F, mm, o + 24 * plane), FloatVector.fromArray(F, mm, o + 30 * plane),
                    zero, tmp, j * VL, 6 * VL, 4);
        }
        for (int i = 0; i < rows; i++) {
            int o = i * 6 * VL;
            at6(FloatVector.fromArray(F, tmp, o), FloatVector.fromArray(F, tmp, o + VL),
                    FloatVector.fromArray(F, tmp, o + 2 * VL), FloatVector.fromArray(F, tmp, o + 3 * VL),
                    FloatVector.fromArray(F, tmp, o + 4 * VL), FloatVector.fromArray(F, tmp, o + 5 * VL),
                    bias, y, yBase + i * rs, cs, cols);
        }
    }

    /**
     * {@code A^T m + bias} for F(4, 3), the first {@code count} of its 4 values to {@code out[off + k * stride]}.
     * With {@code s = m1 + m2, d = m1 - m2, S = m3 + m4, D = m3 - m4}: {@code m0 + s + S, d + 2D, s + 4S, d + 8D + m5}.
     */
    private static void at6(FloatVector m0, FloatVector m1, FloatVector m2, FloatVector m3, FloatVector m4,
                            FloatVector m5, FloatVector bias, float[] out, int off, int stride, int count) {
        FloatVector s = m1.add(m2), d = m1.sub(m2), bs = m3.add(m4), bd = m3.sub(m4);
        m0.add(s).add(bs).add(bias).intoArray(out, off);
        if (count > 1) bd.fma(k(2f), d).add(bias).intoArray(out, off + stride);
        if (count > 2) bs.fma(k(4f), s).add(bias).intoArray(out, off + 2 * stride);
        if (count > 3) bd.fma(k(8f), d.add(m5)).add(bias).intoArray(out, off + 3 * stride);
    }

    /** F(2x2, 3x3) output transform ({@link #outputTransform6} with {@link #AT2}). */
    private static void outputTransform4(float[] mm, int off, int plane, float[] tmp, FloatVector bias, float[] y,
                                         int yBase, int rs, int cs, int rows, int cols) {
        FloatVector zero = FloatVector.zero(F);
        for (int j = 0; j < 4; j++) {
            int o = off + j * plane;
            at4(FloatVector.fromArray(F, mm, o), FloatVector.fromArray(F, mm, o + 4 * plane),
                    FloatVector.fromArray(F, mm, o + 8 * plane), FloatVector.fromArray(F, mm, o + 12 * plane),
                    zero, tmp, j * VL, 4 * VL, 2);
        }
        for (int i = 0; i < rows; i++) {
            int o = i * 4 * VL;
            at4(FloatVector.fromArray(F, tmp, o), FloatVector.fromArray(F, tmp, o + VL),
                    FloatVector.fromArray(F, tmp, o + 2 * VL), FloatVector.fromArray(F, tmp, o + 3 * VL),
                    bias, y, yBase + i * rs, cs, cols);
        }
    }

    /** {@code A^T m + bias} for F(2, 3): {@code m0 + m1 + m2, m1 - m2 - m3}. */
    private static void at4(FloatVector m0, FloatVector m1, FloatVector m2, FloatVector m3, FloatVector bias,
                            float[] out, int off, int stride, int count) {
        m0.add(m1).add(m2).add(bias).intoArray(out, off);
        if (count > 1) m1.sub(m2).sub(m3).add(bias).intoArray(out, off + stride);
    }
}
