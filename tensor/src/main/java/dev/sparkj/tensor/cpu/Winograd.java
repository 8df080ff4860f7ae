package dev.sparkj.tensor.cpu;

import dev.sparkj.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Winograd minimal filtering for dense 3x3 stride-1 convolutions on channels-last data: the forward
 * pass and, through the same code, the input gradient; and the weight gradient through the adjoint
 * transforms (see "Weight gradient" below). It computes the same sums as {@link ConvNhwc}'s im2col + GEMM
 * path with about four times fewer multiplications. The same machinery runs F(5x5, 2x2) for 2x2 filters
 * ({@link SubPixel}'s phases of the up-sampling convolutions): the scheme is chosen by the output tile m
 * (4, 2 or 6 for 3x3 filters, 5 for 2x2), see {@link #filterSize} and {@link #points}.
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
 * {@code 0, 1, -1, 2, -2} and "infinity" (the leading coefficient) for F(4, 3), {@code 0, 1, -1}
 * and infinity for F(2, 3), and those of F(4, 3) with {@code 1/2, -1/2} for F(6, 3). These are the matrices of
 * Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks" (2016); see {@link #BT4}, {@link #G4},
 * {@link #AT4}, {@link #BT2}, {@link #G2}, {@link #AT2} and {@link #BT6}, {@link #G6}, {@link #AT6}. Only G has
 * fractions that binary floats round (1/6, 1/24, 2/9, 1/90...), and it touches the filter only, which is
 * transformed once.
 *
 * <h2>Two dimensions: F(m x m, 3 x 3)</h2>
 * Nesting the 1-D algorithm along rows and columns gives an m x m output tile from a t x t input tile d:
 * <pre>
 *     Y = A^T [ (G g G^T) .* (B^T d B) ] A          t^2 multiplications instead of 9 m^2
 * </pre>
 * F(4x4, 3x3): 36 instead of 144 (4x fewer); F(2x2, 3x3): 16 instead of 36 (2.25x); F(6x6, 3x3): 64 instead
 * of 324 (5.1x). Neighbouring tiles
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
 *     (O C) x 9 matrix. The forward GEMMs read U transposed ({@code V . U[xi]^T}, C x O). (Building
 *     {@code [t^2][C][O]} for the forward pass instead needs a transposed copy of w first; at 768 channels
 *     that copy cost more than the GEMM's transposed packing.)</li>
 * <li>Input gradient: for stride 1, {@code gx} is the 3x3 convolution of {@code gy} with the filter
 *     rotated by 180 degrees, O and C swapped, and padding {@code 2 - p}. Rotating is folded into K (its
 *     tap columns reversed), and the swap is free: the same {@code [t^2][O][C]} array is already the
 *     (input channels x output channels) matrix of that convolution, read untransposed.</li>
 * <li>Tiles ({@code ceil(HO/m) x ceil(WO/m)} per image; edge tiles read zeros beyond the input and
 *     write only the outputs that exist) are processed in blocks: V {@code [t^2][tiles][C]} and
 *     M {@code [t^2][tiles][O]} for one block live in {@link Workspace} arrays of a bounded size, with the
 *     channels of a tile padded to whole vectors and the t^2 planes an odd number of cache lines apart.</li>
 * <li>Transforms are vectorised across channels (8 floats on AVX2), 64 channels at a time so that a
 *     tile's scratch stays in L1. With at least as many blocks as workers, each worker takes whole blocks
 *     (input transform, t^2 single-threaded GEMMs, output transform) while its V and M are in cache;
 *     with fewer (small images, or many channels), the blocks go one by one with each step spread over
 *     the workers (the GEMMs by point xi). No value is ever summed across threads and each tile is
 *     computed the same way in both schedules, so results are bit-identical whatever the thread count.</li>
 * </ul>
 *
 * <h2>Weight gradient</h2>
 * Per tile, {@code Y = A^T M A} with {@code M = U .* V} ({@code U = G g G^T}, {@code V = B^T d B}). The chain
 * rule through each linear step, with gY the tile's m x m output gradient (zero where the tile overruns
 * the output):
 * <ul>
 * <li>{@code Y[a][b] = sum_ij A^T[a][i] M[i][j] A[j][b]}, so {@code dM[i][j] = sum_ab A^T[a][i] gY[a][b] A[j][b]},
 *     i.e. {@code dM = A gY A^T} (t x t; "Ghat", the adjoint of the output transform, {@link #a6Lines});</li>
 * <li>{@code M = U .* V} is elementwise: {@code dU = dM .* V} for one tile and one (o, c) pair; summed over
 *     tiles and images, with the channels, for each point xi:
 *     {@code dU[xi][o][c] = sum_tiles Ghat[xi][tile][o] V[xi][tile][c]}, the GEMM {@code dU[xi] = Ghat[xi]^T V[xi]}
 *     ((tiles x O)^T times (tiles x C));</li>
 * <li>{@code U[i][j] = sum_{ky,kx} G[i][ky] g[ky][kx] G[j][kx]}, so {@code dg[ky][kx] = sum_ij G[i][ky] dU[i][j] G[j][kx]}
 *     = {@code G^T dU G} (3 x 3), i.e. {@code dg[tap] = sum_xi K[xi][tap] dU[xi]} with the same K as the weight
 *     transform (unrotated): one GEMM {@code K^T dU} (9 x t^2 times t^2 x O C), then reordered to [O][3][3][C].</li>
 * </ul>
 * V is the forward pass's input transform (same tiles, same padding). WinogradTest checks the result
 * against the double-precision reference.
 *
 * <h2>Accuracy</h2>
 * The transforms scale values by up to 8 (32 in F(6x6)) and add them with alternating signs, so float rounding errors
 * grow with the tile. Against the double-precision reference, random normal data, C = O = 192, 14x14
 * (WinogradTest#measuredErrors), the largest error relative to max|y| is:
 * <ul>
 * <li>im2col + GEMM: 4.2e-7 forward, 3.7e-7 input gradient;</li>
 * <li>F(2x2, 3x3): 6.3e-7 and 5.1e-7 (1.5x im2col);</li>
 * <li>F(4x4, 3x3): 1.1e-5 and 9.5e-6 (about 25x im2col);</li>
 * <li>F(6x6, 3x3): 1.9e-5 and 1.6e-5 (about 1.7x F(4x4)).</li>
 * </ul>
 * F(4x4, 3x3) is the default: 1e-5 of the output's scale is far below what training notices (bf16 rounds
 * at 4e-3), it stays inside the tolerance the backend promises for every convolution
 * ({@code 2e-6 sqrt(9C)} of max|y|, 8.3e-5 at C = 192; worst case over WinogradTest's odd shapes 4.4e-7
 * sqrt(9K)), and it needs 36 products per tile of 16 outputs where F(2x2) needs 64. F(2x2, 3x3)
 * ({@code -Dsparkj.conv.winograd.m=2}) is there for runs that want im2col's accuracy; F(6x6, 3x3)
 * ({@code =6}, worst case over WinogradTest's odd shapes 1.1e-6 sqrt(9K), inside the same bound) for machines
 * where its fewer products pay (on the 2-core machine this project is measured on they did not, see
 * {@link #tileSize}).
 *
 * <h2>Switches</h2>
 * {@code -Dsparkj.conv.winograd=false} turns the path off, {@code =force} uses it for every eligible
 * geometry regardless of {@link #pays}'s size heuristic. Both are read at each call.
 */
final class Winograd {
    private Winograd() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int VL = F.length();

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
    /**
     * F(5, 2) filter transform G (6 x 2): the same points and scales as {@link #G4}, for a 2-tap filter. With
     * the same six points, F(5, 2)'s input transform is {@link #BT4} itself (B^T depends only on the points).
     */
    static final double[][] G5 = {
            {1 / 4.0, 0},
            {-1 / 6.0, -1 / 6.0},
            {-1 / 6.0, 1 / 6.0},
            {1 / 24.0, 1 / 12.0},
            {1 / 24.0, -1 / 12.0},
            {0, 1}};
    /** F(5, 2) output transform A^T (5 x 6): powers 0..4 of the points, infinity's 1 in the last row. */
    static final double[][] AT5 = {
            {1, 1, 1, 1, 1, 0},
            {0, 1, -1, 2, -2, 0},
            {0, 1, 1, 4, 4, 0},
            {0, 1, -1, 8, -8, 0},
            {0, 1, 1, 16, 16, 1}};
    /**
     * F(6, 3) input transform B^T (8 x 8), points 0, 1, -1, 2, -2, 1/2, -1/2 and infinity (the same dual form as
     * {@link #BT4}; the entries 21/4, 17/4, 5/4... are exact in binary).
     */
    static final double[][] BT6 = {
            {1, 0, -21 / 4.0, 0, 21 / 4.0, 0, -1, 0},
            {0, 1, 1, -17 / 4.0, -17 / 4.0, 1, 1, 0},
            {0, -1, 1, 17 / 4.0, -17 / 4.0, -1, 1, 0},
            {0, 1 / 2.0, 1 / 4.0, -5 / 2.0, -5 / 4.0, 2, 1, 0},
            {0, -1 / 2.0, 1 / 4.0, 5 / 2.0, -5 / 4.0, -2, 1, 0},
            {0, 2, 4, -5 / 2.0, -5, 1 / 2.0, 1, 0},
            {0, -2, 4, 5 / 2.0, -5, -1 / 2.0, 1, 0},
            {0, -1, 0, 21 / 4.0, 0, -21 / 4.0, 0, 1}};
    /** F(6, 3) filter transform G (8 x 3): g(X) at the eight points, with the interpolation's scale folded in. */
    static final double[][] G6 = {
            {1, 0, 0},
            {-2 / 9.0, -2 / 9.0, -2 / 9.0},
            {-2 / 9.0, 2 / 9.0, -2 / 9.0},
            {1 / 90.0, 1 / 45.0, 2 / 45.0},
            {1 / 90.0, -1 / 45.0, 2 / 45.0},
            {32 / 45.0, 16 / 45.0, 8 / 45.0},
            {32 / 45.0, -16 / 45.0, 8 / 45.0},
            {0, 0, 1}};
    /** F(6, 3) output transform A^T (6 x 8): powers 0..5 of the points, infinity's 1 in the last row. */
    static final double[][] AT6 = {
            {1, 1, 1, 1, 1, 1, 1, 0},
            {0, 1, -1, 2, -2, 1 / 2.0, -1 / 2.0, 0},
            {0, 1, 1, 4, 4, 1 / 4.0, 1 / 4.0, 0},
            {0, 1, -1, 8, -8, 1 / 8.0, -1 / 8.0, 0},
            {0, 1, 1, 16, 16, 1 / 16.0, 1 / 16.0, 0},
            {0, 1, -1, 32, -32, 1 / 32.0, -1 / 32.0, 1}};
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

    /**
     * The filter size r of the scheme with output tile m: 2 for F(5, 2) ({@link SubPixel}'s 2x2 phases), else 3.
     * Every other size follows from m: the tile of inputs is {@code t = m + r - 1} points wide (6 for m = 4 and 5,
     * 4 for m = 2).
     */
    static int filterSize(int m) { return m == 5 ? 2 : 3; }

    /** The tile width t = m + r - 1 of the scheme with output tile m. */
    static int points(int m) { return m + filterSize(m) - 1; }

    // ------------------------------------------------------------------ when to use it

    /** The switch {@code sparkj.conv.winograd}: "false" (off), "force" (every eligible geometry) or unset (heuristic). */
    private static String mode() { return System.getProperty("sparkj.conv.winograd", "auto"); }

    /**
     * Output tile size m: 4 unless {@code sparkj.conv.winograd.m} is 2 or 6 (read at each call).
     *
     * <p>F(6x6) needs 64 products per 36 outputs against F(4x4)'s 36 per 16 (0.79x), 0.82x of F(4x4)'s at 112 and
     * 224 pixels and 0.91x at 28 and 56 once the edge tiles are counted, but it did not run faster on this project's
     * 2-core Zen 3 machine (SparK's decoder passes at batch 16, both in one JVM: 0.95-0.98x overall, its weight
     * gradients 0.6-0.9x): its 64 planes of V, M and dU are 64 streams to write and read where F(4x4) has 36, its
     * transformed weight is 64/36 as large, and its scratch tiles twice as large. It is also less accurate (about
     * 1.7x F(4x4)'s error, see "Accuracy"), so it is only an option, for machines where the balance differs.
     */
    static int tileSize() {
        int m = Integer.getInteger("sparkj.conv.winograd.m", 4);
        return m == 2 || m == 6 ? m : 4;
    }

    /**
     * The size heuristic, from WinogradBench's sweep (batch 16, 2 cores; docs/benchmarks.md): at 56x56,
     * C -> C with 8 channels ran slower than im2col (0.7-1.0x), 16 about 1.2-1.3x, 24 1.5x, 32 and more
     * 1.8-2.3x; at 14x14, 16 channels lost and 32 broke about even. So Winograd is used by default when
     * both channel counts are at least {@link #MIN_CHANNELS} (16) and {@code C * O} at least
     * {@link #MIN_PAIRS} (32 x 32; the decoder's 48 -> 24 qualifies, 1.8-2.2x), and when the tiles do not
     * waste most of their work on an output smaller than one tile: {@code 9 HO WO >= 2 * 36 tiles}; and
     * when the transformed weight (36 C O floats, 4x the weight) stays within {@link #MAX_U_FLOATS}.
     */
    static final int MIN_CHANNELS = Integer.getInteger("sparkj.conv.winograd.minChannels", 16);
    /** See {@link #MIN_CHANNELS}. */
    static final int MIN_PAIRS = Integer.getInteger("sparkj.conv.winograd.minPairs", 32 * 32);

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
        int m = tileSize(), t = m + 2;
        long tiles = (long) g.n() * ((g.ho() + m - 1) / m) * ((g.wo() + m - 1) / m);
        return Math.min(g.c(), g.o()) >= MIN_CHANNELS && (long) g.c() * g.o() >= MIN_PAIRS
                && (long) t * t * g.c() * g.o() <= MAX_U_FLOATS
                && 9L * g.n() * g.ho() * g.wo() >= 2L * t * t * tiles;
    }

    /**
     * Whether the weight gradient of g should take this path: {@link #pays}, the switch
     * {@code sparkj.conv.winograd.wgrad} (default on; {@code false} keeps im2col + GEMM, read at each call),
     * and at least {@link #WGRAD_MIN_TILES} tiles (unless forced): the GEMMs {@code dU[xi] += Ghat[xi]^T V[xi]}
     * sum over tiles, and with few of them they mostly read and write dU (36 C O floats). Measured again in
     * session 8 (2 cores, wall clock, best of 5, two rounds; the filter gradient and the products had changed
     * since the first sweep): 14x14 768 -> 768 ran 2.0-2.2x im2col at batch 8 (128 tiles: 114 and 103 ms against
     * 212 and 230), 1.25-1.45x at batch 4 (64 tiles: 81 and 101 ms against 117 and 127), and lost at batch 2
     * (32 tiles: 80 and 97 ms against 61 and 79); 768 -> 384 and 384 -> 384 alike. Larger decoder shapes have
     * hundreds of tiles and won in every sweep.
     */
    static boolean paysWeightGradient(ConvGeometry g) {
        if ("false".equals(System.getProperty("sparkj.conv.winograd.wgrad")) || !pays(g)) return false;
        int m = tileSize();
        long tiles = (long) g.n() * ((g.ho() + m - 1) / m) * ((g.wo() + m - 1) / m);
        return mode().equals("force") || tiles >= WGRAD_MIN_TILES;
    }

    /** See {@link #paysWeightGradient}. */
    static final int WGRAD_MIN_TILES = Integer.getInteger("sparkj.conv.winograd.wgradMinTiles", 64);

    // ------------------------------------------------------------------ entry points

    /** y (NHWC, O channels) = conv3x3(x, w) + bias, with F(m x m, 3 x 3). */
    static void forward(Nhwc x, ConvGeometry g, Tensor w, float[] bias, Nhwc y, Workspace.Lease ws) {
        forward(x, g, w, bias, y, ws, tileSize());
    }

    static void forward(Nhwc x, ConvGeometry g, Tensor w, float[] bias, Nhwc y, Workspace.Lease ws, int m) {
        float[] u = transformWeight(w, false, m, ws);
        convolve(x, y, g.ph(), g.pw(), u, true, bias, m, ws);
    }

    /**
     * gx (NHWC, C channels) = input gradient of the stride-1 3x3 convolution: gy convolved with the rotated,
     * transposed filter; plus {@code bias[c]} (null = none), added in the output transform.
     */
    static void backwardInput(Nhwc gy, ConvGeometry g, Tensor w, Nhwc gx, float[] bias, Workspace.Lease ws) {
        backwardInput(gy, g, w, gx, bias, ws, tileSize());
    }

    static void backwardInput(Nhwc gy, ConvGeometry g, Tensor w, Nhwc gx, float[] bias, Workspace.Lease ws, int m) {
        float[] u = transformWeight(w, true, m, ws);
        convolve(gy, gx, 2 - g.ph(), 2 - g.pw(), u, false, bias, m, ws);
    }

    /**
     * Weight gradient {@code gwp [O][3][3][C]} (dense, the layout of {@link ConvNhwc#backwardWeight}) from x and
     * gy, with F(m x m, 3 x 3). See the class comment ("Weight gradient") for the derivation. The blocks of
     * tiles go one after another in a fixed order, each step spread over the workers: the input and
     * gradient transforms by tiles (writing V and Ghat in the channel panels of {@link DirectGemm#accumulatePanels},
     * so the products need no packing), the t^2 products by point xi, each accumulating its own dU[xi] over the
     * blocks in order. No value is summed across threads, so the result does not depend on the thread count.
     */
    static void backwardWeight(Nhwc x, Nhwc gy, ConvGeometry g, float[] gwp, Workspace.Lease ws) {
        backwardWeight(x, gy, g, gwp, ws, tileSize());
    }

    static void backwardWeight(Nhwc x, Nhwc gy, ConvGeometry g, float[] gwp, Workspace.Lease ws, int m) {
        backwardWeight(x, gy, g.ph(), g.pw(), gwp, ws, m);
    }

    /** {@link #backwardWeight} with the forward pass's padding (ph, pw) and any scheme m; gwp is {@code [O][r][r][C]}. */
    static void backwardWeight(Nhwc x, Nhwc gy, int ph, int pw, float[] gwp, Workspace.Lease ws, int m) {
        backwardWeight(Image.of(x), gy, ph, pw, gwp, ws, m);
    }

    /** {@link #backwardWeight} reading x through an {@link Image} (an NHWC block or its space-to-depth view). */
    static void backwardWeight(Image x, Nhwc gy, int ph, int pw, float[] gwp, Workspace.Lease ws, int m) {
        final int cin = x.c(), cout = gy.c(), t = points(m), tt = t * t, pairs = cin * cout, r = filterSize(m);
        final int tilesH = (gy.h() + m - 1) / m, tilesW = (gy.w() + m - 1) / m, perImage = tilesH * tilesW;
        final int tiles = gy.n() * perImage;
        if (pairs == 0) return;
        if (tiles == 0) {
            java.util.Arrays.fill(gwp, 0, r * r * pairs, 0f);
            return;
        }
        if (directWeightGradient(cin, cout, m)) {
            backwardWeightDirect(x, gy, ph, pw, gwp, ws, m);
            return;
        }
        final int cinP = roundUp(cin, VL), coutP = roundUp(cout, VL);
        // blocks cut the sum over tiles, so unlike blockTiles' their size must not depend on the thread count
        int b = Math.max(MIN_BLOCK, BLOCK_FLOATS / (tt * (cinP + coutP)));
        b = Math.max(4, Math.min(b, MAX_BLOCK_FLOATS / (tt * (cinP + coutP))));
        final int blocks = (tiles + b - 1) / b, block = (tiles + blocks - 1) / blocks;
        final Tiles geo = Tiles.forWeightGradient(x, gy, ph, pw, m, tilesW, perImage, block);
        final int duPlane = planeStride(coutP * cinP);
        final float[] v = ws.floats(S0 + tt * geo.vPlane()), gh = ws.floats(S0 + tt * geo.mPlane()), du = ws.floats(tt * duPlane);
        for (int first = 0; first < tiles; first += block) {
            final int f = first, nb = Math.min(block, tiles - first);
            Parallel.forRange(nb, StridedLoops.grain(nb, 4L * tt * (cinP + coutP)), (lo, hi) -> {
                float[] tmp = scratch(tt), pad = scratch(tt);
                geo.input(f, lo, hi, v, tmp, pad);
                geo.gradient(f, lo, hi, gh, tmp, pad);
            });
            // dU[xi] (O x C, padded) += Ghat[xi]^T V[xi]: (nb x O)^T times (nb x C), one point per task
            Parallel.forItems(tt, (lo, hi) -> {
                for (int xi = lo; xi < hi; xi++) geo.accumulateProduct(xi, nb, gh, v, f > 0, du, xi * duPlane, cinP);
            });
        }
        filterGradient(du, duPlane, cinP, cin, cout, gwp, m);
    }

    /**
     * {@code gwp[o][tap][c] = sum_xi K[xi][tap] dU[xi][(o, c)]}, i.e. G^T dU G, written straight into the
     * weight gradient's [O][tap][C] layout. Vectorised over c: nine accumulators, one per tap, each a chain of
     * fused multiply-adds over xi in order from zero, the chain the t^2-deep GEMM it replaces computed per
     * element (that GEMM packed all of dU first: 21M floats at 768 x 768 channels, for nine rows of output).
     * Row o of dU[xi] starts at {@code xi * duPlane + o * ldu}. The planes are {@code duPlane} floats apart
     * ({@link #planeStride}): each vector here reads one line of
     * every plane, and planes a multiple of 4 KiB apart (768 x 768 floats) put all t^2 lines in one cache set
     * (one thread, 768 x 768: 26-40 ms a call before, 22-32 ms after; a scratch timing, rounds 2-8).
     */
    private static void filterGradient(float[] du, int duPlane, int ldu, int cin, int cout, float[] gwp, int m) {
        final int t = points(m), tt = t * t, taps = filterSize(m) * filterSize(m);
        final int bound = F.loopBound(cin);
        final float[] k = filterMatrix(m, false);
        Parallel.forRange(cout, StridedLoops.grain(cout, (long) taps * tt * cin), (lo, hi) -> {
            for (int o = lo; o < hi; o++) {
                int c = 0;
                for (; c < bound; c += VL) {
                    if (taps == 9) filterGradientVector(du, duPlane, tt, k, o * ldu + c, gwp, o * 9 * cin + c, cin);
                    else filterGradientVector4(du, duPlane, tt, k, o * ldu + c, gwp, o * 4 * cin + c, cin);
                }
                for (; c < cin; c++)
                    for (int tap = 0; tap < taps; tap++) {
                        float acc = 0f;
                        for (int xi = 0; xi < tt; xi++) acc = Math.fma(k[xi * taps + tap], du[xi * duPlane + o * ldu + c], acc);
                        gwp[(o * taps + tap) * cin + c] = acc;
                    }
            }
        });
    }

    /** {@link #filterGradientVector} for a 2x2 filter (F(5, 2)): four taps. */
    private static void filterGradientVector4(float[] du, int duPlane, int tt, float[] k, int p, float[] g, int g0, int tapStride) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int xi = 0; xi < tt; xi++) {
            FloatVector d = FloatVector.fromArray(F, du, xi * duPlane + p);
            int kb = xi * 4;
            a0 = FloatVector.broadcast(F, k[kb]).fma(d, a0);
            a1 = FloatVector.broadcast(F, k[kb + 1]).fma(d, a1);
            a2 = FloatVector.broadcast(F, k[kb + 2]).fma(d, a2);
            a3 = FloatVector.broadcast(F, k[kb + 3]).fma(d, a3);
        }
        a0.intoArray(g, g0);
        a1.intoArray(g, g0 + tapStride);
        a2.intoArray(g, g0 + 2 * tapStride);
        a3.intoArray(g, g0 + 3 * tapStride);
    }

    /** One vector of pairs starting at {@code p}: the nine taps' sums, stored {@code tapStride} apart from {@code g0}. */
    private static void filterGradientVector(float[] du, int duPlane, int tt, float[] k, int p, float[] g, int g0, int tapStride) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0;
        for (int xi = 0; xi < tt; xi++) {
            FloatVector d = FloatVector.fromArray(F, du, xi * duPlane + p);
            int kb = xi * 9;
            a0 = FloatVector.broadcast(F, k[kb]).fma(d, a0);
            a1 = FloatVector.broadcast(F, k[kb + 1]).fma(d, a1);
            a2 = FloatVector.broadcast(F, k[kb + 2]).fma(d, a2);
            a3 = FloatVector.broadcast(F, k[kb + 3]).fma(d, a3);
            a4 = FloatVector.broadcast(F, k[kb + 4]).fma(d, a4);
            a5 = FloatVector.broadcast(F, k[kb + 5]).fma(d, a5);
            a6 = FloatVector.broadcast(F, k[kb + 6]).fma(d, a6);
            a7 = FloatVector.broadcast(F, k[kb + 7]).fma(d, a7);
            a8 = FloatVector.broadcast(F, k[kb + 8]).fma(d, a8);
        }
        a0.intoArray(g, g0);
        a1.intoArray(g, g0 + tapStride);
        a2.intoArray(g, g0 + 2 * tapStride);
        a3.intoArray(g, g0 + 3 * tapStride);
        a4.intoArray(g, g0 + 4 * tapStride);
        a5.intoArray(g, g0 + 5 * tapStride);
        a6.intoArray(g, g0 + 6 * tapStride);
        a7.intoArray(g, g0 + 7 * tapStride);
        a8.intoArray(g, g0 + 8 * tapStride);
    }

    /**
     * Whether the weight gradient takes {@link #backwardWeightDirect}: when one chunk's partial dU
     * ({@code t^2 x cout x cin}, padded) is at most {@link #DIRECT_MAX_DU} floats, since every block of tiles
     * reads and writes all of it. WinogradBench (batch 16, 2 cores): 224x224 48 -> 48 and 48 -> 24, 112x112
     * 96 -> 96 and 96 -> 48, 56x56 192 -> 96 (663K floats) ran 1.4-2.2x faster than through {@link Sgemm};
     * 56x56 192 -> 192 (1.3M floats) 0.67x.
     */
    static boolean directWeightGradient(int cin, int cout, int m) {
        return directEnabled() && (long) points(m) * points(m) * roundUp(cin, VL) * roundUp(cout, VL) <= DIRECT_MAX_DU;
    }

    /** See {@link #directWeightGradient} (default 1M floats, 4 MiB). */
    static final int DIRECT_MAX_DU = Integer.getInteger("sparkj.conv.winograd.directMaxDU", 1 << 20);
    /** Floats of V and Ghat per block on the direct weight gradient path (default 256K, 1 MiB). */
    static final int DIRECT_WGRAD_BLOCK_FLOATS = Integer.getInteger("sparkj.conv.winograd.directWgradBlock", 1 << 18);

    /** Most floats of the direct weight gradient's partial sums, all chunks together (default 8M, 32 MiB). */
    static final int DIRECT_PARTIAL_FLOATS = Integer.getInteger("sparkj.conv.winograd.directPartial", 1 << 23);
    /** Fewest tiles worth a chunk of their own on the direct weight gradient path. */
    private static final int DIRECT_CHUNK_MIN_TILES = Integer.getInteger("sparkj.conv.winograd.directChunkTiles", 256);
    /** Most chunks of the direct weight gradient (fixed by the problem size, never by the thread count). */
    private static final int DIRECT_MAX_CHUNKS = 16;

    /**
     * {@link #backwardWeight} for few channels ({@link #direct}). The tiles are cut into a fixed number of
     * chunks (from the problem size only), which run in parallel; each walks its tiles in small blocks
     * (V and Ghat together about {@link #DIRECT_WGRAD_BLOCK_FLOATS}) and adds {@code Ghat[xi]^T V[xi]} into its own
     * partial dU with {@link DirectGemm#accumulatePanels}, which continues each element's chain of
     * fused multiply-adds over the tiles in order. The partials are then added in chunk order, so the
     * result does not depend on the thread count or the block size.
     */
    private static void backwardWeightDirect(Image x, Nhwc gy, int ph, int pw, float[] gwp, Workspace.Lease ws, int m) {
        final int cin = x.c(), cout = gy.c(), t = points(m), tt = t * t, pairs = cin * cout;
        final int tilesW = (gy.w() + m - 1) / m, perImage = ((gy.h() + m - 1) / m) * tilesW, tiles = gy.n() * perImage;
        final int cinP = roundUp(cin, VL), coutP = roundUp(cout, VL), size = tt * coutP * cinP;
        final int chunks = Math.max(1, Math.min(DIRECT_MAX_CHUNKS,
                Math.min(tiles / DIRECT_CHUNK_MIN_TILES, DIRECT_PARTIAL_FLOATS / size)));
        final int block = Math.max(4, DIRECT_WGRAD_BLOCK_FLOATS / (tt * (cinP + coutP)));
        final Tiles geo = Tiles.forWeightGradient(x, gy, ph, pw, m, tilesW, perImage, block);
        final float[] partial = ws.floats(chunks * size);
        Parallel.forEach(chunks, ch -> {
            int lo = (int) ((long) tiles * ch / chunks), hi = (int) ((long) tiles * (ch + 1) / chunks);
            try (Workspace.Lease own = Workspace.lease()) {
                float[] v = own.floats(S0 + tt * geo.vPlane()), gh = own.floats(S0 + tt * geo.mPlane());
                float[] tmp = scratch(tt), pad = scratch(tt);
                for (int first = lo; first < hi; first += block) {
                    int nb = Math.min(block, hi - first);
                    geo.input(first, 0, nb, v, tmp, pad);
                    geo.gradient(first, 0, nb, gh, tmp, pad);
                    for (int xi = 0; xi < tt; xi++)
                        geo.accumulateProduct(xi, nb, gh, v, first > lo, partial, ch * size + xi * coutP * cinP, cinP);
                }
            }
        });
        // dU[xi][o][c] = sum over chunks, in order, of the valid (o < cout, c < cin) part of the partials
        final int duPlane = planeStride(pairs);
        final float[] du = ws.floats(tt * duPlane);
        Parallel.forRange(tt * cout, StridedLoops.grain(tt * cout, (long) chunks * cin), (lo, hi) -> {
            for (int row = lo; row < hi; row++) {
                int xi = row / cout, o = row % cout, src = xi * coutP * cinP + o * cinP, dst = xi * duPlane + o * cin;
                for (int c = 0; c < cin; c++) {
                    float sum = partial[src + c];
                    for (int ch = 1; ch < chunks; ch++) sum += partial[ch * size + src + c];
                    du[dst + c] = sum;
                }
            }
        });
        filterGradient(du, duPlane, cin, cin, cout, gwp, m);
    }

    // ------------------------------------------------------------------ weight transform

    /**
     * The t^2 x 9 matrix taking a filter's taps {@code (ky, kx)} to {@code G g G^T} at point
     * {@code xi = (i, j)}: {@code K[xi][ky * 3 + kx] = G[i][ky] G[j][kx]}, with the taps read rotated by
     * 180 degrees when {@code rotate} (the input gradient). Products are taken in double, then rounded once.
     */
    static float[] filterMatrix(int m, boolean rotate) {
        double[][] gm = m == 4 ? G4 : m == 5 ? G5 : m == 6 ? G6 : G2;
        int t = points(m), r = filterSize(m), taps = r * r;
        float[] k = new float[t * t * taps];
        for (int i = 0; i < t; i++)
            for (int j = 0; j < t; j++)
                for (int ky = 0; ky < r; ky++)
                    for (int kx = 0; kx < r; kx++) {
                        int tap = rotate ? (r - 1 - ky) * r + (r - 1 - kx) : ky * r + kx;
                        k[(i * t + j) * taps + tap] = (float) (gm[i][ky] * gm[j][kx]);
                    }
        return k;
    }

    /**
     * U {@code [t^2][O][C]} for w {@code [O, C, r, r]}: {@code U[xi][p] = sum_tap K[xi][tap] w[p][tap]} for each pair
     * p = (o, c), with K the {@link #filterMatrix} (w copied to a dense workspace first unless it already is one).
     * Each value is one chain of fused multiply-adds over the taps in order, from zero.
     *
     * <p>This is a matrix product with a depth of only r^2 (9) that writes t^2 (36) floats per weight: the time is
     * in writing U (81 MB at 768 x 768 channels). Through {@link Sgemm} it cost about 30 ms at 768 x 768, twice a
     * step per convolution (forward and input gradient), the packing of a 9-deep B and the tile overhead of a
     * 9-step kernel included. Here the pairs go in blocks of {@link #WT_BLOCK}: a block's taps are transposed
     * into a small scratch ({@code [taps][block]}, in L1), then each point's row of U for the block is written
     * once, vectorised along the pairs.
     */
    static float[] transformWeight(Tensor w, boolean rotate, int m, Workspace.Lease ws) {
        final int o = w.shape(0), c = w.shape(1), pairs = o * c, tt = points(m) * points(m), r = filterSize(m), taps = r * r;
        final float[] wa;
        final int off;
        if (w.isContiguous()) {
            wa = Heap.f32(w);
            off = w.offset();
        } else {
            wa = ws.floats(pairs * taps);
            off = 0;
            Copies.copy(w, Heap.view(wa, 0, o, c, r, r));
        }
        final float[] u = ws.floats(tt * pairs), k = filterMatrix(m, rotate);
        final int blocks = (pairs + WT_BLOCK - 1) / WT_BLOCK;
        Parallel.forRange(blocks, StridedLoops.grain(blocks, (long) tt * taps * WT_BLOCK), (lo, hi) -> {
            float[] wt = new float[taps * WT_BLOCK];
            for (int b = lo; b < hi; b++) {
                int p0 = b * WT_BLOCK, n = Math.min(WT_BLOCK, pairs - p0), vb = F.loopBound(n);
                for (int i = 0; i < n; i++)
                    for (int tap = 0; tap < taps; tap++) wt[tap * WT_BLOCK + i] = wa[off + (p0 + i) * taps + tap];
                for (int xi = 0; xi < tt; xi++) {
                    int row = xi * pairs + p0, kb = xi * taps, i = 0;
                    for (; i < vb; i += VL) {
                        FloatVector acc = FloatVector.zero(F);
                        for (int tap = 0; tap < taps; tap++)
                            acc = FloatVector.broadcast(F, k[kb + tap]).fma(FloatVector.fromArray(F, wt, tap * WT_BLOCK + i), acc);
                        acc.intoArray(u, row + i);
                    }
                    for (; i < n; i++) {
                        float acc = 0f;
                        for (int tap = 0; tap < taps; tap++) acc = Math.fma(k[kb + tap], wt[tap * WT_BLOCK + i], acc);
                        u[row + i] = acc;
                    }
                }
            }
        });
        return u;
    }

    /** Pairs per block of {@link #transformWeight} (its scratch: 9 x 256 floats, 9 KiB). */
    private static final int WT_BLOCK = 256;

    // ------------------------------------------------------------------ the convolution

    /** Floats of V and M per block (default 4M floats, 16 MiB). */
    private static final int BLOCK_FLOATS = Integer.getInteger("sparkj.conv.winograd.block", 1 << 22);
    /**
     * Fewest tiles per block (when there are that many): the t^2 GEMMs of a block pack their operands
     * afresh (all of U, and V), so short GEMMs lose much of their speed to packing. Measured at 56x56x192,
     * batch 4, one thread: GEMM time 68-79 ms with blocks of 128 tiles, 38-42 ms with 784, while the
     * transforms' time hardly changed.
     */
    private static final int MIN_BLOCK = Integer.getInteger("sparkj.conv.winograd.minBlock", 512);
    /** Most floats of V and M per block, whatever MIN_BLOCK asks (16M floats, 64 MiB: about 450 tiles at 512 + 512 channels). */
    private static final int MAX_BLOCK_FLOATS = 1 << 24;
    /** Largest transformed weight used by default, in floats (64M, 256 MiB: C = O = 1365 for F(4x4)). */
    static final long MAX_U_FLOATS = 1L << 26;

    /**
     * Tiles per block for {@code cin} input and {@code cout} output channels (padded) when there are
     * {@code tiles} in all: as many as fit {@link #BLOCK_FLOATS} but at least {@link #MIN_BLOCK}, then
     * evened out so that the blocks are about equal and, when there are at least as many as workers,
     * their number is a multiple of the workers. Results do not depend on it: each tile is transformed
     * alone, and each row of a GEMM's result is summed in the same order whatever the number of rows.
     */
    static int blockTiles(int cin, int cout, int tiles, int tt) {
        int b = Math.max(MIN_BLOCK, BLOCK_FLOATS / (tt * (cin + cout)));
        b = Math.max(4, Math.min(b, MAX_BLOCK_FLOATS / (tt * (cin + cout))));
        int blocks = (tiles + b - 1) / b, workers = Parallel.threads();
        if (blocks >= workers) blocks = (blocks + workers - 1) / workers * workers;
        return Math.max(1, (tiles + blocks - 1) / blocks);
    }

    /**
     * Distance in floats between the t^2 planes of V or M holding {@code floats} each: rounded up to an odd
     * number of cache lines (16 floats). A tile writes (or reads) one vector in each of the t^2 planes; if
     * the planes were a multiple of 4 KiB apart, all t^2 addresses would fall in the same L1 cache set
     * (8 ways) and evict each other.
     */
    static int planeStride(int floats) {
        int lines = (floats + 15) / 16;
        return (lines | 1) * 16;
    }

    /** Channels a tile's transform handles per pass: its scratch (t^2 x CHUNK floats, 9 KiB for F(4x4)) stays in L1. */
    static final int CHUNK = Math.max(VL, Integer.getInteger("sparkj.conv.winograd.chunk", 64) / VL * VL);

    /**
     * Where the scratch of the transforms (tmp, pad) and the planes of V, M and Ghat start in their arrays: on a
     * cache line ({@link Align}). Their rows are whole numbers of lines apart (CHUNK, the padded channels of a
     * tile, {@link #planeStride}), so every vector the transforms and products load or store there lies within
     * one line. The transforms move as many floats through this scratch as they do arithmetic, and a vector
     * spanning two lines costs two accesses: 48 -> 48 channels at 224 pixels, forward, ran 8-10 % faster
     * with it (docs/benchmarks.md, session 21).
     */
    private static final int S0 = Align.FLOATS;

    /** A tile's scratch: t^2 x CHUNK floats from {@link #S0}. */
    private static float[] scratch(int tt) { return new float[S0 + tt * CHUNK]; }

    /**
     * out = conv(in) with an r x r filter ({@link #filterSize}: 3, or 2 for F(5, 2)), padding (ph, pw) and
     * transformed filter u: output pixel (y, x) reads input rows {@code y - ph .. y - ph + r - 1} and columns
     * {@code x - pw .. x - pw + r - 1}. u is
     * {@code [t^2][cout][cin]} when {@code uTransposed} (forward), else {@code [t^2][cin][cout]}.
     *
     * <p>The tiles are cut into blocks. When there are at least as many blocks as workers, the workers
     * take whole blocks: each transforms its block's input tiles into V, runs the t^2 GEMMs on it
     * single-threaded and transforms M back into the output, while V and M are still in its caches.
     * Otherwise (few tiles: small images, or many channels) the blocks go one after another, each step
     * spread over the workers: the transforms by tiles, the GEMMs by point xi (so each U[xi] is packed
     * once per block, not once per worker).
     */
    static void convolve(Nhwc in, Nhwc out, int ph, int pw, float[] u, boolean uTransposed, float[] bias, int m,
                         Workspace.Lease ws) {
        convolve(Image.of(in), Image.of(out), ph, pw, u, uTransposed, bias, m, ws);
    }

    /** {@link #convolve} reading and writing through {@link Image}s (NHWC blocks or their space-to-depth views). */
    static void convolve(Image in, Image out, int ph, int pw, float[] u, boolean uTransposed, float[] bias, int m,
                         Workspace.Lease ws) {
        final int cin = in.c(), cout = out.c(), t = points(m), tt = t * t;
        final int tilesH = (out.h() + m - 1) / m, tilesW = (out.w() + m - 1) / m, perImage = tilesH * tilesW;
        final int tiles = out.n() * perImage;
        if (tiles == 0 || cout == 0) return;
        // a tile's channels in V and M are padded to whole vectors (the GEMMs skip the padding)
        final int cinP = roundUp(cin, VL), coutP = roundUp(cout, VL);
        final float[] biasP = bias == null ? null : java.util.Arrays.copyOf(bias, coutP);
        if (direct(cin, cout)) {
            convolveDirect(in, out, ph, pw, u, uTransposed, biasP, m, ws);
            return;
        }
        final int block = blockTiles(cinP, coutP, tiles, tt), blocks = (tiles + block - 1) / block;
        final int vPlane = planeStride(block * cinP), mPlane = planeStride(block * coutP);
        final Tiles geo = new Tiles(in, out, ph, pw, m, tilesW, perImage, Panels.rows(cinP), Panels.rows(coutP), vPlane, mPlane, biasP);
        if (blocks >= Parallel.threads()) {
            blocksPerWorker(geo, tiles, block, tt, (v, mm, nb) -> {
                for (int xi = 0; xi < tt; xi++) gemm(xi, nb, cin, cout, cinP, coutP, v, vPlane, u, uTransposed, mm, mPlane);
            });
            return;
        }
        final float[] v = ws.floats(S0 + tt * vPlane), mm = ws.floats(S0 + tt * mPlane);
        for (int first = 0; first < tiles; first += block) {
            final int f = first, nb = Math.min(block, tiles - first);
            Parallel.forRange(nb, StridedLoops.grain(nb, 4L * tt * cinP), (lo, hi) ->
                    geo.input(f, lo, hi, v, scratch(tt), scratch(tt)));
            Parallel.forItems(tt, (lo, hi) -> {
                for (int xi = lo; xi < hi; xi++) gemm(xi, nb, cin, cout, cinP, coutP, v, vPlane, u, uTransposed, mm, mPlane);
            });
            Parallel.forRange(nb, StridedLoops.grain(nb, 2L * tt * coutP), (lo, hi) ->
                    geo.output(f, lo, hi, mm, scratch(tt), scratch(tt)));
        }
    }

    /**
     * Whether a convolution with these channel counts takes {@link #convolveDirect}: when one point's
     * packed U[xi] ({@code cin x cout}, padded to whole micro-panels) is at most {@link #DIRECT_MAX_U} floats.
     */
    static boolean direct(int cin, int cout) {
        return directEnabled() && (long) DirectGemm.packedSize(cin, cout) <= DIRECT_MAX_U;
    }

    /** The switch {@code sparkj.conv.winograd.direct} ("false" keeps every Winograd product on {@link Sgemm}; read at each call). */
    private static boolean directEnabled() { return !"false".equals(System.getProperty("sparkj.conv.winograd.direct")); }

    /** Largest packed U[xi] for the direct path, in floats (default 64K, 256 KiB: half of a Zen 3 core's L2). */
    static final int DIRECT_MAX_U = Integer.getInteger("sparkj.conv.winograd.directMaxU", 1 << 16);
    /** Floats of V and M per block on the direct path (default 128K, 512 KiB). */
    static final int DIRECT_BLOCK_FLOATS = Integer.getInteger("sparkj.conv.winograd.directBlock", 1 << 17);
    /**
     * Fewest tiles per block on the direct path (default 32, {@code -Dsparkj.conv.winograd.directMinTiles=N}, a multiple
     * of 4). Every block reads all t^2 packed U[xi], up to 36 x 64K floats (9 MiB), more than a core's L2; with many
     * channels the budget above left blocks of 8 tiles, so each U[xi] was fetched again from L3 for 8 rows of product.
     * Forward plus input gradient, batch 16, three interleaved processes each (a scratch harness, best of 8 calls):
     * ConvTranspose 96 56->112 (as 384 -> 96 channels) 220-246 ms with blocks of 4 tiles at least, 109-144 with 32;
     * 3x3 192 -> 192 at 56x56 162-186 against 152-158; 96 -> 96 at 112x112 159-187 against 143-177; 192 -> 96 unchanged.
     */
    static final int DIRECT_MIN_TILES = Math.max(4, Integer.getInteger("sparkj.conv.winograd.directMinTiles", 32) / 4 * 4);

    /**
     * {@link #convolve} for few channels: U is packed once into {@link DirectGemm}'s panels (all t^2 points),
     * then the workers take small blocks of tiles (V and M together about {@link #DIRECT_BLOCK_FLOATS}, so
     * they stay in the worker's L2): transform the inputs, run the t^2 products reading V where it lies, and
     * transform back. Each output element is computed the same way whatever the block or thread, so
     * results are bit-identical for any thread count.
     */
    private static void convolveDirect(Image in, Image out, int ph, int pw, float[] u, boolean uTransposed,
                                       float[] biasP, int m, Workspace.Lease ws) {
        final int cin = in.c(), cout = out.c(), t = points(m), tt = t * t;
        final int tilesH = (out.h() + m - 1) / m, tilesW = (out.w() + m - 1) / m, perImage = tilesH * tilesW;
        final int tiles = out.n() * perImage;
        final int cinP = roundUp(cin, VL), coutP = roundUp(cout, VL);
        final int per = DirectGemm.packedSize(cin, cout);
        final float[] up = ws.floats(S0 + tt * per);
        Parallel.forItems(tt, (lo, hi) -> {
            for (int xi = lo; xi < hi; xi++)
                DirectGemm.packB(uTransposed, u, xi * cin * cout, uTransposed ? cin : cout, cin, cout, up, S0 + xi * per);
        });
        final int block = Math.min(roundUp(tiles, 4), Math.max(DIRECT_MIN_TILES, DIRECT_BLOCK_FLOATS / (tt * (cinP + coutP)) / 4 * 4));
        final int vPlane = planeStride(block * cinP), mPlane = planeStride(block * coutP);
        final Tiles geo = new Tiles(in, out, ph, pw, m, tilesW, perImage, Panels.rows(cinP), Panels.rows(coutP), vPlane, mPlane, biasP);
        blocksPerWorker(geo, tiles, block, tt, (v, mm, nb) -> {
            for (int xi = 0; xi < tt; xi++)
                DirectGemm.multiply(nb, coutP, cin, v, S0 + xi * vPlane, cinP, up, S0 + xi * per, mm, S0 + xi * mPlane, coutP);
        });
    }

    /** The t^2 products of one block of {@code nb} tiles: M from V, both laid out as {@link Tiles} says. */
    @FunctionalInterface
    private interface BlockProducts { void run(float[] v, float[] mm, int nb); }

    /**
     * The workers take whole blocks of {@code block} tiles: each transforms a block's input tiles into its own V,
     * runs the products into its own M and transforms M back into the output, while V and M are in its caches.
     */
    private static void blocksPerWorker(Tiles geo, int tiles, int block, int tt, BlockProducts products) {
        Parallel.forItems((tiles + block - 1) / block, (lo, hi) -> {
            try (Workspace.Lease own = Workspace.lease()) {
                float[] v = own.floats(S0 + tt * geo.vPlane()), mm = own.floats(S0 + tt * geo.mPlane());
                float[] tmp = scratch(tt), pad = scratch(tt);
                for (int bl = lo; bl < hi; bl++) {
                    int first = bl * block, nb = Math.min(block, tiles - first);
                    geo.input(first, 0, nb, v, tmp, pad);
                    products.run(v, mm, nb);
                    geo.output(first, 0, nb, mm, tmp, pad);
                }
            }
        });
    }

    /** {@code M[xi] = V[xi] . U[xi]} for nb tiles: (nb x cin) times (cin x cout), single-threaded. */
    private static void gemm(int xi, int nb, int cin, int cout, int cinP, int coutP, float[] v, int vPlane,
                             float[] u, boolean uTransposed, float[] mm, int mPlane) {
        Sgemm.gemm(Sgemm.KERNEL, GemmBlocking.DEFAULT, 1, false, uTransposed, nb, cout, cin, 1f,
                v, S0 + xi * vPlane, cinP, u, xi * cin * cout, uTransposed ? cin : cout, 0f, mm, S0 + xi * mPlane, coutP);
    }

    /**
     * Where the tiles of one convolution are, and the layouts of V ({@code vp}) and of M or Ghat ({@code mp}) in
     * their planes; M, which {@link #output} reads, is always in rows.
     */
    private record Tiles(Image in, Image out, int ph, int pw, int m, int tilesW, int perImage, Panels vp, Panels mp,
                         int vPlane, int mPlane, float[] bias) {
        /**
         * The weight gradient's tiles, in blocks of {@code block}: V in panels of {@link DirectGemm#NR} channels (its
         * products' B) and Ghat in panels of {@link #VL} (their A), so that {@link #accumulateProduct} reads both
         * where the transforms wrote them, with no packing.
         */
        static Tiles forWeightGradient(Image x, Nhwc gy, int ph, int pw, int m, int tilesW, int perImage, int block) {
            int cinP = roundUp(x.c(), VL), coutP = roundUp(gy.c(), VL);
            return new Tiles(x, Image.of(gy), ph, pw, m, tilesW, perImage,
                    new Panels(DirectGemm.NR, block * DirectGemm.NR), new Panels(VL, block * VL),
                    planeStride(block * roundUp(cinP, DirectGemm.NR)), planeStride(block * coutP), null);
        }

        /**
         * {@code dU[xi] += Ghat[xi]^T V[xi]} over the {@code nb} tiles of a block ({@link #forWeightGradient}'s layout),
         * into the padded O x C rows at {@code du[duOff]}, {@code ldu} apart; stored instead when not {@code accumulate}.
         */
        void accumulateProduct(int xi, int nb, float[] gh, float[] v, boolean accumulate, float[] du, int duOff, int ldu) {
            DirectGemm.accumulatePanels(roundUp(out.c(), VL), roundUp(in.c(), VL), nb, gh, S0 + xi * mPlane, mp.stride(),
                    v, S0 + xi * vPlane, vp.stride(), accumulate, du, duOff, ldu);
        }

        /** V for tiles {@code first + lo .. first + hi} (tiles lo..hi of the block in V). */
        void input(int first, int lo, int hi, float[] v, float[] tmp, float[] pad) {
            for (int b = lo; b < hi; b++) {
                int tile = first + b, n = tile / perImage, r = tile % perImage;
                inputTile(in, n, (r / tilesW) * m - ph, (r % tilesW) * m - pw, m, v, S0 + b * vp.width(), vPlane, vp, tmp, pad);
            }
        }

        /** Ghat = A gy A^T for tiles {@code first + lo .. first + hi} (tiles lo..hi of the planes), gy read from {@code out}. */
        void gradient(int first, int lo, int hi, float[] gh, float[] tmp, float[] pad) {
            for (int b = lo; b < hi; b++) {
                int tile = first + b, n = tile / perImage, r = tile % perImage;
                gradientTile(out.plain(), n, (r / tilesW) * m, (r % tilesW) * m, m, gh, S0 + b * mp.width(), mPlane, mp, tmp, pad);
            }
        }

        /** The outputs of tiles {@code first + lo .. first + hi} from rows lo..hi of M. */
        void output(int first, int lo, int hi, float[] mm, float[] tmp, float[] pad) {
            for (int b = lo; b < hi; b++) {
                int tile = first + b, n = tile / perImage, r = tile % perImage;
                outputTile(mm, S0 + b * mp.width(), mPlane, bias, out, n, (r / tilesW) * m, (r % tilesW) * m, m, tmp, pad);
            }
        }
    }

    /**
     * The image a convolution's tiles are read from or written to: an NHWC block ({@link #of}), or the
     * space-to-depth view of one ({@link #spaceToDepth}) that {@link SubPixel} convolves without copying it out.
     *
     * <p>The view of x ({@code [N, H, W, C]}, H and W even) is {@code x'[n, i, j, k C + c] = x[n, 2i - 1 + k / 2,
     * 2j - 1 + k % 2, c]} for {@code i <= H / 2, j <= W / 2}: {@code [N, H/2 + 1, W/2 + 1, 4C]}, zero (when read) where
     * that pixel lies outside x, and not stored (when written). Its channels come in four parts of C (k = 2a + b);
     * within a part, a tile's pixels are those of x at twice the strides, so the transforms read and write them in
     * place, part by part. An NHWC block is the case of one part at unit scale.
     *
     * @param src   the NHWC block
     * @param scale 1 (the block itself) or 2 (its space-to-depth view)
     */
    record Image(Nhwc src, int scale) {
        static Image of(Nhwc x) { return new Image(x, 1); }

        /** The view of x; its channels must be a whole number of vectors (each part's vectors then stay within it). */
        static Image spaceToDepth(Nhwc x) {
            if (x.h() % 2 != 0 || x.w() % 2 != 0) throw new IllegalArgumentException("odd size " + x.h() + "x" + x.w());
            if (x.c() % VL != 0) throw new IllegalArgumentException(x.c() + " channels are not a multiple of " + VL);
            return new Image(x, 2);
        }

        int n() { return src.n(); }

        int h() { return scale == 1 ? src.h() : src.h() / 2 + 1; }

        int w() { return scale == 1 ? src.w() : src.w() / 2 + 1; }

        /** Channels per part, and parts. */
        int partC() { return src.c(); }

        int parts() { return scale * scale; }

        int c() { return parts() * partC(); }

        /** Distance between a part's pixels one row (column) apart. */
        int rowStep() { return scale * src.sH(); }

        int colStep() { return scale * src.sW(); }

        /** Row of src holding row y of part k (possibly outside src); likewise columns. */
        private int srcRow(int k, int y) { return scale == 1 ? y : 2 * y - 1 + k / 2; }

        private int srcCol(int k, int x) { return scale == 1 ? x : 2 * x - 1 + k % 2; }

        /**
         * Whether row y of part k is a row of this image that src holds (then y is inside the image: for the
         * view, {@code 0 <= 2y - 1 + a < H} gives {@code 0 <= y <= H/2}); likewise columns.
         */
        boolean hasRow(int k, int y) {
            int r = srcRow(k, y);
            return r >= 0 && r < src.h();
        }

        boolean hasCol(int k, int x) {
            int c = srcCol(k, x);
            return c >= 0 && c < src.w();
        }

        /** Bit i set where row {@code y0 + i} of part k is held ({@link #hasRow}), for i below count. */
        int rowMask(int k, int y0, int count) {
            int mask = 0;
            for (int i = 0; i < count; i++) if (hasRow(k, y0 + i)) mask |= 1 << i;
            return mask;
        }

        /** Bit i set where column {@code x0 + i} of part k is held ({@link #hasCol}), for i below count. */
        int colMask(int k, int x0, int count) {
            int mask = 0;
            for (int i = 0; i < count; i++) if (hasCol(k, x0 + i)) mask |= 1 << i;
            return mask;
        }

        /** Where channel 0 of part k at pixel (y, x) of image n lies in {@code src.a()}, had src that pixel. */
        int at(int n, int k, int y, int x) {
            return src.off() + n * src.sN() + srcRow(k, y) * src.sH() + srcCol(k, x) * src.sW();
        }

        /** The NHWC block itself (scale 1 only). */
        Nhwc plain() {
            if (scale != 1) throw new IllegalStateException("a space-to-depth view has no NHWC layout of its own");
            return src;
        }
    }

    /**
     * How a plane of V or Ghat holds the channels of a block's tiles: in groups of {@code width} channels,
     * channel c of tile b at {@code (c / width) * stride + b * width + c % width}, i.e. {@code width} channels of
     * one tile side by side and the tiles one after another within a group. Rows ({@link #rows}) are the case of
     * one group holding every channel: tile b's channels at {@code b * channels}. The weight gradient's products
     * read V and Ghat in narrow groups ({@link DirectGemm#accumulatePanels}) at a constant stride per tile; in rows
     * the stride is the channel count, which C2 cannot hoist bounds checks for. width is a multiple of the vector
     * length, so each vector a transform stores stays whole.
     */
    record Panels(int width, int stride) {
        /** One group of {@code channels} (padded) channels: each tile's channels in a row. */
        static Panels rows(int channels) { return new Panels(channels, 0); }

        /** Where channel c of the tile whose first channel is at {@code off} lies in a plane. */
        int at(int off, int c) { return off + c / width * stride + c % width; }

        /** How many channels from c on, at most {@code left}, lie side by side in c's group. */
        int run(int c, int left) { return Math.min(width - c % width, left); }
    }

    static int roundUp(int x, int y) { return (x + y - 1) / y * y; }

    // ------------------------------------------------------------------ input tiles
    //
    // A 2-D transform is two passes of the 1-D one: down the t columns of the tile (into a scratch, tmp)
    // and then along the t rows of that. Both passes are "apply B^T to each of t lines of t points, for a
    // run of channels", so one method per tile size (bt6Lines, bt4Lines) serves both, with the offsets of
    // the lines and points as parameters. The channel loop is innermost, a plain counted loop over
    // vectors, so the JIT can drop the per-access bounds checks (which otherwise cost as much as the
    // arithmetic), and no vector crosses a method call.

    /**
     * Transforms the t x t input tile at rows {@code iy0..}, columns {@code ix0..} of image n, every channel,
     * into plane xi of {@code v} ({@code v[xi * plane + ...]}), channel c where {@code panels} puts it for the tile whose
     * first channel is at {@code off}; CHUNK channels at a time. Interior tiles are
     * read straight from the input; tiles that overlap the padding, and the last vector when C is not a
     * multiple of it, are first copied into the zero-filled scratch {@code pad} ({@code [t^2][CHUNK]}).
     */
    private static void inputTile(Image in, int n, int iy0, int ix0, int m, float[] v, int off, int plane, Panels panels,
                                  float[] tmp, float[] pad) {
        final int t = points(m), pc = in.partC(), rs = in.rowStep(), cs = in.colStep();
        final float[] a = in.src().a();
        for (int k = 0; k < in.parts(); k++) {
            // bit i: row iy0 + i (column ix0 + i) of part k lies inside the input
            final int rowOk = in.rowMask(k, iy0, t), colOk = in.colMask(k, ix0, t);
            final boolean interior = rowOk == (1 << t) - 1 && colOk == (1 << t) - 1;
            final int base = in.at(n, k, iy0, ix0);
            for (int c0 = 0; c0 < pc; c0 += CHUNK) {
                final int real = Math.min(CHUNK, pc - c0), len = roundUp(real, VL);
                if (interior && real == len) {
                    transformInput(m, a, base + c0, rs, cs, len, tmp, v, off, k * pc + c0, plane, panels);
                    continue;
                }
                padTile(a, base + c0, rs, cs, t, rowOk, colOk, real, len, pad);
                transformInput(m, pad, S0, t * CHUNK, CHUNK, len, tmp, v, off, k * pc + c0, plane, panels);
            }
        }
    }

    /**
     * Copies a {@code size x size} tile of {@code real} channels (point (i, j) at {@code a[base + i sH + j sW]})
     * into the scratch {@code pad} ({@code [size^2][CHUNK]}), each point padded with zeros to {@code len}
     * channels; points whose row i or column j is not set in {@code rowOk} / {@code colOk} (outside the map) are
     * all zeros.
     */
    private static void padTile(float[] a, int base, int sH, int sW, int size, int rowOk, int colOk, int real, int len,
                                float[] pad) {
        for (int i = 0; i < size; i++)
            for (int j = 0; j < size; j++) {
                int p = S0 + (i * size + j) * CHUNK;
                if ((rowOk >> i & 1) != 0 && (colOk >> j & 1) != 0) {
                    System.arraycopy(a, base + i * sH + j * sW, pad, p, real);
                    java.util.Arrays.fill(pad, p + real, p + len, 0f);
                } else {
                    java.util.Arrays.fill(pad, p, p + len, 0f);
                }
            }
    }

    /**
     * {@code V = B^T d B} for one tile and {@code len} channels: d[i][j] at {@code src[sOff + i rs + j cs]},
     * V[xi] for channels {@code c0 ..} written to plane xi of {@code dst} as {@code panels} lays them out from {@code off}
     * (the tile's first channel). Pass 1: B^T down each column j into tmp
     * ({@code [t][t][CHUNK]}); pass 2: B^T along each row i of tmp, i.e. {@code (B^T d) B}, into the planes.
     */
    private static void transformInput(int m, float[] src, int sOff, int rs, int cs, int len, float[] tmp,
                                       float[] dst, int off, int c0, int plane, Panels panels) {
        int t = points(m);
        if (t == 8) bt8Lines(src, sOff, cs, rs, tmp, S0, CHUNK, t * CHUNK, len);
        else if (t == 6) bt6Lines(src, sOff, cs, rs, tmp, S0, CHUNK, t * CHUNK, len);
        else bt4Lines(src, sOff, cs, rs, tmp, S0, CHUNK, t * CHUNK, len);
        // pass 2 per channel group (one call for rows): a group's channels are contiguous in the planes
        for (int g = 0; g < len; ) {
            int c = c0 + g, n = panels.run(c, len - g), d = panels.at(off, c);
            if (t == 8) bt8Lines(tmp, S0 + g, t * CHUNK, CHUNK, dst, d, t * plane, plane, n);
            else if (t == 6) bt6Lines(tmp, S0 + g, t * CHUNK, CHUNK, dst, d, t * plane, plane, n);
            else bt4Lines(tmp, S0 + g, t * CHUNK, CHUNK, dst, d, t * plane, plane, n);
            g += n;
        }
    }

    /**
     * {@code B^T d} for F(4, 3) on six lines of {@code len} channels: line q reads d0..d5 at
     * {@code src[sOff + q sLine + k sStep + c]} and writes its six results to {@code dst[dOff + q dLine + k dStep + c]}.
     * The rows of {@link #BT4} share sub-expressions: rows 1 and 2 are {@code (d4 - 4 d2) +- (d3 - 4 d1)},
     * rows 3 and 4 {@code (d4 - d2) +- 2 (d3 - d1)}, rows 0 and 5 {@code 4 d0 - 5 d2 + d4} and {@code 4 d1 - 5 d3 + d5}.
     */
    private static void bt6Lines(float[] src, int sOff, int sLine, int sStep, float[] dst, int dOff, int dLine, int dStep, int len) {
        final FloatVector four = FloatVector.broadcast(F, 4f), mfour = FloatVector.broadcast(F, -4f);
        final FloatVector mfive = FloatVector.broadcast(F, -5f);
        for (int q = 0; q < 6; q++) {
            final int s0 = sOff + q * sLine, s1 = s0 + sStep, s2 = s1 + sStep, s3 = s2 + sStep, s4 = s3 + sStep, s5 = s4 + sStep;
            final int e0 = dOff + q * dLine, e1 = e0 + dStep, e2 = e1 + dStep, e3 = e2 + dStep, e4 = e3 + dStep, e5 = e4 + dStep;
            for (int c = 0; c < len; c += VL) {
                FloatVector d0 = FloatVector.fromArray(F, src, s0 + c), d1 = FloatVector.fromArray(F, src, s1 + c);
                FloatVector d2 = FloatVector.fromArray(F, src, s2 + c), d3 = FloatVector.fromArray(F, src, s3 + c);
                FloatVector d4 = FloatVector.fromArray(F, src, s4 + c), d5 = FloatVector.fromArray(F, src, s5 + c);
                FloatVector p = d2.fma(mfour, d4), r = d1.fma(mfour, d3);      // d4 - 4 d2, d3 - 4 d1
                FloatVector e = d4.sub(d2), f = d3.sub(d1).add(d3.sub(d1));    // d4 - d2, 2 (d3 - d1)
                d2.fma(mfive, d0.fma(four, d4)).intoArray(dst, e0 + c);
                p.add(r).intoArray(dst, e1 + c);
                p.sub(r).intoArray(dst, e2 + c);
                e.add(f).intoArray(dst, e3 + c);
                e.sub(f).intoArray(dst, e4 + c);
                d3.fma(mfive, d1.fma(four, d5)).intoArray(dst, e5 + c);
            }
        }
    }

    /**
     * B^T of F(6, 3) along 8 lines ({@link #BT6}), in the grouping of Lavin and Gray's rows: the pairs (1, 2),
     * (3, 4), (5, 6) share their even and odd parts.
     */
    private static void bt8Lines(float[] src, int sOff, int sLine, int sStep, float[] dst, int dOff, int dLine, int dStep, int len) {
        final FloatVector c525 = FloatVector.broadcast(F, 5.25f), m425 = FloatVector.broadcast(F, -4.25f);
        final FloatVector quarter = FloatVector.broadcast(F, 0.25f), m125 = FloatVector.broadcast(F, -1.25f);
        final FloatVector half = FloatVector.broadcast(F, 0.5f), m25 = FloatVector.broadcast(F, -2.5f);
        final FloatVector two = FloatVector.broadcast(F, 2f), four = FloatVector.broadcast(F, 4f), m5 = FloatVector.broadcast(F, -5f);
        for (int q = 0; q < 8; q++) {
            final int s0 = sOff + q * sLine, s1 = s0 + sStep, s2 = s1 + sStep, s3 = s2 + sStep, s4 = s3 + sStep;
            final int s5 = s4 + sStep, s6 = s5 + sStep, s7 = s6 + sStep;
            final int e0 = dOff + q * dLine, e1 = e0 + dStep, e2 = e1 + dStep, e3 = e2 + dStep, e4 = e3 + dStep;
            final int e5 = e4 + dStep, e6 = e5 + dStep, e7 = e6 + dStep;
            for (int c = 0; c < len; c += VL) {
                FloatVector d0 = FloatVector.fromArray(F, src, s0 + c), d1 = FloatVector.fromArray(F, src, s1 + c);
                FloatVector d2 = FloatVector.fromArray(F, src, s2 + c), d3 = FloatVector.fromArray(F, src, s3 + c);
                FloatVector d4 = FloatVector.fromArray(F, src, s4 + c), d5 = FloatVector.fromArray(F, src, s5 + c);
                FloatVector d6 = FloatVector.fromArray(F, src, s6 + c), d7 = FloatVector.fromArray(F, src, s7 + c);
                d4.sub(d2).fma(c525, d0.sub(d6)).intoArray(dst, e0 + c);                  // d0 - d6 + 21/4 (d4 - d2)
                d3.sub(d5).fma(c525, d7.sub(d1)).intoArray(dst, e7 + c);                  // d7 - d1 + 21/4 (d3 - d5)
                FloatVector ev = d4.fma(m425, d2.add(d6)), od = d3.fma(m425, d1.add(d5)); // rows 1, 2: ev +- od
                ev.add(od).intoArray(dst, e1 + c);
                ev.sub(od).intoArray(dst, e2 + c);
                ev = d4.fma(m125, d2.fma(quarter, d6));                                   // d6 + d2 / 4 - 5/4 d4
                od = d5.fma(two, d3.fma(m25, d1.mul(half)));                              // d1 / 2 - 5/2 d3 + 2 d5
                ev.add(od).intoArray(dst, e3 + c);
                ev.sub(od).intoArray(dst, e4 + c);
                ev = d4.fma(m5, d2.fma(four, d6));                                        // d6 + 4 d2 - 5 d4
                od = d5.fma(half, d3.fma(m25, d1.mul(two)));                              // 2 d1 - 5/2 d3 + d5 / 2
                ev.add(od).intoArray(dst, e5 + c);
                ev.sub(od).intoArray(dst, e6 + c);
            }
        }
    }

    /** {@code B^T d} for F(2, 3) on four lines ({@link #bt6Lines}'s layout): {@code d0 - d2, d1 + d2, d2 - d1, d1 - d3}. */
    private static void bt4Lines(float[] src, int sOff, int sLine, int sStep, float[] dst, int dOff, int dLine, int dStep, int len) {
        for (int q = 0; q < 4; q++) {
            final int s0 = sOff + q * sLine, s1 = s0 + sStep, s2 = s1 + sStep, s3 = s2 + sStep;
            final int e0 = dOff + q * dLine, e1 = e0 + dStep, e2 = e1 + dStep, e3 = e2 + dStep;
            for (int c = 0; c < len; c += VL) {
                FloatVector d0 = FloatVector.fromArray(F, src, s0 + c), d1 = FloatVector.fromArray(F, src, s1 + c);
                FloatVector d2 = FloatVector.fromArray(F, src, s2 + c), d3 = FloatVector.fromArray(F, src, s3 + c);
                d0.sub(d2).intoArray(dst, e0 + c);
                d1.add(d2).intoArray(dst, e1 + c);
                d2.sub(d1).intoArray(dst, e2 + c);
                d1.sub(d3).intoArray(dst, e3 + c);
            }
        }
    }

    // ------------------------------------------------------------------ output-gradient tiles (weight gradient)

    /**
     * The adjoint of {@link #outputTile}: the m x m tile of gy at rows {@code oy0..}, columns {@code ox0..} of
     * image n (zeros beyond the output), every channel, to {@code Ghat = A gY A^T} (t x t) in
     * plane xi of {@code gh}, channel o where {@code panels} puts it for the tile whose first channel is at
     * {@code off}; CHUNK channels at a time. Clipped tiles and a last
     * partial vector of channels are first copied into the zero-filled scratch {@code pad} ({@code [m^2][CHUNK]}).
     */
    private static void gradientTile(Nhwc in, int n, int oy0, int ox0, int m, float[] gh, int off, int plane, Panels panels,
                                     float[] tmp, float[] pad) {
        final int c = in.c(), sH = in.sH(), sW = in.sW();
        final int rows = Math.min(m, in.h() - oy0), cols = Math.min(m, in.w() - ox0);
        final boolean whole = rows == m && cols == m;
        final int base = in.off() + n * in.sN() + oy0 * sH + ox0 * sW;
        final float[] a = in.a();
        for (int c0 = 0; c0 < c; c0 += CHUNK) {
            final int real = Math.min(CHUNK, c - c0), len = roundUp(real, VL);
            if (whole && real == len) {
                transformGradient(m, a, base + c0, sH, sW, len, tmp, gh, off, c0, plane, panels);
                continue;
            }
            padTile(a, base + c0, sH, sW, m, (1 << rows) - 1, (1 << cols) - 1, real, len, pad);
            transformGradient(m, pad, S0, m * CHUNK, CHUNK, len, tmp, gh, off, c0, plane, panels);
        }
    }

    /**
     * {@code Ghat = A gY A^T} for one tile and {@code len} channels: gY[i][j] at {@code src[sOff + i rs + j cs]},
     * Ghat[xi] for channels {@code c0 ..} written to plane xi of {@code dst} as {@code panels} lays them out from
     * {@code off}. Pass 1: A down each of the m columns into tmp
     * ({@code [t][m][CHUNK]}); pass 2: A along each of the t rows of tmp, into the planes.
     */
    private static void transformGradient(int m, float[] src, int sOff, int rs, int cs, int len, float[] tmp,
                                          float[] dst, int off, int c0, int plane, Panels panels) {
        int t = points(m);
        if (m == 6) a8Lines(src, sOff, cs, rs, tmp, S0, CHUNK, m * CHUNK, m, len);
        else if (m == 4) a6Lines(src, sOff, cs, rs, tmp, S0, CHUNK, m * CHUNK, m, len);
        else if (m == 5) a65Lines(src, sOff, cs, rs, tmp, S0, CHUNK, m * CHUNK, m, len);
        else a4Lines(src, sOff, cs, rs, tmp, S0, CHUNK, m * CHUNK, m, len);
        for (int g = 0; g < len; ) { // per channel group, as in transformInput
            int c = c0 + g, n = panels.run(c, len - g), d = panels.at(off, c);
            if (m == 6) a8Lines(tmp, S0 + g, m * CHUNK, CHUNK, dst, d, t * plane, plane, t, n);
            else if (m == 4) a6Lines(tmp, S0 + g, m * CHUNK, CHUNK, dst, d, t * plane, plane, t, n);
            else if (m == 5) a65Lines(tmp, S0 + g, m * CHUNK, CHUNK, dst, d, t * plane, plane, t, n);
            else a4Lines(tmp, S0 + g, m * CHUNK, CHUNK, dst, d, t * plane, plane, t, n);
            g += n;
        }
    }

    /** The adjoint of F(6, 3)'s output transform, A along {@code lines} lines: six values in, eight out (the columns of {@link #AT6}). */
    private static void a8Lines(float[] src, int sOff, int sLine, int sStep, float[] dst, int dOff, int dLine, int dStep,
                                int lines, int len) {
        final FloatVector two = FloatVector.broadcast(F, 2f), four = FloatVector.broadcast(F, 4f);
        final FloatVector eight = FloatVector.broadcast(F, 8f), sixteen = FloatVector.broadcast(F, 16f);
        final FloatVector thirtyTwo = FloatVector.broadcast(F, 32f), half = FloatVector.broadcast(F, 0.5f);
        final FloatVector quarter = FloatVector.broadcast(F, 0.25f), eighth = FloatVector.broadcast(F, 0.125f);
        final FloatVector sixteenth = FloatVector.broadcast(F, 0.0625f), thirtySecond = FloatVector.broadcast(F, 0.03125f);
        for (int q = 0; q < lines; q++) {
            final int s0 = sOff + q * sLine, s1 = s0 + sStep, s2 = s1 + sStep, s3 = s2 + sStep, s4 = s3 + sStep, s5 = s4 + sStep;
            final int e0 = dOff + q * dLine, e1 = e0 + dStep, e2 = e1 + dStep, e3 = e2 + dStep, e4 = e3 + dStep;
            final int e5 = e4 + dStep, e6 = e5 + dStep, e7 = e6 + dStep;
            for (int c = 0; c < len; c += VL) {
                FloatVector g0 = FloatVector.fromArray(F, src, s0 + c), g1 = FloatVector.fromArray(F, src, s1 + c);
                FloatVector g2 = FloatVector.fromArray(F, src, s2 + c), g3 = FloatVector.fromArray(F, src, s3 + c);
                FloatVector g4 = FloatVector.fromArray(F, src, s4 + c), g5 = FloatVector.fromArray(F, src, s5 + c);
                g0.intoArray(dst, e0 + c);
                FloatVector e = g0.add(g2).add(g4), o = g1.add(g3).add(g5);                          // points +-1
                e.add(o).intoArray(dst, e1 + c);
                e.sub(o).intoArray(dst, e2 + c);
                e = g4.fma(sixteen, g2.fma(four, g0));                                                // points +-2
                o = g5.fma(thirtyTwo, g3.fma(eight, g1.mul(two)));
                e.add(o).intoArray(dst, e3 + c);
                e.sub(o).intoArray(dst, e4 + c);
                e = g4.fma(sixteenth, g2.fma(quarter, g0));                                           // points +-1/2
                o = g5.fma(thirtySecond, g3.fma(eighth, g1.mul(half)));
                e.add(o).intoArray(dst, e5 + c);
                e.sub(o).intoArray(dst, e6 + c);
                g5.intoArray(dst, e7 + c);
            }
        }
    }

    /**
     * {@code A g} for F(4, 3) ({@link #AT4} transposed, 6 x 4) on {@code lines} lines of {@code len} channels
     * ({@link #bt6Lines}'s layout): four values in, six out, {@code g0, e + o, e - o, E + O, E - O, g3} with
     * {@code e = g0 + g2, o = g1 + g3, E = g0 + 4 g2, O = 2 g1 + 8 g3}.
     */
    private static void a6Lines(float[] src, int sOff, int sLine, int sStep, float[] dst, int dOff, int dLine, int dStep,
                                int lines, int len) {
        final FloatVector two = FloatVector.broadcast(F, 2f), four = FloatVector.broadcast(F, 4f);
        final FloatVector eight = FloatVector.broadcast(F, 8f);
        for (int q = 0; q < lines; q++) {
            final int s0 = sOff + q * sLine, s1 = s0 + sStep, s2 = s1 + sStep, s3 = s2 + sStep;
            final int e0 = dOff + q * dLine, e1 = e0 + dStep, e2 = e1 + dStep, e3 = e2 + dStep, e4 = e3 + dStep, e5 = e4 + dStep;
            for (int c = 0; c < len; c += VL) {
                FloatVector g0 = FloatVector.fromArray(F, src, s0 + c), g1 = FloatVector.fromArray(F, src, s1 + c);
                FloatVector g2 = FloatVector.fromArray(F, src, s2 + c), g3 = FloatVector.fromArray(F, src, s3 + c);
                FloatVector e = g0.add(g2), o = g1.add(g3);
                FloatVector ee = g2.fma(four, g0), oo = g3.fma(eight, g1.mul(two));
                g0.intoArray(dst, e0 + c);
                e.add(o).intoArray(dst, e1 + c);
                e.sub(o).intoArray(dst, e2 + c);
                ee.add(oo).intoArray(dst, e3 + c);
                ee.sub(oo).intoArray(dst, e4 + c);
                g3.intoArray(dst, e5 + c);
            }
        }
    }

    /**
     * {@code A g} for F(5, 2) ({@link #AT5} transposed, 6 x 5; {@link #a6Lines}'s layout): five values in, six out,
     * {@code g0, e + o, e - o, E + O, E - O, g4} with {@code e = g0 + g2 + g4, o = g1 + g3, E = g0 + 4 g2 + 16 g4,
     * O = 2 g1 + 8 g3}.
     */
    private static void a65Lines(float[] src, int sOff, int sLine, int sStep, float[] dst, int dOff, int dLine, int dStep,
                                 int lines, int len) {
        final FloatVector two = FloatVector.broadcast(F, 2f), four = FloatVector.broadcast(F, 4f);
        final FloatVector eight = FloatVector.broadcast(F, 8f), sixteen = FloatVector.broadcast(F, 16f);
        for (int q = 0; q < lines; q++) {
            final int s0 = sOff + q * sLine, s1 = s0 + sStep, s2 = s1 + sStep, s3 = s2 + sStep, s4 = s3 + sStep;
            final int e0 = dOff + q * dLine, e1 = e0 + dStep, e2 = e1 + dStep, e3 = e2 + dStep, e4 = e3 + dStep, e5 = e4 + dStep;
            for (int c = 0; c < len; c += VL) {
                FloatVector g0 = FloatVector.fromArray(F, src, s0 + c), g1 = FloatVector.fromArray(F, src, s1 + c);
                FloatVector g2 = FloatVector.fromArray(F, src, s2 + c), g3 = FloatVector.fromArray(F, src, s3 + c);
                FloatVector g4 = FloatVector.fromArray(F, src, s4 + c);
                FloatVector e = g0.add(g2).add(g4), o = g1.add(g3);
                FloatVector ee = g4.fma(sixteen, g2.fma(four, g0)), oo = g3.fma(eight, g1.mul(two));
                g0.intoArray(dst, e0 + c);
                e.add(o).intoArray(dst, e1 + c);
                e.sub(o).intoArray(dst, e2 + c);
                ee.add(oo).intoArray(dst, e3 + c);
                ee.sub(oo).intoArray(dst, e4 + c);
                g4.intoArray(dst, e5 + c);
            }
        }
    }

    /** {@code A g} for F(2, 3) ({@link #AT2} transposed, 4 x 2; {@link #a6Lines}'s layout): {@code g0, g0 + g1, g0 - g1, -g1}. */
    private static void a4Lines(float[] src, int sOff, int sLine, int sStep, float[] dst, int dOff, int dLine, int dStep,
                                int lines, int len) {
        for (int q = 0; q < lines; q++) {
            final int s0 = sOff + q * sLine, s1 = s0 + sStep;
            final int e0 = dOff + q * dLine, e1 = e0 + dStep, e2 = e1 + dStep, e3 = e2 + dStep;
            for (int c = 0; c < len; c += VL) {
                FloatVector g0 = FloatVector.fromArray(F, src, s0 + c), g1 = FloatVector.fromArray(F, src, s1 + c);
                g0.intoArray(dst, e0 + c);
                g0.add(g1).intoArray(dst, e1 + c);
                g0.sub(g1).intoArray(dst, e2 + c);
                g1.neg().intoArray(dst, e3 + c);
            }
        }
    }

    // ------------------------------------------------------------------ output tiles

    /**
     * Transforms the t^2 values {@code mm[off + xi * plane + o]} of one tile back to its m x m outputs
     * (plus bias, padded to whole vectors, or null) at rows {@code oy0..}, columns {@code ox0..} of image n,
     * clipped to the output, CHUNK channels at a time. A last partial vector of channels goes through the
     * scratch {@code pad} ({@code [m^2][CHUNK]}), so nothing is written past the output's channels.
     */
    private static void outputTile(float[] mm, int off, int plane, float[] bias, Image out, int n, int oy0, int ox0,
                                   int m, float[] tmp, float[] pad) {
        final int pc = out.partC(), rs = out.rowStep(), cs = out.colStep();
        final float[] y = out.src().a();
        for (int k = 0; k < out.parts(); k++) {
            // bit i: output row oy0 + i (column ox0 + i) of part k is stored
            final int rowOk = out.rowMask(k, oy0, m), colOk = out.colMask(k, ox0, m);
            final int rows = Integer.bitCount(rowOk), cols = Integer.bitCount(colOk);
            if (rows == 0 || cols == 0) continue;
            // the stored rows and columns of a tile of an NHWC block are always the first ones
            final boolean leading = rowOk == (1 << rows) - 1 && colOk == (1 << cols) - 1;
            final int base = out.at(n, k, oy0, ox0);
            for (int c0 = 0; c0 < pc; c0 += CHUNK) {
                final int real = Math.min(CHUNK, pc - c0), len = roundUp(real, VL), ch = k * pc + c0;
                if (leading && real == len) {
                    transformOutput(m, mm, off + ch, plane, len, tmp, bias, ch, y, base + c0, rs, cs, rows, cols);
                    continue;
                }
                transformOutput(m, mm, off + ch, plane, len, tmp, bias, ch, pad, S0, m * CHUNK, CHUNK, m, m);
                for (int i = 0; i < m; i++)
                    for (int j = 0; j < m; j++)
                        if ((rowOk >> i & 1) != 0 && (colOk >> j & 1) != 0)
                            System.arraycopy(pad, S0 + (i * m + j) * CHUNK, y, base + i * rs + j * cs + c0, real);
            }
        }
    }

    /**
     * {@code Y = A^T M A + bias} for one tile and {@code len} channels: M[xi] at {@code mm[off + xi * plane]},
     * Y[i][j] written to {@code y[yBase + i rs + j cs]} for the first {@code rows} rows and {@code cols}
     * columns. Pass 1: A^T down each of the t columns into tmp ({@code [m][t][CHUNK]}); pass 2: A^T along
     * the rows of tmp.
     */
    private static void transformOutput(int m, float[] mm, int off, int plane, int len, float[] tmp, float[] bias,
                                        int bOff, float[] y, int yBase, int rs, int cs, int rows, int cols) {
        int t = points(m);
        if (t == 8) {
            at8Lines(mm, off, plane, t * plane, tmp, S0, CHUNK, t * CHUNK, t, m, null, 0, len);
            at8Lines(tmp, S0, t * CHUNK, CHUNK, y, yBase, rs, cs, rows, cols, bias, bOff, len);
        } else if (t == 6) {
            at6Lines(mm, off, plane, t * plane, tmp, S0, CHUNK, t * CHUNK, m, t, m, null, 0, len);
            at6Lines(tmp, S0, t * CHUNK, CHUNK, y, yBase, rs, cs, m, rows, cols, bias, bOff, len);
        } else {
            at4Lines(mm, off, plane, t * plane, tmp, S0, CHUNK, t * CHUNK, t, 2, null, 0, len);
            at4Lines(tmp, S0, t * CHUNK, CHUNK, y, yBase, rs, cs, rows, cols, bias, bOff, len);
        }
    }

    /**
     * {@code A^T m + bias} for F(4, 3) ({@link #AT4}, m = 4) or F(5, 2) ({@link #AT5}, m = 5) on {@code lines} lines of
     * {@code len} channels ({@link #bt6Lines}'s layout), storing the first {@code count} of the results. With
     * {@code s = m1 + m2, d = m1 - m2, S = m3 + m4, D = m3 - m4} they are {@code m0 + s + S, d + 2D, s + 4S}, then
     * {@code d + 8D + m5} for F(4, 3), or {@code d + 8D, s + 16S + m5} for F(5, 2): infinity's coefficient m5 goes
     * to the last row. bias (at {@code bOff + c}) may be null.
     */
    private static void at6Lines(float[] src, int sOff, int sLine, int sStep, float[] dst, int dOff, int dLine, int dStep,
                                 int m, int lines, int count, float[] bias, int bOff, int len) {
        final FloatVector two = FloatVector.broadcast(F, 2f), four = FloatVector.broadcast(F, 4f);
        final FloatVector eight = FloatVector.broadcast(F, 8f), sixteen = FloatVector.broadcast(F, 16f);
        final FloatVector zero = FloatVector.zero(F);
        final boolean five = m == 5;
        for (int q = 0; q < lines; q++) {
            final int s0 = sOff + q * sLine, s1 = s0 + sStep, s2 = s1 + sStep, s3 = s2 + sStep, s4 = s3 + sStep, s5 = s4 + sStep;
            final int e0 = dOff + q * dLine, e1 = e0 + dStep, e2 = e1 + dStep, e3 = e2 + dStep, e4 = e3 + dStep;
            for (int c = 0; c < len; c += VL) {
                FloatVector m0 = FloatVector.fromArray(F, src, s0 + c), m1 = FloatVector.fromArray(F, src, s1 + c);
                FloatVector m2 = FloatVector.fromArray(F, src, s2 + c), m3 = FloatVector.fromArray(F, src, s3 + c);
                FloatVector m4 = FloatVector.fromArray(F, src, s4 + c), m5 = FloatVector.fromArray(F, src, s5 + c);
                FloatVector b = bias == null ? zero : FloatVector.fromArray(F, bias, bOff + c);
                FloatVector s = m1.add(m2), df = m1.sub(m2), bs = m3.add(m4), bd = m3.sub(m4);
                m0.add(s).add(bs).add(b).intoArray(dst, e0 + c);
                if (count > 1) bd.fma(two, df).add(b).intoArray(dst, e1 + c);
                if (count > 2) bs.fma(four, s).add(b).intoArray(dst, e2 + c);
                if (count > 3) bd.fma(eight, five ? df : df.add(m5)).add(b).intoArray(dst, e3 + c);
                if (count > 4) bs.fma(sixteen, s.add(m5)).add(b).intoArray(dst, e4 + c);
            }
        }
    }

    /** A^T of F(6, 3) ({@link #AT6}) along {@code lines} lines, the first {@code count} of its six outputs, plus the bias. */
    private static void at8Lines(float[] src, int sOff, int sLine, int sStep, float[] dst, int dOff, int dLine, int dStep,
                                 int lines, int count, float[] bias, int bOff, int len) {
        final FloatVector two = FloatVector.broadcast(F, 2f), four = FloatVector.broadcast(F, 4f);
        final FloatVector eight = FloatVector.broadcast(F, 8f), sixteen = FloatVector.broadcast(F, 16f);
        final FloatVector thirtyTwo = FloatVector.broadcast(F, 32f), half = FloatVector.broadcast(F, 0.5f);
        final FloatVector quarter = FloatVector.broadcast(F, 0.25f), eighth = FloatVector.broadcast(F, 0.125f);
        final FloatVector sixteenth = FloatVector.broadcast(F, 0.0625f), thirtySecond = FloatVector.broadcast(F, 0.03125f);
        final FloatVector zero = FloatVector.zero(F);
        for (int q = 0; q < lines; q++) {
            final int s0 = sOff + q * sLine, s1 = s0 + sStep, s2 = s1 + sStep, s3 = s2 + sStep, s4 = s3 + sStep;
            final int s5 = s4 + sStep, s6 = s5 + sStep, s7 = s6 + sStep;
            final int e0 = dOff + q * dLine, e1 = e0 + dStep, e2 = e1 + dStep, e3 = e2 + dStep, e4 = e3 + dStep, e5 = e4 + dStep;
            for (int c = 0; c < len; c += VL) {
                FloatVector m1 = FloatVector.fromArray(F, src, s1 + c), m2 = FloatVector.fromArray(F, src, s2 + c);
                FloatVector m3 = FloatVector.fromArray(F, src, s3 + c), m4 = FloatVector.fromArray(F, src, s4 + c);
                FloatVector m5 = FloatVector.fromArray(F, src, s5 + c), m6 = FloatVector.fromArray(F, src, s6 + c);
                FloatVector b = bias == null ? zero : FloatVector.fromArray(F, bias, bOff + c);
                // even and odd parts of the pairs of points +-1, +-2, +-1/2
                FloatVector a1 = m1.add(m2), o1 = m1.sub(m2), a2 = m3.add(m4), o2 = m3.sub(m4), a3 = m5.add(m6), o3 = m5.sub(m6);
                FloatVector.fromArray(F, src, s0 + c).add(a1).add(a2).add(a3).add(b).intoArray(dst, e0 + c);
                if (count > 1) o2.fma(two, o3.fma(half, o1)).add(b).intoArray(dst, e1 + c);
                if (count > 2) a2.fma(four, a3.fma(quarter, a1)).add(b).intoArray(dst, e2 + c);
                if (count > 3) o2.fma(eight, o3.fma(eighth, o1)).add(b).intoArray(dst, e3 + c);
                if (count > 4) a2.fma(sixteen, a3.fma(sixteenth, a1)).add(b).intoArray(dst, e4 + c);
                if (count > 5) o2.fma(thirtyTwo, o3.fma(thirtySecond, o1)).add(FloatVector.fromArray(F, src, s7 + c)).add(b)
                        .intoArray(dst, e5 + c);
            }
        }
    }

    /** {@code A^T m + bias} for F(2, 3) ({@link #at6Lines}'s layout): {@code m0 + m1 + m2, m1 - m2 - m3}. */
    private static void at4Lines(float[] src, int sOff, int sLine, int sStep, float[] dst, int dOff, int dLine, int dStep,
                                 int lines, int count, float[] bias, int bOff, int len) {
        final FloatVector zero = FloatVector.zero(F);
        for (int q = 0; q < lines; q++) {
            final int s0 = sOff + q * sLine, s1 = s0 + sStep, s2 = s1 + sStep, s3 = s2 + sStep;
            final int e0 = dOff + q * dLine, e1 = e0 + dStep;
            for (int c = 0; c < len; c += VL) {
                FloatVector m0 = FloatVector.fromArray(F, src, s0 + c), m1 = FloatVector.fromArray(F, src, s1 + c);
                FloatVector m2 = FloatVector.fromArray(F, src, s2 + c), m3 = FloatVector.fromArray(F, src, s3 + c);
                FloatVector b = bias == null ? zero : FloatVector.fromArray(F, bias, bOff + c);
                m0.add(m1).add(m2).add(b).intoArray(dst, e0 + c);
                if (count > 1) m1.sub(m2).sub(m3).add(b).intoArray(dst, e1 + c);
            }
        }
    }
}
