/**
 * The op families behind {@link dev.sparkj.autograd.F}: each op computes its forward with tensor ops and
 * records its backward next to it through {@link dev.sparkj.autograd.Node#record}. Call them through F.
 */
package dev.sparkj.autograd.ops;
