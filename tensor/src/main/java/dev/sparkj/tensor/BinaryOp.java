package dev.sparkj.tensor;

/**
 * Elementwise functions of two operands. Comparisons produce BOOL tensors.
 *
 * <p>RELU_GRAD and RELU6_GRAD are the backward passes of relu and relu6 in one pass: {@code a} is the
 * incoming gradient and {@code b} the activation (input or output, the rule is the same): the result is
 * {@code a} where {@code b > 0} (relu) or {@code 0 < b < 6} (relu6), else 0. GELU_GRAD is the backward pass of
 * the exact GELU in one pass: {@code a · gelu'(b)} with {@code b} the input.
 */
public enum BinaryOp {
    ADD, SUB, MUL, DIV, MAX, MIN, POW, RELU_GRAD, RELU6_GRAD, GELU_GRAD,
    EQ, NE, LT, LE, GT, GE;

    /** Whether the result is a BOOL mask. */
    public boolean isComparison() { return ordinal() >= EQ.ordinal(); }
}
