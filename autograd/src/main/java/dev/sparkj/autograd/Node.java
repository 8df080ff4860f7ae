package dev.sparkj.autograd;

import dev.sparkj.tensor.DType;
import dev.sparkj.tensor.Tensor;

/**
 * One recorded op in the graph: which variables it read, the tensors its backward needs, and the backward
 * function itself. Ops are written as a forward computation followed by a call to {@link #record} (several
 * inputs) or {@link #unary} (one input) with a backward lambda, so the two live side by side:
 * <pre>{@code
 * static Variable mul(Variable a, Variable b) {
 *     Tensor x = a.data(), y = b.data();
 *     return Node.record("mul", new Variable[]{a, b}, x.mul(y), new Tensor[]{x, y},
 *             (n, g) -> new Tensor[]{g.mul(n.saved(1)), g.mul(n.saved(0))});
 * }}</pre>
 * Rules for a backward lambda: read tensors only through {@link #saved(int)} (a lambda that captures a
 * tensor keeps it alive after the node is freed); capture shapes, axes and specs freely; return one
 * gradient per input (null = none; {@link #needs(int)} says which are wanted). A returned gradient may have
 * the broadcast output shape: the {@link Engine} sums it back to the input's shape and casts it to its dtype.
 *
 * <p>After its backward ran the node releases its saved tensors; walking it again is an error unless the
 * first backward passed {@code retainGraph}.
 */
public final class Node {

    /** The backward of an op with several inputs: one gradient per input from the output gradient. */
    @FunctionalInterface
    public interface Backward {
        Tensor[] apply(Node node, Tensor grad);
    }

    /** The backward of an op with one input. */
    @FunctionalInterface
    public interface UnaryBackward {
        Tensor apply(Node node, Tensor grad);
    }

    /** No saved tensors. */
    public static final Tensor[] NONE = new Tensor[0];

    private final String name;
    private final Backward backward;
    private final Node[] next;          // producer of input i when it is a non-leaf that needs a gradient
    private final Variable[] leaves;    // input i when it is a leaf that requires a gradient
    private final int[][] inputShapes;
    private final DType[] inputTypes;
    private Tensor[] saved;
    private boolean released;
    private Variable retained;

    private Node(String name, Variable[] inputs, Tensor[] saved, Backward backward) {
        this.name = name;
        this.backward = backward;
        this.saved = saved.clone();
        for (Tensor t : this.saved) if (t != null) t.storage().use(); // a Recycler scope reclaims it after release()
        int k = inputs.length;
        next = new Node[k];
        leaves = new Variable[k];
        inputShapes = new int[k][];
        inputTypes = new DType[k];
        for (int i = 0; i < k; i++) {
            Variable v = inputs[i];
            if (v == null) continue;
            inputShapes[i] = v.shape();
            inputTypes[i] = v.dtype();
            if (!v.requiresGrad()) continue;
            if (v.isLeaf()) leaves[i] = v;
            else next[i] = v.gradFn();
        }
    }

    /**
     * Records an op with several inputs (null entries allowed, e.g. a missing bias) and returns its output.
     * When recording is off ({@link NoGrad}) or no input requires a gradient, the output is a plain leaf and
     * nothing is kept.
     */
    public static Variable record(String name, Variable[] inputs, Tensor output, Tensor[] saved, Backward backward) {
        if (OpProfile.ON) OpProfile.forwardDone(name, inputs.length > 0 && inputs[0] != null ? inputs[0].shape() : new int[0], output.shape());
        if (!NoGrad.isGradEnabled() || !anyRequiresGrad(inputs)) return new Variable(output, false);
        if (!output.dtype().isFloating()) throw new IllegalStateException(name + ": a differentiable op produced " + output.dtype());
        return new Variable(output, true, new Node(name, inputs, saved, backward));
    }

