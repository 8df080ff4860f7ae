package dev.sparkj.autograd;

import dev.sparkj.tensor.DType;
import dev.sparkj.tensor.Shapes;
import dev.sparkj.tensor.Tensor;

import java.util.Arrays;

/**
 * A value in a differentiable computation: a {@link Tensor} plus the node that produced it, so that
 * {@link #backward()} can send gradients to the leaves it came from.
 *
 * <p>A <em>leaf</em> is a variable created by the user (a parameter or an input); leaves that require
 * gradients accumulate them in {@link #grad()} across backward calls until {@link #zeroGrad()}.
 * Non-leaf variables are produced by the ops in {@link F}; their gradient is not kept unless
 * {@link #retainGrad()} was called.
 *
 * <p>Gradients are plain tensors of the variable's shape and dtype. (Design note: because they are
 * ordinary tensors, a later data-parallel step can lay them out as views into flat buckets and
 * all-reduce the buckets; {@link #setGrad} is the hook for installing such views.)
 */
public final class Variable {
    private Tensor data;
    private Tensor grad;
    private boolean requiresGrad;
    private String name;
    private final Node gradFn;

    /** A leaf; {@code requiresGrad} says whether backward computes its gradient. */
    public Variable(Tensor data, boolean requiresGrad) {
        this(data, requiresGrad, null);
    }

    Variable(Tensor data, boolean requiresGrad, Node gradFn) {
        if (data == null) throw new IllegalArgumentException("variable without data");
        if (requiresGrad && !data.dtype().isFloating())
            throw new IllegalArgumentException("only floating tensors can require gradients, got " + data.dtype());
        this.data = data;
        this.requiresGrad = requiresGrad;
        this.gradFn = gradFn;
        if (requiresGrad && gradFn == null) data.storage().pin(); // a parameter's value is never recycled
    }

    /** A leaf that does not require gradients (an input or a constant). */
    public static Variable of(Tensor data) { return new Variable(data, false); }

    /** A leaf that requires gradients (a trainable parameter). */
    public static Variable param(Tensor data) { return new Variable(data, true); }

    // ------------------------------------------------------------------ accessors

    /** The value. */
    public Tensor data() { return data; }

    /** The accumulated gradient (same shape and dtype as {@link #data()}), or null before any backward. */
    public Tensor grad() { return grad; }

    public boolean requiresGrad() { return requiresGrad; }

    /** The node that produced this variable, or null for a leaf or a value computed without a graph. */
    public Node gradFn() { return gradFn; }

    /** Whether the user created this variable (it has no producing node). */
    public boolean isLeaf() { return gradFn == null; }

    /** The optional name used in error messages (may be null). */
    public String name() { return name; }

    /** Sets the name used in error messages; returns this. */
    public Variable named(String name) {
        this.name = name;
        return this;
    }

    public int[] shape() { return data.shape(); }
    public int shape(int axis) { return data.shape(axis); }
    public int rank() { return data.rank(); }
    public DType dtype() { return data.dtype(); }

    // ------------------------------------------------------------------ leaves

    /** Turns gradient tracking of a leaf on or off; returns this. */
    public Variable requiresGrad(boolean on) {
        if (!isLeaf()) throw new IllegalStateException("requiresGrad can only be changed on a leaf, not on " + this);
        if (on && !data.dtype().isFloating()) throw new IllegalArgumentException("only floating tensors can require gradients: " + this);
        this.requiresGrad = on;
        if (on) data.storage().pin();
        return this;
    }

    /** Replaces a leaf's value by one of the same shape (an optimizer step); the gradient is kept. */
    public void setData(Tensor value) {
        if (!isLeaf()) throw new IllegalStateException("setData on a non-leaf variable " + this);
        if (!Arrays.equals(value.shape(), data.shape()))
            throw new IllegalArgumentException("setData: shape " + Shapes.str(value.shape()) + " for " + this);
        value.storage().pin();
        this.data = value;
    }

    /** Forgets the accumulated gradient (it becomes null, as PyTorch's {@code set_to_none}). */
    public void zeroGrad() { grad = null; }

    /** Installs a gradient tensor (same shape), e.g. a view into a flat bucket; null clears it. */
    public void setGrad(Tensor g) {
        if (g != null && !Arrays.equals(g.shape(), data.shape()))
            throw new IllegalArgumentException("gradient of shape " + Shapes.str(g.shape()) + " for " + this);
        this.grad = g;
    }

    /** Adds a gradient contribution: the first is copied (so the stored gradient owns dense memory), later ones added. */
    void accumulateGrad(Tensor g) { accumulateGrad(g, false); }

    /**
     * Like {@link #accumulateGrad(Tensor)}; {@code sole} says the caller holds the only reference to {@code g}, so
     * a first contribution that owns its dense, recyclable storage becomes the gradient without a copy (and is
     * pinned: a gradient handed to a leaf is never recycled).
     */
    void accumulateGrad(Tensor g, boolean sole) {
        if (grad == null && sole && g.storage().recyclable() && g.isContiguous() && g.offset() == 0
                && g.numel() == g.storage().length() && g.dtype() == data.dtype()) {
            g.storage().pin();
            grad = g;
        } else grad = grad == null ? g.copy() : grad.add(g);
    }

    /** Keeps the gradient of this non-leaf variable in {@link #grad()} during backward; returns this. */
    public Variable retainGrad() {
        if (gradFn != null) gradFn.retainOutput(this);
        return this;
    }

    /** The same value cut from the graph: a leaf that does not require gradients (shares the tensor). */
    public Variable detach() { return new Variable(data, false); }

    // ------------------------------------------------------------------ backward

    /** Backward from a one-element variable with seed 1; frees the graph. */
    public void backward() {
        if (data.numel() != 1)
            throw new IllegalStateException("backward() without a seed needs a one-element variable, got shape "
                    + Shapes.str(data.shape()) + " for " + this + "; pass a seed gradient");
        backward(Tensor.full(1, data.dtype(), data.backend(), data.shape()), false);
    }

    /** Backward with an explicit seed gradient of this variable's shape; frees the graph. */
    public void backward(Tensor seed) { backward(seed, false); }

    /** Backward with a seed; {@code retainGraph} keeps saved tensors so that the graph can be walked again. */
    public void backward(Tensor seed, boolean retainGraph) { Engine.backward(this, seed, retainGraph); }

    @Override
    public String toString() {
        String what = name != null ? "'" + name + "'" : gradFn != null ? "output of " + gradFn.name() : "leaf";
        return "Variable(" + what + ", " + Shapes.str(data.shape()) + " " + data.dtype() + (requiresGrad ? ", requiresGrad" : "") + ")";
    }
}
