package dev.sparkj.autograd;

import dev.sparkj.tensor.Conv2dSpec;
import dev.sparkj.tensor.Recycler;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Training steps inside a {@link Recycler} scope: the arrays of saved activations and consumed gradients are
 * reused by the next step, the gradients are bit-for-bit those of a step without the scope, and a tensor read
 * after backward has reclaimed it fails with a clear error instead of showing another tensor's values.
 */
class RecyclerTest {
    // [2, 8, 64, 64] activations: 65,536 floats, the smallest size the recycler takes
    private final Rng rng = new Rng(7);
    private final Tensor x = rng.normal(0, 1, 2, 8, 64, 64);
    private final Variable w1 = Variable.param(rng.normal(0, 0.2, 8, 8, 3, 3));
    private final Variable w2 = Variable.param(rng.normal(0, 0.2, 8, 8, 3, 3));
    private Variable hidden;

    /** conv → relu → conv, plus the input again (two contributions to one gradient), → mean of squares. */
    private Variable loss() {
        Variable in = Variable.of(x);
        Variable h = F.relu(F.conv2d(in, w1, null, Conv2dSpec.of(1, 1, 1)));
        hidden = h;
        Variable y = F.add(F.conv2d(h, w2, null, Conv2dSpec.of(1, 1, 1)), F.mul(h, 0.5));
        return F.mean(F.square(y));
    }

    private Tensor[] step(boolean scoped) {
        w1.zeroGrad();
        w2.zeroGrad();
        if (scoped) {
            try (Recycler.Scope s = Recycler.open()) {
                loss().backward();
            }
        } else loss().backward();
        return new Tensor[]{w1.grad(), w2.grad()};
    }

    @BeforeEach
    @AfterEach
    void reset() { Recycler.reset(); } // no idle arrays or step history from other tests

    @Test
    void scopedStepsReuseArraysAndGiveTheSameGradients() {
        Tensor[] plain = step(false);
        Recycler.statistics();
        for (int i = 0; i < 3; i++) {
            Tensor[] scoped = step(true);
            double[] st = Recycler.statistics();
            for (int k = 0; k < plain.length; k++)
                assertArrayEquals(plain[k].toFloatArray(), scoped[k].toFloatArray(), "step " + i + ", gradient " + k);
            assertTrue(st[2] > 0, "backward reuses arrays the forward pass released: " + java.util.Arrays.toString(st));
            if (i > 0) assertTrue(st[0] > 0, "step " + i + "'s forward pass reuses the last step's arrays: " + java.util.Arrays.toString(st));
        }
        // parameters and their gradients are never reclaimed
        assertEquals(8 * 8 * 9, w1.data().toFloatArray().length);
        assertNotNull(w2.grad().toFloatArray());
    }

    @Test
    void readingAReclaimedActivationFailsClearly() {
        step(true);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> hidden.data().toFloatArray());
        assertTrue(e.getMessage().contains("reclaimed"), e.getMessage());
    }

    @Test
    void withoutAScopeActivationsStayReadable() {
        step(false);
        assertEquals(2 * 8 * 64 * 64, hidden.data().toFloatArray().length);
    }

    @Test
    void scopesDoNotNest() {
        try (Recycler.Scope s = Recycler.open()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, Recycler::open);
            assertTrue(e.getMessage().contains("already open"), e.getMessage());
        }
    }
}
