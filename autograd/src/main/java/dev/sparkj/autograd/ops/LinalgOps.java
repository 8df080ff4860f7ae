package dev.sparkj.autograd.ops;

import dev.sparkj.autograd.Node;
import dev.sparkj.autograd.Variable;
import dev.sparkj.tensor.Shapes;
import dev.sparkj.tensor.Tensor;

/** Matrix products (batched matmul, the linear layer) with their gradients; use them through {@link dev.sparkj.autograd.F}. */
public final class LinalgOps {
    private LinalgOps() {}

    /**
     * {@code [..., M, K] @ [..., K, N] -> [..., M, N]} with broadcast batch axes (both ranks ≥ 2).
     * ga = g @ bᵀ, gb = aᵀ @ g, each in the broadcast batch shape (the engine sums repeated batch axes).
     */
    public static Variable matmul(Variable a, Variable b) {
        Tensor x = a.data(), y = b.data();
        return Node.record("matmul", new Variable[]{a, b}, x.matmul(y), new Tensor[]{x, y}, (n, g) -> new Tensor[]{
                n.needs(0) ? g.matmul(n.saved(1).transpose(-1, -2)) : null,
                n.needs(1) ? n.saved(0).transpose(-1, -2).matmul(g) : null});
    }

    /**
     * {@code y = x wᵀ + b} as PyTorch's linear: x {@code [..., in]}, w {@code [out, in]}, b {@code [out]} or null,
     * y {@code [..., out]}. Leading axes are flattened into one GEMM, so w's gradient is one {@code [out, in]} product.
     */
    public static Variable linear(Variable x, Variable w, Variable b) {
        int[] xs = x.shape();
        if (x.rank() < 1 || w.rank() != 2 || w.shape(1) != xs[xs.length - 1])
            throw new IllegalArgumentException("linear: input " + Shapes.str(xs) + " and weight " + Shapes.str(w.shape()) + " (want [..., in] and [out, in])");
        if (b != null && (b.rank() != 1 || b.shape(0) != w.shape(0)))
            throw new IllegalArgumentException("linear: bias " + Shapes.str(b.shape()) + " for weight " + Shapes.str(w.shape()));
        int in = w.shape(1), outF = w.shape(0);
        int[] ys = xs.clone();
        ys[ys.length - 1] = outF;
        Tensor x2 = x.data().reshape(-1, in), wt = w.data();          // [M, in], [out, in]
        Tensor y2 = x2.matmul(wt.transpose(0, 1));                     // [M, out]
        if (b != null) y2 = y2.addInPlace(b.data());                   // y2 is this op's own fresh output
        return Node.record("linear", new Variable[]{x, w, b}, y2.reshape(ys), new Tensor[]{x2, wt}, (n, g) -> {
            Tensor g2 = g.reshape(-1, outF);                           // [M, out]
            // the weight gradient first: then x, if it can be recomputed, lends its memory to the input gradient
            Tensor gw = n.needs(1) ? g2.transpose(0, 1).matmul(n.saved(0)) : null;              // [out, in]
            n.doneWith(0);
            return new Tensor[]{
                    n.needs(0) ? g2.matmul(n.saved(1)).reshape(xs) : null,                 // [M, in]
                    gw,
                    n.needs(2) ? g2.sum(new int[]{0}, false) : null};                      // [out]
        });
    }
}
