/**
 * Reverse-mode automatic differentiation over {@code dev.sparkj.tensor}: {@link dev.sparkj.autograd.Variable},
 * {@link dev.sparkj.autograd.Node}, {@link dev.sparkj.autograd.Engine}, {@link dev.sparkj.autograd.NoGrad},
 * the functional API {@link dev.sparkj.autograd.F} and {@link dev.sparkj.autograd.GradCheck}.
 */
package dev.sparkj.autograd;
