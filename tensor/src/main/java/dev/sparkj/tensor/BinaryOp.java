package dev.sparkj.tensor;

/** Elementwise functions of two operands. Comparisons produce BOOL tensors. */
public enum BinaryOp {
    ADD, SUB, MUL, DIV, MAX, MIN, POW,
    EQ, NE, LT, LE, GT, GE;

    /** Whether the result is a BOOL mask. */
    public boolean isComparison() { return ordinal() >= EQ.ordinal(); }
}
