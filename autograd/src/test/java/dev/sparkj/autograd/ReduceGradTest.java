package dev.sparkj.autograd;

import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static dev.sparkj.autograd.TestData.check;
import static dev.sparkj.autograd.TestData.distinct;
import static dev.sparkj.autograd.TestData.randn;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Gradient checks of reductions and (log-)softmax. */
class ReduceGradTest {

    @Test
    void sumAndMean() {
        Tensor a = randn(1, 2, 3, 4);
        check(v -> F.sum(v[0]), a);
        check(v -> F.sum(v[0], new int[]{1}, false), a);
        check(v -> F.sum(v[0], new int[]{0, 2}, true), a);
        check(v -> F.mean(v[0]), a);
        check(v -> F.mean(v[0], new int[]{-1}, false), a);
        check(v -> F.mean(v[0], new int[]{0, 2}, true), a.transpose(0, 2));   // non-contiguous
    }

    @Test
    void variance() {
        Tensor a = randn(2, 3, 5);
        check(v -> F.var(v[0], new int[]{1}, 0, false), a);
        check(v -> F.var(v[0], new int[]{1}, 1, true), a);
        check(v -> F.var(v[0], new int[]{0, 1}, 1, false), a);
    }

    @Test
    void maxAndMinWithDistinctValues() {
        Tensor a = distinct(3, 3, 4, 2);
        check(v -> F.max(v[0], new int[]{1}, false), a);
        check(v -> F.max(v[0], new int[]{0, 2}, true), a);
        check(v -> F.min(v[0], new int[]{2}, false), a);
    }

    @Test
    void maxTiesSplitTheGradientEvenly() {
        Variable x = Variable.param(Tensor.of(new float[]{1, 3, 3, 0, 5, 2}, 2, 3));
        F.sum(F.max(x, new int[]{1}, false)).backward();
        assertArrayEquals(new float[]{0, 0.5f, 0.5f, 0, 1, 0}, x.grad().toFloatArray());
    }

    @Test
    void softmaxFamily() {
        Tensor a = randn(4, 3, 5);
        check(v -> F.logSoftmax(v[0], 1), a);
        check(v -> F.logSoftmax(v[0], 0), a);
        check(v -> F.softmax(v[0], -1), a);
    }

    @Test
    void logSoftmaxIsStableForLargeLogits() {
        Variable x = Variable.of(Tensor.of(new float[]{1000, 1001, 1002}, 1, 3));
        float[] y = F.logSoftmax(x, 1).data().toFloatArray();
        // log softmax of (0, 1, 2): -2.4076059, -1.4076059, -0.4076059
        assertEquals(-2.4076059, y[0], 1e-4);
        assertEquals(-1.4076059, y[1], 1e-4);
        assertEquals(-0.4076059, y[2], 1e-4);
    }
}
