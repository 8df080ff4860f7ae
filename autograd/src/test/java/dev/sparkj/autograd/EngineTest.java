package dev.sparkj.autograd;

import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The backward engine: fan-out, diamonds, NoGrad, freeing saved tensors, accumulation, deep graphs, errors. */
class EngineTest {

    private static Variable param(float... v) { return Variable.param(Tensor.of(v, v.length)); }

    @Test
    void variableUsedTwice() {
        Variable x = param(1, -2, 3);
        F.sum(F.mul(x, x)).backward();
        assertArrayEquals(new float[]{2, -4, 6}, x.grad().toFloatArray());
    }

    @Test
    void diamondGraph() {
        // a = 2x; b = a²; c = 3a; y = sum(b + c)  =>  dy/dx = (2a + 3)·2 = 8x + 6
        Variable x = param(1, 2);
        Variable a = F.mul(x, 2.0).retainGrad();
        Variable y = F.sum(F.add(F.square(a), F.mul(a, 3.0)));
        y.backward();
        assertArrayEquals(new float[]{14, 22}, x.grad().toFloatArray());
        assertArrayEquals(new float[]{7, 11}, a.grad().toFloatArray());   // retained: 2a + 3
    }

    @Test
    void broadcastGradientIsSummedToTheOperandShape() {
        Variable row = param(1, 2, 3);
        Variable m = Variable.param(Tensor.of(new float[]{1, 1, 1, 2, 2, 2}, 2, 3));
        F.sum(F.mul(m, row)).backward();
        assertArrayEquals(new float[]{3, 3, 3}, row.grad().toFloatArray());
        assertArrayEquals(new int[]{3}, row.grad().shape());
    }

    @Test
    void gradientsAccumulateAcrossBackwardCallsUntilZeroGrad() {
        Variable x = param(1, 2);
        F.sum(F.mul(x, 3.0)).backward();
        F.sum(F.mul(x, 3.0)).backward();
        assertArrayEquals(new float[]{6, 6}, x.grad().toFloatArray());
        x.zeroGrad();
        assertNull(x.grad());
        F.sum(F.square(x)).backward();
        assertArrayEquals(new float[]{2, 4}, x.grad().toFloatArray());
    }

