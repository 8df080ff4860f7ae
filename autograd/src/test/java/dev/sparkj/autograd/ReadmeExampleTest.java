package dev.sparkj.autograd;

import dev.sparkj.tensor.Conv2dSpec;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README example, run: one SGD step on a tiny conv classifier lowers its loss. */
class ReadmeExampleTest {

    private static Variable loss(Variable x, Tensor labels, Variable w, Variable fc) {
        Variable h = F.relu(F.conv2d(x, w, null, Conv2dSpec.of(1, 1, 1)));
        Variable logp = F.logSoftmax(F.linear(F.mean(h, new int[]{2, 3}, false), fc, null), 1);
        return F.mean(F.neg(F.gather(logp, 1, labels)));
    }

    @Test
    void oneStepLowersTheLoss() {
        Rng rng = new Rng(0);
        Variable x = Variable.of(rng.normal(0, 1, 8, 3, 16, 16));
        Tensor labels = Tensor.ofLongs(new long[]{0, 1, 2, 3, 4, 5, 6, 7}, 8, 1);
        Variable w = Variable.param(rng.normal(0, 0.1, 6, 3, 3, 3)).named("conv.weight");
        Variable fc = Variable.param(rng.normal(0, 0.1, 10, 6)).named("fc.weight");
        Variable loss = loss(x, labels, w, fc);
        assertEquals(Math.log(10), loss.data().item(), 0.1);   // near-uniform predictions at init
        loss.backward();
        assertArrayEquals(new int[]{6, 3, 3, 3}, w.grad().shape());
        assertArrayEquals(new int[]{10, 6}, fc.grad().shape());
        w.setData(w.data().sub(w.grad().mul(0.5)));
        fc.setData(fc.data().sub(fc.grad().mul(0.5)));
        w.zeroGrad();
        fc.zeroGrad();
        try (NoGrad g = NoGrad.enter()) {
            Variable after = loss(x, labels, w, fc);
            assertFalse(after.requiresGrad());
            assertTrue(after.data().item() < loss.data().item(), after.data().item() + " vs " + loss.data().item());
        }
    }
}