    /** Records an op with one input. */
    public static Variable unary(String name, Variable input, Tensor output, Tensor[] saved, UnaryBackward backward) {
        return record(name, new Variable[]{input}, output, saved, (n, g) -> new Tensor[]{backward.apply(n, g)});
    }

    private static boolean anyRequiresGrad(Variable[] inputs) {
        for (Variable v : inputs) if (v != null && v.requiresGrad()) return true;
        return false;
    }

    // ------------------------------------------------------------------ for backward lambdas

    /** Saved tensor {@code i} (recomputed here, on the calling thread, if a layer evicted its storage after the forward pass read it). */
    public Tensor saved(int i) {
        if (released) throw new IllegalStateException(freedMessage());
        Tensor t = saved[i];
        if (t != null) t.storage().materialize();
        return t;
    }

    /**
     * For a backward lambda that has read saved tensor {@code i} for the last time: if its storage can recompute its
     * contents ({@link dev.sparkj.tensor.Storage#evict}, a BatchNorm output inside a Recycler scope), its memory goes
     * back now, so the gradients this backward still allocates can take it. A later read recomputes it.
     */
    public void doneWith(int i) {
        if (released) throw new IllegalStateException(freedMessage());
        if (saved[i] != null) saved[i].storage().evict();
    }

    /**
     * Whether this backward may overwrite the output gradient {@code grad} it was given: inside a Recycler scope,
     * when the engine's hold is its storage's only counted reference and the output's gradient is not retained. An
     * elementwise backward can then write its input gradient into it instead of a new array.
     */
    public boolean mayOverwrite(Tensor grad) {
        return retained == null && grad.storage().recyclable() && grad.storage().uses() == 1;
    }

    /** Whether input {@code i} wants a gradient (skip computing the others). */
    public boolean needs(int i) { return next[i] != null || leaves[i] != null; }

    /** Whether input {@code i} was present (not null) when the op ran. */
    boolean hasInputShape(int i) { return inputShapes[i] != null; }

    /** The shape input {@code i} had when the op ran. */
    public int[] inputShape(int i) { return inputShapes[i].clone(); }

    // ------------------------------------------------------------------ introspection

    /** The op's name, e.g. "mul" or "conv2d". */
    public String name() { return name; }

    /** Number of inputs (including null ones). */
    public int inputCount() { return next.length; }

    /** Whether the saved tensors were freed by a backward without {@code retainGraph}. */
    public boolean isReleased() { return released; }

    @Override
    public String toString() { return "Node(" + name + (released ? ", released" : "") + ")"; }

    // ------------------------------------------------------------------ for the engine

    Node next(int i) { return next[i]; }

    Variable leaf(int i) { return leaves[i]; }

    DType inputType(int i) { return inputTypes[i]; }

    void retainOutput(Variable v) { retained = v; }

    /** The backward function object (tests inspect what it captures). */
    Backward backwardFunction() { return backward; }

    /** Runs the backward lambda on the accumulated output gradient. */
    Tensor[] run(Tensor grad) {
        if (released) throw new IllegalStateException(freedMessage());
        if (retained != null) retained.accumulateGrad(grad);
        Tensor[] g = backward.apply(this, grad);
        if (g == null || g.length != next.length)
            throw new IllegalStateException(name + ": backward returned " + (g == null ? "null" : g.length + " gradients") + " for " + next.length + " inputs");
        return g;
    }

    /** The saved tensors (null once released), for {@link MemoryReport}. */
    Tensor[] savedTensors() { return saved; }

    /** Drops the saved tensors so their memory can be reclaimed (at once, for those a Recycler scope allocated). */
    void release() {
        if (released) return;
        released = true;
        Tensor[] s = saved;
        saved = null;
        for (Tensor t : s) if (t != null) t.storage().unuse();
    }

    String freedMessage() {
        return "backward through '" + name + "' a second time: its saved tensors were freed by the first backward; "
                + "pass retainGraph=true to the first backward to walk the graph again";
    }
}
