package dev.sparkj.autograd;

import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static dev.sparkj.autograd.TestData.check;
import static dev.sparkj.autograd.TestData.longs;
import static dev.sparkj.autograd.TestData.randn;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** Gradient checks of gather / scatterAdd / indexSelect / indexAdd, including repeated indices. */
class IndexGradTest {

    @Test
    void gatherAndScatterAdd() {
        Tensor idx = longs(new long[]{0, 2, 2, 1, 0, 0}, 2, 3);
        check(v -> F.gather(v[0], 1, idx), randn(1, 2, 4));
        check(v -> F.gather(v[0], 0, longs(new long[]{1, 0, 1}, 1, 3)), randn(2, 2, 3));
        check(v -> F.scatterAdd(v[0], 1, idx, v[1]), randn(3, 2, 4), randn(4, 2, 3));
    }

    @Test
    void indexSelectAndIndexAdd() {
        Tensor idx = longs(new long[]{3, -1, 0, 3}, 4);
        check(v -> F.indexSelect(v[0], 0, idx), randn(5, 5, 2));
        check(v -> F.indexSelect(v[0], 1, longs(new long[]{1, 1, 0}, 3)), randn(6, 2, 3, 2));
        check(v -> F.indexAdd(v[0], 0, idx, v[1]), randn(7, 5, 2), randn(8, 4, 2));
    }

    @Test
    void repeatedIndicesSumTheirGradients() {
        Variable x = Variable.param(Tensor.of(new float[]{1, 2, 3}, 3, 1));
        F.sum(F.indexSelect(x, 0, Tensor.ofLongs(new long[]{2, 2, 0, -1}, 4))).backward();
        assertArrayEquals(new float[]{1, 0, 2}, x.grad().toFloatArray());
    }
}
