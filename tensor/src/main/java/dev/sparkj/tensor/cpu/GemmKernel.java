package dev.sparkj.tensor.cpu;

/**
 * The register-tiled inner step of {@link Sgemm}: multiplies one packed A micro-panel by one packed
 * B micro-panel into an {@code mr() x nr()} tile, and merges such a tile into C.
 *
 * <p>Packed layouts (see {@link GemmPack}): the A micro-panel holds {@code kc} columns of {@code mr()}
 * floats each ({@code ap[ao + p * mr + r] = A(r, p)}), the B micro-panel holds {@code kc} rows of
 * {@code nr()} floats each ({@code bp[bo + p * nr + j] = B(p, j)}); rows or columns beyond the matrix
 * edge are zero-padded, so a kernel always computes a full tile.
 */
interface GemmKernel {
    /** Rows of the register tile (height of an A micro-panel). */
    int mr();

    /** Columns of the register tile (width of a B micro-panel). */
    int nr();

    /**
     * Computes {@code T = sum_p A(:, p) * B(p, :)} over {@code kc} steps (fused multiply-adds in
     * increasing p) and writes it row-major to {@code t[to + r * nr() + j]}.
     */
    void tile(int kc, float[] ap, int ao, float[] bp, int bo, float[] t, int to);

    /**
     * Merges the top-left {@code rows x cols} corner of tile {@code t} into C as
     * {@code C = alpha * T + beta * C}; when {@code beta == 0} C is only written, never read (garbage,
     * NaN included, is overwritten). Every kernel uses the same arithmetic (two products, one sum).
     */
    void store(float[] t, int to, int rows, int cols, float alpha, float beta, float[] c, int co, int ldc);
}
