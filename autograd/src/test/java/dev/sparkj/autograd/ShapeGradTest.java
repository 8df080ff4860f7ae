package dev.sparkj.autograd;

import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static dev.sparkj.autograd.TestData.check;
import static dev.sparkj.autograd.TestData.randn;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Gradient checks of views, copies, concatenation and stacking. */
class ShapeGradTest {

    @Test
    void reshapePermuteTranspose() {
        Tensor a = randn(1, 2, 3, 4);
        check(v -> F.reshape(v[0], 4, -1), a);
        check(v -> F.reshape(v[0], 6, 4), a.transpose(0, 2));             // a copy inside reshape
        check(v -> F.flatten(v[0], 1, 2), a);
        check(v -> F.permute(v[0], 2, 0, 1), a);
        check(v -> F.transpose(v[0], -1, 0), a);
        check(v -> F.mul(F.permute(v[0], 1, 2, 0), v[1]), a, randn(2, 2));  // grad through a view into a broadcast op
    }

    @Test
    void sliceSelect() {
        Tensor a = randn(3, 4, 7);
        check(v -> F.slice(v[0], 1, 1, 6, 2), a);
        check(v -> F.slice(v[0], 0, -3, 4), a);
        check(v -> F.select(v[0], 1, -1), a);
        check(v -> F.add(F.select(v[0], 0, 0), F.select(v[0], 0, 2)), a);  // two reads of one variable
    }

    @Test
    void squeezeUnsqueezeExpand() {
        Tensor a = randn(4, 3, 1, 2);
        check(v -> F.squeeze(v[0], 1), a);
        check(v -> F.unsqueeze(v[0], -1), a);
        check(v -> F.unsqueeze(v[0], 0), a);
        check(v -> F.expand(v[0], 2, 3, 4, 2), a);
    }

    @Test
    void catStack() {
        Tensor a = randn(5, 2, 3), b = randn(6, 2, 1), c = randn(7, 2, 3);
        check(v -> F.cat(1, v[0], v[1], v[2]), a, b, c);
        check(v -> F.cat(0, v[0], v[1], v[0]), a, c);
        check(v -> F.stack(0, v[0], v[1]), a, c);
        check(v -> F.stack(-1, v[0], v[1]), a, c);
    }

    @Test
    void catWithAConstantOperand() {
        Variable p = Variable.param(Tensor.of(new float[]{1, 2}, 2));
        Variable k = Variable.of(Tensor.of(new float[]{5, 6, 7}, 3));
        Variable y = F.cat(0, k, p);
        y.backward(Tensor.of(new float[]{1, 2, 3, 4, 5}, 5));
        assertArrayEquals(new float[]{4, 5}, p.grad().toFloatArray());
    }

    @Test
    void contiguousAndChannelsLast() {
        Tensor a = randn(8, 2, 3, 4, 5);
        check(v -> F.contiguous(F.transpose(v[0], 1, 3)), a);
        check(v -> F.mul(F.toChannelsLast(v[0]), v[0]), a);
        Variable x = Variable.param(a);
        Variable y = F.toChannelsLast(x);
        assertTrue(y.data().isChannelsLast());
        F.sum(y).backward();
        assertArrayEquals(Tensor.ones(2, 3, 4, 5).toFloatArray(), x.grad().toFloatArray());
    }
}
