package dev.sparkj.autograd;

import dev.sparkj.tensor.Pool2dSpec;
import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static dev.sparkj.autograd.TestData.check;
import static dev.sparkj.autograd.TestData.distinct;
import static dev.sparkj.autograd.TestData.randn;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** Gradient checks of max and average pooling. */
class PoolGradTest {

    @Test
    void maxPoolWithDistinctValues() {
        check(v -> F.maxPool2d(v[0], Pool2dSpec.of(3, 2, 1)), distinct(1, 2, 2, 7, 7));
        check(v -> F.maxPool2d(v[0], Pool2dSpec.of(2, 2, 0)), distinct(2, 1, 3, 4, 6));
        check(v -> F.maxPool2d(v[0], new Pool2dSpec(2, 3, 1, 2, 1, 1)), distinct(3, 1, 2, 5, 6).toChannelsLast());
    }

    @Test
    void maxPoolTieGoesToTheFirstMaximum() {
        Variable x = Variable.param(Tensor.of(new float[]{1, 5, 5, 0}, 1, 1, 2, 2));
        F.sum(F.maxPool2d(x, Pool2dSpec.of(2, 2, 0))).backward();
        assertArrayEquals(new float[]{0, 1, 0, 0}, x.grad().toFloatArray());
    }

    @Test
    void avgPool() {
        check(v -> F.avgPool2d(v[0], Pool2dSpec.of(3, 2, 1)), randn(4, 2, 2, 7, 6));
        check(v -> F.avgPool2d(v[0], Pool2dSpec.of(2, 2, 0)), randn(5, 1, 3, 4, 4));
        check(v -> F.avgPool2d(v[0], new Pool2dSpec(3, 2, 1, 1, 1, 0)), randn(6, 1, 2, 5, 4).toChannelsLast());
    }
}
