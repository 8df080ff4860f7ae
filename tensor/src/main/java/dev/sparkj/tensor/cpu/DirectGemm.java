package dev.sparkj.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Small matrix products that skip {@link Sgemm}'s packing of A, for operands that are used many times
 * over short row blocks (Winograd's t^2 products per block of tiles). {@link Sgemm} packs A and B afresh
 * on every call; when a call has only a few dozen rows and a few dozen columns of depth, that copying
 * costs as much as the multiply-adds. Here:
 * <ul>
 * <li>B is packed once, by the caller, into {@link VectorGemmKernel}'s micro-panel layout over the whole
 *     depth ({@link #packB}), and reused for every block of rows;</li>
 * <li>A is read where it lies: the kernel broadcasts {@code A(r, p)} straight from its row-major storage
 *     (four rows at a time, each a contiguous stream);</li>
 * <li>each 4 x (2 vectors) tile of C is summed in registers over the whole depth in increasing p and
 *     written once, so every element of C is one chain of fused multiply-adds from zero, the same
 *     whatever the number of rows, the block or the thread.</li>
 * </ul>
 * Meant for B up to a few hundred KiB (it should stay in L2 while blocks of A stream past); the caller
 * decides (see {@link Winograd}).
 */
final class DirectGemm {
    private DirectGemm() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int VL = S.length();
    /**
     * Whether the kernels take eight rows of A at a time (sixteen accumulators) where they can, instead of four:
     * with {@link Sgemm}'s 12-row kernel, i.e. on CPUs with 32 vector registers. Every element of C is the same
     * chain of fused multiply-adds either way.
     */
    static final boolean EIGHT_ROWS = Sgemm.KERNEL.mr() >= WideGemmKernel.MR;
    /** Width of a B micro-panel: two vectors, as in {@link VectorGemmKernel}. */
    static final int NR = 2 * VL;

    /** Floats {@link #packB} writes for a k x n B: {@code ceil(n / NR)} panels of k rows of NR floats. */
    static int packedSize(int k, int n) { return (n + NR - 1) / NR * NR * k; }

    /**
     * Packs op(B) (k x n; stored n x k when {@code transB}) into panels: panel jp holds columns
     * {@code jp NR .. jp NR + NR - 1} as k rows of NR floats at {@code dst[dOff + jp k NR + p NR]}, columns past
     * n zero.
     */
    static void packB(boolean transB, float[] b, int offB, int ldb, int k, int n, float[] dst, int dOff) {
        GemmPack.packB(transB, b, offB, ldb, 0, k, 0, n, NR, 0, (n + NR - 1) / NR, dst, dOff);
    }

    /**
     * {@code C = A . B} for {@code rows x n} C ({@code n} a multiple of the vector length, {@code ldc >= n}),
     * A {@code rows x k} row-major ({@code lda}), B packed by {@link #packB} for k x n (a half-used last panel
     * takes a one-vector kernel for the blocks of four rows). Single-threaded.
     */
    static void multiply(int rows, int n, int k, float[] a, int aOff, int lda, float[] bp, int bOff,
                         float[] c, int cOff, int ldc) {
        multiply(EIGHT_ROWS, rows, n, k, a, aOff, lda, bp, bOff, c, cOff, ldc);
    }

    /** {@link #multiply} with the tile height chosen by the caller (tests run both on any machine). */
    static void multiply(boolean eightRows, int rows, int n, int k, float[] a, int aOff, int lda, float[] bp, int bOff,
                         float[] c, int cOff, int ldc) {
        if (n % VL != 0) throw new IllegalArgumentException("n=" + n + " is not a multiple of " + VL);
        final int panels = (n + NR - 1) / NR;
        int r = 0;
        if (eightRows)
            for (; r + 8 <= rows; r += 8)
                for (int jp = 0; jp < panels; jp++) {
                    int bo = bOff + jp * k * NR, co = cOff + r * ldc + jp * NR;
                    if (n - jp * NR >= NR) tile8(k, a, aOff + r * lda, lda, bp, bo, c, co, ldc);
                    else {
                        tile4Half(k, a, aOff + r * lda, lda, bp, bo, c, co, ldc);
                        tile4Half(k, a, aOff + (r + 4) * lda, lda, bp, bo, c, co + 4 * ldc, ldc);
                    }
                }
        for (; r + 4 <= rows; r += 4)
            for (int jp = 0; jp < panels; jp++) {
                int bo = bOff + jp * k * NR, co = cOff + r * ldc + jp * NR;
                if (n - jp * NR >= NR) tile4(k, a, aOff + r * lda, lda, bp, bo, c, co, ldc);
                else tile4Half(k, a, aOff + r * lda, lda, bp, bo, c, co, ldc);
            }
        for (; r < rows; r++)
            for (int jp = 0; jp < panels; jp++)
                tile1(k, a, aOff + r * lda, bp, bOff + jp * k * NR, c, cOff + r * ldc + jp * NR,
                        Math.min(NR, n - jp * NR) == NR);
        FlopCounter.add(2L * rows * n * k);
    }

    /**
     * {@link #tile4} with eight rows of A: sixteen accumulators, for CPUs with 32 vector registers. The same
     * multiply-adds as {@link #tilePanels8x2}, kept apart because each reads A at constant strides of its own
     * (rows lda apart here, p steps of VL there), which is what lets C2 drop the bounds checks from the loop.
     */
    private static void tile8(int k, float[] a, int ao, int lda, float[] bp, int bo, float[] c, int co, int ldc) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z;
        FloatVector c10 = z, c11 = z;
        FloatVector c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z;
        FloatVector c40 = z, c41 = z;
        FloatVector c50 = z, c51 = z;
        FloatVector c60 = z, c61 = z;
        FloatVector c70 = z, c71 = z;
        final int a1 = ao + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda, a6 = a5 + lda, a7 = a6 + lda;
        for (int p = 0; p < k; p++) {
            int bi = bo + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + VL);
            FloatVector x;
            x = FloatVector.broadcast(S, a[ao + p]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[a4 + p]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[a5 + p]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, a[a6 + p]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, a[a7 + p]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
        }
        c00.intoArray(c, co);
        c01.intoArray(c, co + VL);
        c10.intoArray(c, co + ldc);
        c11.intoArray(c, co + ldc + VL);
        c20.intoArray(c, co + 2 * ldc);
        c21.intoArray(c, co + 2 * ldc + VL);
        c30.intoArray(c, co + 3 * ldc);
        c31.intoArray(c, co + 3 * ldc + VL);
        c40.intoArray(c, co + 4 * ldc);
        c41.intoArray(c, co + 4 * ldc + VL);
        c50.intoArray(c, co + 5 * ldc);
        c51.intoArray(c, co + 5 * ldc + VL);
        c60.intoArray(c, co + 6 * ldc);
        c61.intoArray(c, co + 6 * ldc + VL);
        c70.intoArray(c, co + 7 * ldc);
        c71.intoArray(c, co + 7 * ldc + VL);
    }

    /** Four rows of A (row stride lda) times one B panel into a 4 x NR tile of C. */
    private static void tile4(int k, float[] a, int ao, int lda, float[] bp, int bo, float[] c, int co, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00;
        FloatVector c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        final int a1 = ao + lda, a2 = a1 + lda, a3 = a2 + lda;
        for (int p = 0; p < k; p++) {
            int bi = bo + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + VL);
            FloatVector x = FloatVector.broadcast(S, a[ao + p]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
        }
        c00.intoArray(c, co);
        c01.intoArray(c, co + VL);
        c10.intoArray(c, co + ldc);
        c11.intoArray(c, co + ldc + VL);
        c20.intoArray(c, co + 2 * ldc);
        c21.intoArray(c, co + 2 * ldc + VL);
        c30.intoArray(c, co + 3 * ldc);
        c31.intoArray(c, co + 3 * ldc + VL);
    }

    /**
     * {@code C (+)= A^T . B} with no packing, for a long sum over {@code k} (Winograd's weight gradient:
     * {@code dU[xi] += Ghat[xi]^T V[xi]} over the tiles), A ({@code k x rows}) and B ({@code k x n}) laid out in
     * channel panels ({@link Winograd.Panels}) by the transforms that produce them: {@code A(p, i)} at
     * {@code a[aOff + (i / VL) * aStride + p * VL + i % VL]}, {@code B(p, j)} at
     * {@code b[bOff + (j / NR) * bStride + p * NR + j % NR]}; C {@code rows x n} ({@code ldc}); rows a multiple of 4
     * and n of the vector length. Step p of a tile reads four consecutive values of A at {@code p * VL} and two
     * vectors of B at {@code p * NR}: constant strides, so C2 takes the bounds checks out of the loop (with rows
     * of A and B at a stride of the channel count, which is not a constant, it kept four checks per step, and the
     * weight gradients ran about 16 % slower). Each 4 x (2 vectors) tile is summed in registers from zero over the
     * k steps in order, then added to C ({@code accumulate}) or stored (C is zeroed first, and the same add done).
     * So a sum cut into consecutive calls adds the calls' partial sums in order: the same floats for the same
     * cuts, whatever the thread. Single-threaded.
     *
     * <p>The accumulators start from zero inside the kernel, as in {@link VectorGemmKernel}: a version that
     * loaded them from C before its loop was, in about one process in three, compiled by C2 with its vectors
     * left as heap objects (JFR: float[] allocations in FloatVector.lanewiseTemplate; a ResNet-50 step 25-30 s
     * instead of 13-15 s).
     */
    static void accumulatePanels(int rows, int n, int k, float[] a, int aOff, int aStride, float[] b, int bOff, int bStride,
                                 boolean accumulate, float[] c, int cOff, int ldc) {
        accumulatePanels(EIGHT_ROWS, rows, n, k, a, aOff, aStride, b, bOff, bStride, accumulate, c, cOff, ldc);
    }

    /** {@link #accumulatePanels} with the tile height chosen by the caller (tests run both on any machine). */
    static void accumulatePanels(boolean eightRows, int rows, int n, int k, float[] a, int aOff, int aStride, float[] b,
                                 int bOff, int bStride, boolean accumulate, float[] c, int cOff, int ldc) {
        if (rows % 4 != 0 || n % VL != 0 || VL % 4 != 0) // tiles of 4 rows, never straddling an A panel of VL
            throw new IllegalArgumentException("rows=" + rows + " (a multiple of 4), n=" + n + " (a multiple of " + VL + ")");
        if (!accumulate)
            for (int i = 0; i < rows; i++) java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
        // columns in blocks whose B panels (k x cols) stay in L2 while the rows of A sweep past them
        final int cols = Math.max(NR, PANELS_L2_FLOATS / Math.max(1, k) / NR * NR);
        final float[] tile = eightRows ? TILE.take(8 * NR) : null;
        try {
            sweepPanels(eightRows, rows, n, k, cols, a, aOff, aStride, b, bOff, bStride, c, cOff, ldc, tile);
        } finally {
            if (tile != null) TILE.give(tile);
        }
        FlopCounter.add(2L * rows * n * k);
    }

    /** {@link #accumulatePanels}'s loops: B panels in blocks of {@code cols} columns, rows of A in tiles of 8 or 4. */
    private static void sweepPanels(boolean eightRows, int rows, int n, int k, int cols, float[] a, int aOff, int aStride,
                                    float[] b, int bOff, int bStride, float[] c, int cOff, int ldc, float[] tile) {
        for (int j0 = 0; j0 < n; j0 += cols) {
            final int j1 = Math.min(n, j0 + cols);
            for (int i = 0; i < rows; ) {
                int ao = aOff + (i / VL) * aStride + i % VL;
                boolean eight = eightRows && i + 8 <= rows && i % VL + 8 <= VL;
                for (int j = j0; j < j1; j += NR) {
                    int bo = bOff + (j / NR) * bStride, co = cOff + i * ldc + j;
                    if (n - j < NR) {
                        tilePanels4x1(k, a, ao, b, bo, c, co, ldc);
                        if (eight) tilePanels4x1(k, a, ao + 4, b, bo, c, co + 4 * ldc, ldc);
                    } else if (eight) {
                        tilePanels8x2(k, a, ao, b, bo, tile);
                        addTile(tile, c, co, ldc);
                    } else {
                        tilePanels4x2(k, a, ao, b, bo, c, co, ldc);
                    }
                }
                i += eight ? 8 : 4;
            }
        }
    }

    /** Each thread's 8 x NR scratch tile for {@link #accumulatePanels} (a fresh one per call came to 0.2-0.3 GB per ResNet-50 step). */
    private static final Scratch TILE = new Scratch();

    /**
     * Floats of B panels {@link #accumulatePanels} sweeps with each row block of A (64K, 256 KiB: half of a Zen 3
     * core's L2). Each tile's sum is the same whatever the blocks, so this only changes the order tiles are done in.
     */
    static final int PANELS_L2_FLOATS = 1 << 16;

    /** Four rows of A (at {@code ao + p VL}) times one B panel (at {@code bo + p NR}), added into a 4 x NR tile of C. */
    private static void tilePanels4x2(int k, float[] a, int ao, float[] b, int bo, float[] c, int co, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00;
        FloatVector c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        for (int p = 0; p < k; p++) {
            int ai = ao + p * VL, bi = bo + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + VL);
            FloatVector x = FloatVector.broadcast(S, a[ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[ai + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[ai + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[ai + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
        }
        addInto(c00, c, co);
        addInto(c01, c, co + VL);
        addInto(c10, c, co + ldc);
        addInto(c11, c, co + ldc + VL);
        addInto(c20, c, co + 2 * ldc);
        addInto(c21, c, co + 2 * ldc + VL);
        addInto(c30, c, co + 3 * ldc);
        addInto(c31, c, co + 3 * ldc + VL);
    }

    /**
     * {@link #tilePanels4x2} with eight rows of A (one half of a 16-lane A panel): sixteen accumulators, written
     * to the scratch tile {@code t} (8 x NR) and then added into C by {@link #addTile}. (Adding each accumulator
     * into C in this method, as the four-row tile does, left C2 over its inlining budget: some of the sixteen
     * adds were compiled as calls, with their vectors as heap objects, about 1.5 GB per ResNet-50 step.)
     */
    private static void tilePanels8x2(int k, float[] a, int ao, float[] b, int bo, float[] t) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z;
        FloatVector c10 = z, c11 = z;
        FloatVector c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z;
        FloatVector c40 = z, c41 = z;
        FloatVector c50 = z, c51 = z;
        FloatVector c60 = z, c61 = z;
        FloatVector c70 = z, c71 = z;
        for (int p = 0; p < k; p++) {
            int ai = ao + p * VL, bi = bo + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + VL);
            FloatVector x;
            x = FloatVector.broadcast(S, a[ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[ai + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[ai + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[ai + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[ai + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[ai + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, a[ai + 6]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, a[ai + 7]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
        }
        c00.intoArray(t, 0 * NR);
        c01.intoArray(t, 0 * NR + VL);
        c10.intoArray(t, 1 * NR);
        c11.intoArray(t, 1 * NR + VL);
        c20.intoArray(t, 2 * NR);
        c21.intoArray(t, 2 * NR + VL);
        c30.intoArray(t, 3 * NR);
        c31.intoArray(t, 3 * NR + VL);
        c40.intoArray(t, 4 * NR);
        c41.intoArray(t, 4 * NR + VL);
        c50.intoArray(t, 5 * NR);
        c51.intoArray(t, 5 * NR + VL);
        c60.intoArray(t, 6 * NR);
        c61.intoArray(t, 6 * NR + VL);
        c70.intoArray(t, 7 * NR);
        c71.intoArray(t, 7 * NR + VL);
    }

    /** Adds the 8 x NR scratch tile {@code t} into C at {@code co}, row by row. */
    private static void addTile(float[] t, float[] c, int co, int ldc) {
        for (int r = 0; r < 8; r++)
            for (int j = 0; j < NR; j += VL) addInto(FloatVector.fromArray(S, t, r * NR + j), c, co + r * ldc + j);
    }

    /** {@link #tilePanels4x2} for a half-used last B panel (one vector of columns). */
    private static void tilePanels4x1(int k, float[] a, int ao, float[] b, int bo, float[] c, int co, int ldc) {
        FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0;
        for (int p = 0; p < k; p++) {
            int ai = ao + p * VL;
            FloatVector b0 = FloatVector.fromArray(S, b, bo + p * NR);
            c0 = FloatVector.broadcast(S, a[ai]).fma(b0, c0);
            c1 = FloatVector.broadcast(S, a[ai + 1]).fma(b0, c1);
            c2 = FloatVector.broadcast(S, a[ai + 2]).fma(b0, c2);
            c3 = FloatVector.broadcast(S, a[ai + 3]).fma(b0, c3);
        }
        addInto(c0, c, co);
        addInto(c1, c, co + ldc);
        addInto(c2, c, co + 2 * ldc);
        addInto(c3, c, co + 3 * ldc);
    }

    private static void addInto(FloatVector v, float[] c, int i) {
        FloatVector.fromArray(S, c, i).add(v).intoArray(c, i);
    }

    /**
     * Four rows of A times the first vector of a half-used B panel (n an odd number of vectors, e.g. 24
     * output channels): the multiply-adds of the unused half are not done at all. Same sums as {@link #tile4}.
     */
    private static void tile4Half(int k, float[] a, int ao, int lda, float[] bp, int bo, float[] c, int co, int ldc) {
        FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0;
        final int a1 = ao + lda, a2 = a1 + lda, a3 = a2 + lda;
        for (int p = 0; p < k; p++) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bo + p * NR);
            c0 = FloatVector.broadcast(S, a[ao + p]).fma(b0, c0);
            c1 = FloatVector.broadcast(S, a[a1 + p]).fma(b0, c1);
            c2 = FloatVector.broadcast(S, a[a2 + p]).fma(b0, c2);
            c3 = FloatVector.broadcast(S, a[a3 + p]).fma(b0, c3);
        }
        c0.intoArray(c, co);
        c1.intoArray(c, co + ldc);
        c2.intoArray(c, co + 2 * ldc);
        c3.intoArray(c, co + 3 * ldc);
    }

    /** One row of A times one B panel (the rows left over after the blocks of four). */
    private static void tile1(int k, float[] a, int ao, float[] bp, int bo, float[] c, int co, boolean both) {
        FloatVector c0 = FloatVector.zero(S), c1 = c0;
        for (int p = 0; p < k; p++) {
            int bi = bo + p * NR;
            FloatVector x = FloatVector.broadcast(S, a[ao + p]);
            c0 = x.fma(FloatVector.fromArray(S, bp, bi), c0);
            c1 = x.fma(FloatVector.fromArray(S, bp, bi + VL), c1);
        }
        c0.intoArray(c, co);
        if (both) c1.intoArray(c, co + VL);
    }
}
