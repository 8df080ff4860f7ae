package dev.sparkj.nn;

import dev.sparkj.autograd.Variable;
import dev.sparkj.tensor.HeapStorage;
import dev.sparkj.tensor.Recycler;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * BatchNorm inside a Recycler scope: its input gradient written into the output gradient it may overwrite, and its
 * output evicted after a convolution read it and recomputed in backward; both give the values of the plain path.
 */
class BatchNormRecyclingTest {
    @BeforeEach
    @AfterEach
    void reset() { Recycler.reset(); }

    private static Tensor input() { return new Rng(3).normal(0.5, 2, 4, 8, 16, 16); }

    private static Tensor seed() { return new Rng(4).normal(0, 1, 4, 8, 16, 16); }

    @Test
    void theInputGradientTakesTheOutputGradientsArrayWhenNothingElseHoldsIt() {
        BatchNorm2d bn = new BatchNorm2d(8);
        Variable x0 = Variable.param(input());
        bn.forward(x0).backward(seed());
        float[] plain = x0.grad().toFloatArray();

        Recycler.testing(1024, true);
        Variable x = Variable.param(input());
        float[] seedArray;
        try (Recycler.Scope s = Recycler.open()) {
            Tensor g = seed().add(0.0); // a copy allocated inside the scope: recyclable, and the engine's alone
            seedArray = ((HeapStorage) g.storage()).f32();
            bn.forward(x).backward(g);
        }
        assertArrayEquals(plain, x.grad().toFloatArray(), "the same input gradient, bit for bit");
        // the leaf copies its gradient (the engine still held the seed then), but the op wrote it into the seed's array
        assertArrayEquals(plain, seedArray, "written into the output gradient's array");

        Variable x2 = Variable.param(input());
        try (Recycler.Scope s = Recycler.open()) {
            Tensor g = seed().add(0.0);
            Variable y = bn.forward(x2).retainGrad(); // the output's gradient is kept: it must not be overwritten
            y.backward(g);
            assertArrayEquals(seed().toFloatArray(), y.grad().toFloatArray(), "the retained output gradient");
            assertNotSame(((HeapStorage) y.grad().storage()).f32(), ((HeapStorage) x2.grad().storage()).f32());
        }
        assertArrayEquals(plain, x2.grad().toFloatArray());
    }

    @Test
    void anOutputEvictedAfterTheConvolutionReadItIsRecomputedForItsBackward() {
        Rng rng = new Rng(5);
        Sequential net = new Sequential(new BatchNorm2d(8), new ReLU6(), new Conv2d(8, 8, 3, 1, 1, false, rng), new BatchNorm2d(8),
                new Conv2d(8, 4, 3, 1, 1, false, rng));
        Variable x0 = Variable.param(input());
        net.forward(x0).backward(Tensor.ones(4, 4, 16, 16));
        float[] plain = x0.grad().toFloatArray();
        float[] w = net.namedParameters().get("2.weight").grad().toFloatArray();
        net.zeroGrad();

        Recycler.testing(1024, true);
        Recycler.statistics();
        Variable x = Variable.param(input());
        try (Recycler.Scope s = Recycler.open()) {
            Variable y = net.forward(x);
            double[] st = Recycler.statistics();
            // both BatchNorm outputs were read by a convolution and then given back; the input of the first stays
            assertEquals(2 * 4 * 8 * 16 * 16 * 4e-9, st[4], 1e-12, "evicted");
            assertEquals(0, st[5], "nothing recomputed in the forward pass");
            y.backward(Tensor.ones(4, 4, 16, 16));
            st = Recycler.statistics();
            assertEquals(2 * 4 * 8 * 16 * 16 * 4e-9, st[5], 1e-12, "both recomputed for the convolutions' weight gradients");
        }
        assertArrayEquals(plain, x.grad().toFloatArray(), "input gradient");
        assertArrayEquals(w, net.namedParameters().get("2.weight").grad().toFloatArray(), "weight gradient of the convolution after the first BatchNorm");
        for (float v : plain) assertFalse(Float.isNaN(v));
        assertTrue(plain.length > 0);
    }
}
