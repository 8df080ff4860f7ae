package dev.sparkj.autograd;

import dev.sparkj.tensor.DType;
import dev.sparkj.tensor.Recycler;
import dev.sparkj.tensor.Shapes;
import dev.sparkj.tensor.Tensor;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.IdentityHashMap;

/**
 * The backward pass: walks the recorded graph from one variable in reverse topological order, without
 * recursion (graphs may be thousands of nodes deep), and delivers gradients to the leaves.
 *
 * <p>Each node runs once, after every consumer of its output has contributed; contributions to a
 * variable used more than once are summed. A gradient returned in a broadcast shape is summed back to
 * the input's shape ({@link #sumTo}) and cast to its dtype. A leaf's {@link Variable#grad()} receives the
 * sum of this pass's contributions once all its consumers have run. Unless {@code retainGraph}, every
 * node frees its saved tensors right after its backward.
 */
public final class Engine {
    private Engine() {}

    /** Backward from {@code root} seeded with {@code seed} (root's shape). */
    public static void backward(Variable root, Tensor seed, boolean retainGraph) {
        if (!root.requiresGrad())
            throw new IllegalStateException("backward on " + root + ", which does not require gradients (no input requires them, or it was computed under NoGrad)");
        if (!Arrays.equals(seed.shape(), root.shape()))
            throw new IllegalArgumentException("seed of shape " + Shapes.str(seed.shape()) + " for " + root);
        seed = seed.cast(root.dtype());
        Node top = root.gradFn();
        if (top == null) {
            root.accumulateGrad(seed);
            return;
        }

        // 1. Discover reachable nodes; count the edges into each node and leaf.
        IdentityHashMap<Node, int[]> pending = new IdentityHashMap<>();
        IdentityHashMap<Variable, int[]> leafPending = new IdentityHashMap<>();
        ArrayDeque<Node> stack = new ArrayDeque<>();
        pending.put(top, new int[1]);
        stack.push(top);
        while (!stack.isEmpty()) {
            Node n = stack.pop();
            if (n.isReleased()) throw new IllegalStateException(n.freedMessage());
            for (int i = 0; i < n.inputCount(); i++) {
                Node p = n.next(i);
                if (p != null) {
                    int[] c = pending.get(p);
                    if (c == null) {
                        pending.put(p, c = new int[1]);
                        stack.push(p);
                    }
                    c[0]++;
                }
                Variable leaf = n.leaf(i);
                if (leaf != null) leafPending.computeIfAbsent(leaf, k -> new int[1])[0]++;
            }
        }

        if (MemoryReport.ON) MemoryReport.graph(pending.keySet());
        Recycler.backwardStarts();
        int walked = 0;

        // 2. Kahn's order: a node runs when all edges into it have delivered.
        IdentityHashMap<Node, Tensor> grads = new IdentityHashMap<>();
        IdentityHashMap<Variable, Tensor> leafGrads = new IdentityHashMap<>();
        ArrayDeque<Node> ready = new ArrayDeque<>();
        grads.put(top, seed);
        seed.storage().use();
        ready.add(top);
        while (!ready.isEmpty()) {
            Node n = ready.poll();
            Tensor g = grads.remove(n);
            long t0 = OpProfile.ON ? System.nanoTime() : 0;
            Tensor[] in = g == null ? null : n.run(g); // no gradient arrived: nothing flows further
            if (OpProfile.ON) OpProfile.backwardDone(OpProfile.SHAPES && g != null && n.inputCount() > 0 && n.hasInputShape(0)
                    ? OpProfile.withShapes(n.name(), n.inputShape(0), g.shape()) : n.name(), System.nanoTime() - t0);
            if (!retainGraph) n.release();
            if (MemoryReport.ON && MemoryReport.sample(++walked)) MemoryReport.heap("node " + walked + " (" + n.name() + ", "
                    + grads.size() + " pending gradients)");
            for (int i = 0; i < n.inputCount(); i++) {
                Node p = n.next(i);
                Variable leaf = n.leaf(i);
                if (p == null && leaf == null) continue;
                Tensor gi = in == null ? null : in[i];
                if (gi != null) gi = conform(gi, n, i);
                if (p != null) {
                    if (gi != null) {
                        long t1 = OpProfile.ON ? System.nanoTime() : 0;
                        add(grads, p, gi);
                        if (OpProfile.ON) OpProfile.backwardDone("(gradient sum)", System.nanoTime() - t1);
                    }
                    if (--pending.get(p)[0] == 0) ready.add(p);
                } else {
                    if (gi != null) add(leafGrads, leaf, gi);
                    if (--leafPending.get(leaf)[0] == 0) {
                        Tensor total = leafGrads.remove(leaf);
                        if (total != null) {
                            leaf.accumulateGrad(total, total.storage().uses() == 1);
                            total.storage().unuse();
                        }
                    }
                }
            }
            if (g != null) g.storage().unuse(); // after its successors counted whatever of it they kept
        }
        if (MemoryReport.ON) MemoryReport.heap("backward end (" + walked + " nodes)");
    }

    /**
     * Adds a gradient contribution for {@code key}; the engine counts one use of each gradient it holds, so a
     * Recycler scope reclaims a gradient's array as soon as it has been consumed. A sum the engine alone holds is
     * added to in place (same values as a new sum: each element is {@code old + g} either way).
     */
    private static <K> void add(IdentityHashMap<K, Tensor> held, K key, Tensor g) {
        g.storage().use();
        Tensor old = held.get(key);
        if (old == null) {
            held.put(key, g);
            return;
        }
        Tensor sum;
        if (old.storage().uses() == 1 && old.storage() != g.storage() && old.isDense()) sum = old.addInPlace(g);
        else {
            sum = old.add(g);
            sum.storage().use();
            old.storage().unuse();
            held.put(key, sum);
        }
        g.storage().unuse();
    }

    /** Brings the gradient for input {@code i} of {@code n} to that input's shape and dtype. */
    private static Tensor conform(Tensor g, Node n, int i) {
        int[] want = n.inputShape(i);
        if (!Arrays.equals(g.shape(), want)) {
            try {
                g = sumTo(g, want);
            } catch (IllegalArgumentException e) {
                Variable leaf = n.leaf(i);
                throw new IllegalStateException(n.name() + ": gradient of shape " + Shapes.str(g.shape())
                        + " for input " + i + (leaf != null ? " " + leaf : "") + " of shape " + Shapes.str(want), e);
            }
        }
        DType dt = n.inputType(i);
        return g.dtype() == dt ? g : g.cast(dt);
    }

    /**
     * Sums {@code g} over the axes along which {@code shape} was broadcast to g's shape (NumPy rules:
     * leading axes and axes of size 1), giving a tensor of {@code shape}.
     */
    public static Tensor sumTo(Tensor g, int[] shape) {
        int[] gs = g.shape();
        if (Arrays.equals(gs, shape)) return g;
        int lead = gs.length - shape.length;
        if (lead < 0) throw new IllegalArgumentException("cannot sum " + Shapes.str(gs) + " to the larger rank of " + Shapes.str(shape));
        int[] axes = new int[gs.length];
        int k = 0;
        for (int i = 0; i < gs.length; i++) {
            if (i < lead) { axes[k++] = i; continue; }
            int d = shape[i - lead];
            if (d == gs[i]) continue;
            if (d != 1) throw new IllegalArgumentException("cannot sum " + Shapes.str(gs) + " to " + Shapes.str(shape));
            axes[k++] = i;
        }
        return g.sum(Arrays.copyOf(axes, k), true).reshape(shape);
    }
}
