package dev.sparkj.sparse;

import dev.sparkj.autograd.F;
import dev.sparkj.autograd.Variable;

/**
 * Moves between packed rows and dense maps: the gather dense {@code [B, C, H, W]} → rows
 * {@code [P*t*t, C]} and the scatter back, which fills masked positions with zeros or with a mask
 * token. Both are compositions of differentiable index ops, so their gradients are the matching
 * scatter / gather (and the token's gradient is the sum over masked positions).
 */
final class Densify {
    private Densify() {}

    /** Rows of the visible positions of {@code dense} ({@code [B, C, H, W]}): {@code [rows, C]}. */
    static Variable gather(Variable dense, SparseLayout l) {
        int c = dense.shape(1);
        Variable flat = F.reshape(F.permute(dense, 0, 2, 3, 1), -1, c); // [B*H*W, C]
        return F.indexSelect(flat, 0, l.positionIndex());
    }

    /**
     * Dense {@code [B, C, H, W]} (channels-last memory) holding {@code rows} at visible positions and
     * {@code token} ({@code [1, C, 1, 1]}, or zeros when null) at masked ones.
     */
    static Variable scatter(Variable rows, SparseLayout l, Variable token) {
        int c = rows.shape(1);
        Variable flat = F.indexSelect(rows, 0, l.rowOfPosition()); // [B*H*W, C], zero rows where masked
        if (token != null)
            flat = F.add(flat, F.mul(Variable.of(l.maskedPositions().reshape(-1, 1)), F.reshape(token, 1, c)));
        return F.permute(F.reshape(flat, l.batch(), l.height(), l.width(), c), 0, 3, 1, 2);
    }
}
