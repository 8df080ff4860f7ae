package dev.sparkj.tensor;

/** Elementwise functions of one operand. GELU is the exact (erf) form; ERF uses a double-precision approximation accurate to 1e-15. */
public enum UnaryOp {
    NEG, ABS, EXP, LOG, SQRT, RSQRT, RECIPROCAL, SQUARE, SIGN, RELU, RELU6, SIGMOID, TANH, ERF, GELU,
    /** d/dx gelu(x) (exact form), used by GELU's backward. */
    GELU_GRAD
}
