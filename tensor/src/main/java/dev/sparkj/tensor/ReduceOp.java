package dev.sparkj.tensor;

/** Reductions over axes. */
public enum ReduceOp { SUM, MEAN, MAX, MIN }
