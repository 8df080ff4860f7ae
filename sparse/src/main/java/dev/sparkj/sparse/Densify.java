package dev.sparkj.sparse;

import dev.sparkj.autograd.F;
import dev.sparkj.autograd.Node;
import dev.sparkj.autograd.Variable;
import dev.sparkj.tensor.Tensor;
import dev.sparkj.tensor.cpu.Parallel;

/**
 * Moves between packed rows and dense maps: the gather dense {@code [B, C, H, W]} → rows
 * {@code [P*t*t, C]} and the scatter back, which fills masked positions with zeros or with a mask
 * token. Their gradients are the matching scatter / gather (and the token's gradient is the sum over
 * masked positions).
 *
 * <p>F32 heap tensors take one direct pass each way ({@link #gatherRows}, {@link #scatterRows}): the gather
 * reads the dense map through its strides (NCHW or channels-last, no layout copy first), and the scatter writes
 * each position once, a row or the token, where the composed form (index select with zero rows, then mask
 * times token, then add) wrote three position-sized arrays. Other dtypes and backends compose the same result
 * from differentiable index ops.
 */
final class Densify {
    private Densify() {}

    /** Positions per parallel chunk of the token gradient's sums (fixed, so the sum does not depend on the thread count). */
    private static final int TOKEN_CHUNK = 512;

    /** Rows of the visible positions of {@code dense} ({@code [B, C, H, W]}): {@code [rows, C]}. */
    static Variable gather(Variable dense, SparseLayout l) {
        int c = dense.shape(1);
        if (HeapF32.eligible(dense.data())) {
            int[] shape = dense.shape();
            return Node.unary("gatherVisible", dense, gatherRows(dense.data(), l), Node.NONE,
                    (n, g) -> scatterToDense(g, l, shape));
        }
        Variable flat = F.reshape(F.permute(dense, 0, 2, 3, 1), -1, c); // [B*H*W, C]
        return F.indexSelect(flat, 0, l.positionIndex());
    }

    /**
     * Dense {@code [B, C, H, W]} (channels-last memory) holding {@code rows} at visible positions and
     * {@code token} ({@code [1, C, 1, 1]}, or zeros when null) at masked ones.
     */
    static Variable scatter(Variable rows, SparseLayout l, Variable token) {
        int c = rows.shape(1);
        Variable flat;
        if (HeapF32.eligible(rows.data(), token == null ? null : token.data())) {
            Tensor out = scatterRows(rows.data(), token == null ? null : token.data(), l);
            flat = Node.record("densify", new Variable[]{rows, token}, out, Node.NONE, (n, g) -> {
                Tensor gc = HeapF32.dense(g);
                // the rows' gradient: g's rows at the visible positions, g seen as the channels-last map it is
                Tensor asMap = gc.reshape(l.batch(), l.height(), l.width(), c).permute(0, 3, 1, 2);
                return new Tensor[]{n.needs(0) ? gatherRows(asMap, l) : null, n.needs(1) ? tokenGradient(gc, l) : null};
            });
        } else {
            flat = F.indexSelect(rows, 0, l.rowOfPosition()); // [B*H*W, C], zero rows where masked
            if (token != null)
                flat = F.add(flat, F.mul(Variable.of(l.maskedPositions().reshape(-1, 1)), F.reshape(token, 1, c)));
        }
        return F.permute(F.reshape(flat, l.batch(), l.height(), l.width(), c), 0, 3, 1, 2);
    }

    // ------------------------------------------------------------------ direct F32 kernels

    /** Rows (or positions) of {@code c} channels per parallel chunk: about 16K floats. */
    private static int rowGrain(int c) { return Math.max(1, 16384 / Math.max(1, c)); }

    /** {@code out[r, ch] = d[b, ch, y, x]} for row r at (b, y, x), reading d through its strides: {@code [rows, C]}. */
    static Tensor gatherRows(Tensor d, SparseLayout l) {
        int c = d.shape(1), rows = l.rows(), w = l.width(), hw = l.height() * w;
        int sb = d.stride(0), sc = d.stride(1), sy = d.stride(2), sx = d.stride(3), off = d.offset();
        int[] pos = l.positions();
        Tensor out = HeapF32.zeros(d, rows, c);
        float[] a = ((dev.sparkj.tensor.HeapStorage) d.storage()).f32(), o = HeapF32.array(out);
        Parallel.forRange(rows, rowGrain(c), (lo, hi) -> {
            for (int r = lo; r < hi; r++) {
                int p = pos[r], b = p / hw, yx = p % hw;
                int base = off + b * sb + (yx / w) * sy + (yx % w) * sx, dst = r * c;
                if (sc == 1) System.arraycopy(a, base, o, dst, c);
                else for (int ch = 0; ch < c; ch++) o[dst + ch] = a[base + ch * sc];
            }
        });
        return out;
    }