    @Test
    void secondBackwardThroughAFreedGraphFailsClearly() {
        Variable x = param(1, 2);
        Variable y = F.sum(F.exp(x));
        y.backward();
        Node exp = y.gradFn();
        assertTrue(exp.isReleased());
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("second time") && e.getMessage().contains("retainGraph"), e.getMessage());
        assertArrayEquals(new float[]{(float) Math.E, (float) Math.exp(2)}, x.grad().toFloatArray(), 1e-6f); // unchanged by the failed call
    }

    @Test
    void retainGraphAllowsASecondBackward() {
        Variable x = param(1, 2);
        Variable y = F.sum(F.square(x));
        y.backward(Tensor.scalar(1), true);
        y.backward(Tensor.scalar(1), false);
        assertArrayEquals(new float[]{4, 8}, x.grad().toFloatArray());
        assertThrows(IllegalStateException.class, y::backward);
    }

    @Test
    void savedTensorsAreDroppedAfterBackward() {
        Variable x = param(1, 2);
        Variable y = F.mul(x, x);
        Node mul = y.gradFn();
        assertNotNull(mul.saved(0));
        y.backward(Tensor.ones(2));
        assertThrows(IllegalStateException.class, () -> mul.saved(0));
    }

    @Test
    void noGradRecordsNothingAndRestores() {
        Variable x = param(1, 2);
        assertTrue(NoGrad.isGradEnabled());
        try (NoGrad outer = NoGrad.enter()) {
            Variable y = F.mul(x, x);
            assertFalse(y.requiresGrad());
            assertNull(y.gradFn());
            try (NoGrad inner = NoGrad.enter()) {
                assertFalse(NoGrad.isGradEnabled());
            }
            assertFalse(NoGrad.isGradEnabled());
            assertThrows(IllegalStateException.class, () -> F.sum(y).backward());
        }
        assertTrue(NoGrad.isGradEnabled());
        assertTrue(F.mul(x, x).requiresGrad());
    }

    @Test
    void noGradIsPerThread() throws InterruptedException {
        Variable x = param(1);
        AtomicBoolean recorded = new AtomicBoolean();
        try (NoGrad ignored = NoGrad.enter()) {
            Thread t = new Thread(() -> recorded.set(F.mul(x, 2.0).requiresGrad()));
            t.start();
            t.join();
        }
        assertTrue(recorded.get());
    }

    @Test
    void detachCutsTheGraph() {
        Variable x = param(1, 2);
        Variable d = F.mul(x, 2.0).detach();
        assertTrue(d.isLeaf());
        assertFalse(d.requiresGrad());
        F.sum(F.add(F.mul(d, x), x)).backward();      // d treated as a constant: grad = d + 1
        assertArrayEquals(new float[]{3, 5}, x.grad().toFloatArray());
    }

    @Test
    void constantsGetNoGradient() {
        Variable x = param(1, 2);
        Variable c = Variable.of(Tensor.of(new float[]{5, 7}, 2));
        F.sum(F.mul(x, c)).backward();
        assertNull(c.grad());
        assertArrayEquals(new float[]{5, 7}, x.grad().toFloatArray());
    }

    @Test
    void deepGraphNeedsNoRecursion() {
        Variable x = param(0.5f);
        Variable y = x;
        for (int i = 0; i < 20_000; i++) y = F.add(y, 1e-4);
        F.sum(y).backward();
        assertArrayEquals(new float[]{1}, x.grad().toFloatArray());
    }

    @Test
    void leafGradientIsADenseCopyOfTheSeed() {
        Variable x = Variable.param(Tensor.zeros(2, 3));
        Tensor seed = Tensor.ones(2, 3);
        x.backward(seed);
        assertArrayEquals(seed.toFloatArray(), x.grad().toFloatArray());
        assertFalse(seed == x.grad());
        Variable s = param(1, 2, 3);
        F.sum(F.expand(s, 4, 3)).backward();          // a stride-0 gradient view arrives; the stored one is dense
        assertTrue(s.grad().isContiguous());
        assertArrayEquals(new float[]{4, 4, 4}, s.grad().toFloatArray());
    }

    @Test
    void errorsNameTheProblem() {
        Variable x = param(1, 2);
        IllegalStateException noSeed = assertThrows(IllegalStateException.class, () -> F.mul(x, x).backward());
        assertTrue(noSeed.getMessage().contains("seed"), noSeed.getMessage());
        Variable c = Variable.of(Tensor.ones(2)).named("input");
        IllegalStateException noGrad = assertThrows(IllegalStateException.class, () -> F.sum(c).backward());
        assertTrue(noGrad.getMessage().contains("does not require"), noGrad.getMessage());
        Variable bad = Node.unary("badShape", x, x.data(), Node.NONE, (n, g) -> Tensor.ones(3));
        IllegalStateException shape = assertThrows(IllegalStateException.class, () -> F.sum(bad).backward());
        assertTrue(shape.getMessage().contains("badShape"), shape.getMessage());
    }

    @Test
    void gradientIsCastToTheOperandType() {
        Variable x = param(1, 2);                                           // F32
        Variable y = F.cast(x, dev.sparkj.tensor.DType.F64);
        F.sum(F.mul(y, y)).backward();
        assertEquals(dev.sparkj.tensor.DType.F32, x.grad().dtype());
        assertArrayEquals(new float[]{2, 4}, x.grad().toFloatArray());
    }

    @Test
    void setDataKeepsTheLeafAndItsGradient() {
        Variable w = param(1, 2).named("w");
        F.sum(F.square(w)).backward();
        Tensor g = w.grad();
        w.setData(Tensor.of(new float[]{3, 4}, 2));
        assertSame(g, w.grad());
        assertThrows(IllegalArgumentException.class, () -> w.setData(Tensor.ones(3)));
        assertThrows(IllegalStateException.class, () -> F.mul(w, 2.0).setData(Tensor.ones(2)));
        assertEquals("w", w.name());
    }
}
