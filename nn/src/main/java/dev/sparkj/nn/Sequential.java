package dev.sparkj.nn;

import dev.sparkj.autograd.Variable;
import dev.sparkj.sparse.FeatureMap;
import dev.sparkj.sparse.SparseMap;

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

    @Override
    public Variable forward(Variable x) {
        for (Module m : layers) x = ((Layer) m).forward(x);
        return x;
    }

    @Override
    public FeatureMap forward(FeatureMap x) {
        for (Module m : layers) {
            if (!(m instanceof ImageLayer il)) throw new IllegalArgumentException(m.describe() + " is not an image layer");
            x = il.forward(x);
        }
        return x;
    }

    @Override
    public FeatureMap forwardSparse(SparseMap x) { return forward((FeatureMap) x); }
}
