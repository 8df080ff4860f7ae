package dev.sparkj.nn;

import dev.sparkj.autograd.Variable;
import dev.sparkj.sparse.FeatureMap;
import dev.sparkj.sparse.SparseMap;
import dev.sparkj.tensor.Storage;

import java.util.ArrayList;
import java.util.List;

/**
 * Layers applied in order, registered under the names {@code 0, 1, 2, ...} (PyTorch's {@code nn.Sequential},
 * so keys read {@code downsample.0.weight}). On a {@link FeatureMap} every layer must be an {@link ImageLayer}.
 */
public final class Sequential extends Module implements ImageLayer {
    private final List<Module> layers = new ArrayList<>();

    /** Each argument must be a {@link Module} implementing {@link Layer}. */
    public Sequential(Layer... layers) {
        for (Layer l : layers) add(l);
    }

    /** Appends a layer under the next index; returns this. */
    public Sequential add(Layer layer) {
        if (!(layer instanceof Module m)) throw new IllegalArgumentException("a Sequential holds modules, got " + layer.getClass().getName());
        child(Integer.toString(layers.size()), m);
        layers.add(m);
        return this;
    }

    /** The i-th layer. */
    public Module get(int i) { return layers.get(i); }

    public int size() { return layers.size(); }

    /** Each layer in turn, a {@link BatchNorm2d} and a ReLU or ReLU6 after it as one op (see {@link #fusedActivation}). */
    @Override
    public Variable forward(Variable x) {
        Variable input = x;
        for (int i = 0; i < layers.size(); i++) {
            BatchNormOps.Activation act = fusedActivation(i);
            Variable y = act == null ? ((Layer) layers.get(i)).forward(x) : ((BatchNorm2d) layers.get(i++)).forward(x, act);
            x = x == input ? y : evictConsumed(x, y);
        }
        return x;
    }

    /**
     * Gives {@code consumed}'s memory back now if its storage can recompute it when next read ({@link Storage#evict}:
     * a BatchNorm output inside a Recycler scope) and {@code result} does not share it. For a layer that has just
     * run the last reader of an activation in the forward pass: a convolution that saved it for backward then reads
     * it recomputed there, and the forward pass's later layers take its memory meanwhile. Results are unchanged.
     * Returns {@code result}.
     */
    public static Variable evictConsumed(Variable consumed, Variable result) {
        Storage s = consumed.data().storage();
        if (s != result.data().storage()) s.evict();
        return result;
    }

    /**
     * The activation to run inside layer i's op when layer i is a {@link BatchNorm2d} and layer i + 1 a {@link ReLU}
     * or {@link ReLU6} (the values are the same as the two layers in turn), else null.
     */
    private BatchNormOps.Activation fusedActivation(int i) {
        return layers.get(i) instanceof BatchNorm2d && i + 1 < layers.size() ? BatchNormOps.Activation.of(layers.get(i + 1)) : null;
    }

    /**
     * Each layer in turn; a {@link BatchNorm2d} followed by a {@link ReLU} or {@link ReLU6} runs as one op
     * ({@link BatchNorm2d#forwardThen}), with the same values.
     */
    @Override
    public FeatureMap forward(FeatureMap x) {
        FeatureMap input = x;
        for (int i = 0; i < layers.size(); i++) {
            Module m = layers.get(i);
            if (!(m instanceof ImageLayer il)) throw new IllegalArgumentException(m.describe() + " is not an image layer");
            FeatureMap y = m instanceof BatchNorm2d bn && fusedActivation(i) != null ? bn.forwardThen(x, (ImageLayer) layers.get(++i)) : il.forward(x);
            x = x == input ? y : FeatureMaps.evictConsumed(x, y);
        }
        return x;
    }

    @Override
    public FeatureMap forwardSparse(SparseMap x) { return forward((FeatureMap) x); }
}
