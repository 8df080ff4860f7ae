package dev.sparkj.nn;

import dev.sparkj.autograd.F;
import dev.sparkj.autograd.Variable;
import dev.sparkj.sparse.FeatureMap;

/** Global average pooling with flattening (timm's {@code SelectAdaptivePool2d('avg', flatten=True)}): {@code [N, C, H, W] -> [N, C]}. */
public final class GlobalAvgPool extends Module implements Layer {
    @Override
    public Variable forward(Variable x) {
        if (x.rank() != 4) throw new IllegalArgumentException(describe() + ": needs [N, C, H, W], got " + java.util.Arrays.toString(x.shape()));
        return F.mean(x, new int[]{2, 3}, false);
    }

    /** Pools a dense feature map. */
    public Variable forward(FeatureMap x) { return forward(FeatureMaps.dense(x, describe())); }
}
