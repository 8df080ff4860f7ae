package dev.sparkj.nn.models;

import dev.sparkj.autograd.Variable;
import dev.sparkj.sparse.DenseMap;
import dev.sparkj.sparse.FeatureMap;

/** Preparation of a model's input: dense images that need no gradient are stored channels-last once, so every layer after keeps that layout. */
final class ModelInputs {
    private ModelInputs() {}

    static FeatureMap prepare(FeatureMap x) {
        if (x instanceof DenseMap d && !d.value().requiresGrad() && !d.value().data().isChannelsLast())
            return new DenseMap(Variable.of(d.value().data().toChannelsLast()));
        return x;
    }
}