    /** The gather's gradient: {@code g} ({@code [rows, C]}) written at the visible positions of a zero NCHW map. */
    private static Tensor scatterToDense(Tensor g, SparseLayout l, int[] shape) {
        Tensor gc = HeapF32.dense(g);
        int c = shape[1], rows = l.rows(), hw = l.height() * l.width();
        int[] pos = l.positions();
        Tensor gd = HeapF32.zeros(gc, shape);
        float[] ga = HeapF32.array(gc), da = HeapF32.array(gd);
        int go = gc.offset();
        Parallel.forRange(rows, rowGrain(c), (lo, hi) -> {
            for (int r = lo; r < hi; r++) {
                int p = pos[r], base = (p / hw) * c * hw + p % hw, src = go + r * c;
                for (int ch = 0; ch < c; ch++) da[base + ch * hw] = ga[src + ch];
            }
        });
        return gd;
    }

    /** {@code out[p] = rows[row(p)]}, or the token (zeros when null) where p is masked: {@code [B*H*W, C]}. */
    static Tensor scatterRows(Tensor rows, Tensor token, SparseLayout l) {
        Tensor rc = HeapF32.dense(rows), tc = token == null ? null : HeapF32.dense(token);
        int c = rc.shape(1), positions = l.batch() * l.height() * l.width();
        int[] rowOf = l.rowsOfPositions();
        Tensor out = HeapF32.zeros(rc, positions, c);
        float[] ra = HeapF32.array(rc), o = HeapF32.array(out), ta = tc == null ? null : HeapF32.array(tc);
        int ro = rc.offset(), to = tc == null ? 0 : tc.offset();
        Parallel.forRange(positions, rowGrain(c), (lo, hi) -> {
            for (int p = lo; p < hi; p++) {
                int r = rowOf[p];
                if (r >= 0) System.arraycopy(ra, ro + r * c, o, p * c, c);
                else if (ta != null) System.arraycopy(ta, to, o, p * c, c);
                // else: the fresh array's zeros
            }
        });
        return out;
    }

    /**
     * The token's gradient, {@code [1, C, 1, 1]}: the sum of {@code g}'s rows ({@code [B*H*W, C]}, row-major) at
     * masked positions. Chunks of {@link #TOKEN_CHUNK} positions are summed in position order, then the chunks'
     * sums in chunk order, so the result is the same for any number of threads.
     */
    private static Tensor tokenGradient(Tensor g, SparseLayout l) {
        int c = g.shape(1), positions = g.shape(0), chunks = (positions + TOKEN_CHUNK - 1) / TOKEN_CHUNK;
        int[] rowOf = l.rowsOfPositions();
        float[] ga = HeapF32.array(g), partial = new float[chunks * c];
        int go = g.offset();
        Parallel.forRange(chunks, 1, (lo, hi) -> {
            for (int k = lo; k < hi; k++) {
                int acc = k * c;
                for (int p = k * TOKEN_CHUNK, end = Math.min(positions, p + TOKEN_CHUNK); p < end; p++) {
                    if (rowOf[p] >= 0) continue;
                    for (int ch = 0, src = go + p * c; ch < c; ch++) partial[acc + ch] += ga[src + ch];
                }
            }
        });
        return Tensor.of(sumRows(partial, chunks, c), 1, c, 1, 1).to(g.backend());
    }

    /** The sum of the {@code rows} rows of {@code c} floats in {@code a}, in row order (a method of its own, so that compiling this loop on the spot compiles only it; see the note at BatchNormOps.times). */
    private static float[] sumRows(float[] a, int rows, int c) {
        float[] sum = new float[c];
        for (int k = 0; k < rows; k++) for (int ch = 0; ch < c; ch++) sum[ch] += a[k * c + ch];
        return sum;
    }
}
