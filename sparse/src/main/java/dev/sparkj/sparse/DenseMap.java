package dev.sparkj.sparse;

import dev.sparkj.autograd.Variable;

/**
 * A dense feature map: every position of the {@code [N, C, H, W]} variable is computed. Its memory
 * layout is free (channels-last is preferred); the logical shape follows PyTorch.
 *
 * @param value the feature map, {@code [N, C, H, W]}
 */
public record DenseMap(Variable value) implements FeatureMap {
    public DenseMap {
        if (value == null) throw new NullPointerException("value");
        if (value.data().rank() != 4)
            throw new IllegalArgumentException("a dense feature map is [N, C, H, W], got shape " + java.util.Arrays.toString(value.data().shape()));
    }

    @Override public int[] shape() { return value.data().shape(); }
}
