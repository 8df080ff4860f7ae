package dev.sparkj.autograd;

import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static dev.sparkj.autograd.TestData.check;
import static dev.sparkj.autograd.TestData.randn;
import static dev.sparkj.autograd.TestData.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** Gradient checks of the elementwise ops, with broadcasting and non-contiguous operands. */
class ElementwiseGradTest {

    @Test
    void arithmeticWithBroadcasting() {
        Tensor a = randn(1, 2, 3, 4), b = randn(2, 3, 1), c = randn(3, 4), s = randn(4);
        Tensor pos = uniform(5, 0.5, 2, 3, 1);
        check(v -> F.add(v[0], v[1]), a, b);
        check(v -> F.sub(v[0], v[1]), c, a);                 // [3,4] - [2,3,4]
        check(v -> F.mul(v[0], v[1]), a, b);
        check(v -> F.mul(v[0], v[0]), s);                   // same variable twice
        check(v -> F.div(v[0], v[1]), a, pos);
        check(v -> F.div(v[0], v[1]), uniform(6, 0.5, 2, 2, 3, 4), c);  // numerator broadcast over the denominator... and back
        check(v -> F.add(v[0], v[1]), a, randn(7));         // 0-d operand
    }

    @Test
    void arithmeticWithScalars() {
        Tensor a = randn(11, 3, 4), pos = uniform(12, 0.5, 2, 3, 4);
        check(v -> F.add(v[0], 1.5), a);
        check(v -> F.sub(v[0], 1.5), a);
        check(v -> F.sub(2.0, v[0]), a);
        check(v -> F.mul(v[0], -3.0), a);
        check(v -> F.div(v[0], 4.0), a);
        check(v -> F.div(2.0, v[0]), pos);
        check(v -> F.neg(v[0]), a);
    }

    @Test
    void nonContiguousOperands() {
        Tensor t = randn(21, 4, 3).transpose(0, 1);          // [3,4], strides (1,3)
        Tensor sl = randn(22, 3, 8).slice(1, 1, 8, 2);       // [3,4], stride 2 along the last axis
        check(v -> F.mul(v[0], v[1]), t, sl);
        check(v -> F.exp(v[0]), t);
    }

    @Test
    void unaryFunctions() {
        Tensor a = randn(31, 3, 5), pos = uniform(32, 0.5, 2, 3, 5);
        check(v -> F.exp(v[0]), a);
        check(v -> F.log(v[0]), pos);
        check(v -> F.sqrt(v[0]), pos);
        check(v -> F.rsqrt(v[0]), pos);
        check(v -> F.square(v[0]), a);
        check(v -> F.pow(v[0], 2.5), pos);
        check(v -> F.pow(v[0], -1.5), pos);
        check(v -> F.pow(v[0], 3), a);
        check(v -> F.abs(v[0]), a);
    }

    @Test
    void activations() {
        Tensor a = randn(41, 4, 6);
        check(v -> F.relu(v[0]), a);
        check(v -> F.relu6(v[0]), uniform(42, -2, 8, 4, 6));
        check(v -> F.gelu(v[0]), a.mul(2));
        check(v -> F.sigmoid(v[0]), a);
        check(v -> F.tanh(v[0]), a);
        check(v -> F.clamp(v[0], -0.5, 0.7), a);
    }

    @Test
    void maximumMinimumWhere() {
        Tensor a = randn(51, 3, 4), b = randn(52, 4);
        check(v -> F.maximum(v[0], v[1]), a, b);
        check(v -> F.minimum(v[0], v[1]), a, b);
        Tensor cond = randn(53, 3, 1).gt(0);
        check(v -> F.where(cond, v[0], v[1]), a, b);
    }

    @Test
    void maximumTiesSplitTheGradient() {
        Variable a = Variable.param(Tensor.of(new float[]{1, 2, 3}, 3));
        Variable b = Variable.param(Tensor.of(new float[]{2, 2, 2}, 3));
        F.sum(F.maximum(a, b)).backward();
        assertArrayEquals(new float[]{0, 0.5f, 1}, a.grad().toFloatArray());
        assertArrayEquals(new float[]{1, 0.5f, 0}, b.grad().toFloatArray());
    }

    @Test
    void reluAndClampFollowPyTorchAtTheKinks() {
        Variable x = Variable.param(Tensor.of(new float[]{-1, 0, 2, 6, 7}, 5));
        F.sum(F.relu(x)).backward();
        assertArrayEquals(new float[]{0, 0, 1, 1, 1}, x.grad().toFloatArray());
        x.zeroGrad();
        F.sum(F.relu6(x)).backward();
        assertArrayEquals(new float[]{0, 0, 1, 0, 0}, x.grad().toFloatArray());
        x.zeroGrad();
        F.sum(F.clamp(x, 0, 6)).backward();
        assertArrayEquals(new float[]{0, 1, 1, 1, 0}, x.grad().toFloatArray());
    }
}
