package dev.sparkj.sparse;

import dev.sparkj.autograd.Variable;

/**
 * A sparse (masked) feature map: only the visible positions of a logical {@code [N, C, H, W]} map,
 * packed as rows {@code [rows, C]}, together with where those rows lie (the active mask at this
 * scale). Masked positions are exactly zero by definition.
 *
 * <p>Placeholder: the sparse module fills in the layout (active mask / patch tiles) and the ops;
 * until then image layers reject this representation with a clear message.
 */
public final class SparseMap implements FeatureMap {
    private final Variable rows;
    private final int[] shape;

    /**
     * @param rows  the visible positions, {@code [rows, C]}
     * @param shape the logical shape {@code [N, C, H, W]}
     */
    public SparseMap(Variable rows, int[] shape) {
        if (shape.length != 4) throw new IllegalArgumentException("logical shape must be [N, C, H, W]");
        if (rows.data().rank() != 2 || rows.data().shape(1) != shape[1])
            throw new IllegalArgumentException("rows must be [rows, " + shape[1] + "], got " + java.util.Arrays.toString(rows.data().shape()));
        this.rows = rows;
        this.shape = shape.clone();
    }

    /** The packed visible positions, {@code [rows, C]}. */
    public Variable rows() { return rows; }

    @Override public int[] shape() { return shape.clone(); }
}
