package dev.sparkj.spark.model;

import dev.sparkj.autograd.F;
import dev.sparkj.autograd.NoGrad;
import dev.sparkj.autograd.Variable;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The one-pass loss against spark-semantics.md §5 written as tensor ops (patchify, per-patch mean and unbiased
 * variance, mean squared difference, average over masked patches): loss, patch statistics and the reconstruction's
 * gradient, on a non-square grid, with the reconstruction channels-last (as the decoder makes it) and row-major.
 */
class PatchLossTest {
    private static final int B = 2, GH = 2, GW = 3, P = 8;

    /** {@code [B, C, gh, p, gw, p]} → {@code [B, gh*gw, p*p*C]}, row in patch, column in patch, channel. */
    private static Tensor patchify(Tensor x) {
        int c = x.shape(1);
        return x.reshape(B, c, GH, P, GW, P).permute(0, 2, 4, 3, 5, 1).reshape(B, GH * GW, P * P * c);
    }

    private static Variable patchify(Variable x) {
        int c = x.shape(1);
        return F.reshape(F.permute(F.reshape(x, B, c, GH, P, GW, P), 0, 2, 4, 3, 5, 1), B, GH * GW, P * P * c);
    }

    private static void check(boolean channelsLast) {
        Rng rng = new Rng(7);
        Tensor input = rng.normal(0.3, 2, B, 3, GH * P, GW * P).mul(rng.uniform(0.5, 1.5, B, 3, GH * P, GW * P));
        Tensor recT = rng.normal(0, 1, B, 3, GH * P, GW * P);
        if (channelsLast) recT = recT.toChannelsLast();
        float[] masked = {1, 0, 1, 1, 0, 0, 0, 1, 1, 0, 1, 1};

        // the composed form
        Variable recA = Variable.param(recT.copy());
        Tensor inp = patchify(input);
        Tensor mean = inp.mean(new int[]{2}, true);
        Tensor std = inp.var(new int[]{2}, 1, true).add(1e-6).sqrt();
        Tensor target = inp.sub(mean).div(std);
        Tensor m = Tensor.of(masked, B, GH * GW);
        Variable l2 = F.mean(F.square(F.sub(patchify(recA), Variable.of(target))), new int[]{2}, false);
        Variable lossA = F.div(F.sum(F.mul(l2, Variable.of(m))), m.sum().item() + 1e-8);
        lossA.backward();

        Variable recB = Variable.param(recT.copy());
        PatchLoss.Result r = PatchLoss.of(input, recB, masked, GH, GW, P);
        r.loss().backward();

        double want = lossA.data().item(), got = r.loss().data().item();
        assertTrue(want > 0.5, "a loss worth comparing: " + want);
        assertEquals(want, got, 1e-6 * want, "loss");
        assertArrayEquals(mean.toFloatArray(), r.mean().toFloatArray(), 1e-6f, "patch means");
        assertArrayEquals(std.toFloatArray(), r.std().toFloatArray(), 1e-6f, "patch standard deviations");
        assertArrayEquals(recA.data().strides(), recB.grad().strides(), "the gradient in the reconstruction's layout");
        float[] ga = recA.grad().contiguous().toFloatArray(), gb = recB.grad().contiguous().toFloatArray();
        float scale = 0;
        for (float v : ga) scale = Math.max(scale, Math.abs(v));
        assertTrue(scale > 0);
        int zeros = 0;
        for (int i = 0; i < ga.length; i++) {
            assertEquals(ga[i], gb[i], 1e-5f * scale, "gradient [" + i + "]");
            if (gb[i] == 0f) zeros++;
        }
        assertEquals(5 * P * P * 3, zeros, "the five visible patches get no gradient");
    }

    @Test
    void matchesTheComposedLossChannelsLast() { check(true); }

    @Test
    void matchesTheComposedLossRowMajor() { check(false); }

    @Test
    void withoutGradientsNothingIsRecorded() {
        Rng rng = new Rng(8);
        Tensor input = rng.normal(0, 1, B, 3, GH * P, GW * P);
        Variable rec = Variable.param(rng.normal(0, 1, B, 3, GH * P, GW * P));
        float[] masked = new float[B * GH * GW];
        masked[0] = 1;
        try (NoGrad g = NoGrad.enter()) {
            PatchLoss.Result r = PatchLoss.of(input, rec, masked, GH, GW, P);
            assertTrue(r.loss().isLeaf() && !r.loss().requiresGrad());
            assertTrue(r.loss().data().item() > 0);
        }
        assertNull(rec.grad());
    }
}
