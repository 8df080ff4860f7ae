package dev.sparkj.autograd;

import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static dev.sparkj.autograd.TestData.check;
import static dev.sparkj.autograd.TestData.randn;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** Gradient checks of matmul (with broadcast batches) and linear. */
class LinalgGradTest {

    @Test
    void matmul() {
        check(v -> F.matmul(v[0], v[1]), randn(1, 3, 4), randn(2, 4, 5));
        check(v -> F.matmul(v[0], v[1]), randn(3, 2, 1, 3, 4), randn(4, 3, 4, 2));   // [2,1,3,4] @ [3,4,2]
        check(v -> F.matmul(v[0], v[1]), randn(5, 4, 3).transpose(0, 1), randn(6, 2, 5, 4).transpose(1, 2)); // strided
    }

    @Test
    void linear() {
        Tensor w = randn(7, 5, 4), b = randn(8, 5);
        check(v -> F.linear(v[0], v[1], v[2]), randn(9, 2, 3, 4), w, b);
        check(v -> F.linear(v[0], v[1], null), randn(10, 3, 4), w);
        check(v -> F.linear(v[0], v[1], v[2]), randn(11, 4), w, b);        // 1-D input
    }

    @Test
    void linearValues() {
        Variable x = Variable.param(Tensor.of(new float[]{1, 2}, 1, 2));
        Variable w = Variable.param(Tensor.of(new float[]{1, 0, 0, 1, 1, 1}, 3, 2));
        Variable b = Variable.param(Tensor.of(new float[]{0.5f, 0, -1}, 3));
        Variable y = F.linear(x, w, b);
        assertArrayEquals(new float[]{1.5f, 2, 2}, y.data().toFloatArray());
        y.backward(Tensor.of(new float[]{1, 10, 100}, 1, 3));
        assertArrayEquals(new float[]{101, 110}, x.grad().toFloatArray());
        assertArrayEquals(new float[]{1, 2, 10, 20, 100, 200}, w.grad().toFloatArray());
        assertArrayEquals(new float[]{1, 10, 100}, b.grad().toFloatArray());
    }
}
